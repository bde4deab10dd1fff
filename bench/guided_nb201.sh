#!/usr/bin/env bash
# Issue 4's study: guided search (CARL, TART, GCN) vs REA vs random on NAS-Bench-201, signal =
# reported = 200-epoch test accuracy, SEEDS seeds (default 30) x 3 datasets, 100 queries.
# Prints one line per (method, dataset) from each summary.json. Usage:
#   bench/guided_nb201.sh [OUT_DIR]   (env: SEEDS, PREDICTORS, DATASETS, PARALLEL)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/guided_nb201}
SEEDS=${SEEDS:-30}
PREDICTORS=${PREDICTORS:-"carl gcn tart"}
DATASETS=${DATASETS:-"cifar10 cifar100 imagenet16"}
PARALLEL=${PARALLEL:-2}
EXTRA=${EXTRA:-}   # extra options for the guided runs, e.g. "--retrain every-k --retrain-every 20"
NAS=./build/apps/nas
mkdir -p "$OUT"
for ds in $DATASETS; do
  for algo in random rea; do
    $NAS search --dataset "$ds" --algo $algo --budget 150 --seeds "$SEEDS" --out "$OUT/$ds-$algo" > "$OUT/$ds-$algo.log" 2>&1 || { cat "$OUT/$ds-$algo.log"; exit 1; }
  done
  for p in $PREDICTORS; do
    $NAS search --dataset "$ds" --algo guided --predictor "$p" --budget "${GUIDED_BUDGET:-100}" --seeds "$SEEDS" --parallel-runs "$PARALLEL" \
      $EXTRA --out "$OUT/$ds-guided-$p" > "$OUT/$ds-guided-$p.log" 2>&1 || { cat "$OUT/$ds-guided-$p.log"; exit 1; }
  done
done
python3 - "$OUT" <<'PY'
import json, sys, glob, os
rows = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*", "summary.json"))):
    s = json.load(open(f))
    name = os.path.basename(os.path.dirname(f))
    b = s["best_at"]
    cell = lambda q: f'{b[q]["mean"]:.2f} ± {b[q]["std"]:.2f}' if q in b else "-"
    t = s.get("seconds_per_run", {})
    print(f'{name:<28} @50 {cell("50"):>14} @80 {cell("80"):>14} @100 {cell("100"):>14} @150 {cell("150"):>14}'
          f'  hit {100*s["hit_optimum_fraction"]:5.1f}%  run {t.get("wall", s["wall_seconds"]/s["seeds"]):6.2f}s')
PY
