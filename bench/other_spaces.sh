#!/usr/bin/env bash
# Issue 6 searches: guided-CARL, REA and random on NAS-Bench-Macro and NAS-Bench-Graph, budget 100.
# Usage: bench/other_spaces.sh [OUT_DIR]  (env: SEEDS (30), GUIDED_SEEDS (30), PARALLEL (2))
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/other_spaces}
SEEDS=${SEEDS:-30}
GUIDED_SEEDS=${GUIDED_SEEDS:-30}
PARALLEL=${PARALLEL:-2}
NAS=./build/apps/nas
mkdir -p "$OUT"
for target in "macro cifar10" "graph cora" "graph citeseer" "graph pubmed" "graph arxiv"; do
  set -- $target
  for algo in random rea; do
    $NAS search --space "$1" --dataset "$2" --algo $algo --budget 100 --seeds "$SEEDS" --out "$OUT/$1-$2-$algo" > "$OUT/$1-$2-$algo.log" 2>&1
  done
  $NAS search --space "$1" --dataset "$2" --algo guided --predictor carl --budget 100 --seeds "$GUIDED_SEEDS" --parallel-runs "$PARALLEL" \
    --out "$OUT/$1-$2-guided-carl" > "$OUT/$1-$2-guided-carl.log" 2>&1
done
for f in "$OUT"/*.log; do echo "== $f"; grep -E "^ +(25|50|100) |reached|incumbent" "$f"; done
