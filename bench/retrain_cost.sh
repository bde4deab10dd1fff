#!/usr/bin/env bash
# Issue 15 point 2: cheaper retraining of the guided search's surrogate, against today's default on
# the same seeds. One nas sweep per NB201 dataset over the retraining configurations below (CARL,
# 100 queries), SEEDS seeds each (paired: the same seeds for every configuration), PARALLEL runs at
# once with one torch thread each. Prints each sweep's table (best@80, best@100, train s, wall s).
# Usage: bench/retrain_cost.sh [OUT] (env: SEEDS=30, PARALLEL=2, DATASETS, GRID)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out/retrain_cost}
seeds=${SEEDS:-30}
parallel=${PARALLEL:-2}
datasets=${DATASETS:-"cifar10 cifar100 imagenet16"}
grid=${GRID:-"warm-start=false|true;retrain-epochs=0|20"}
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
for d in $datasets; do
  echo "== $d"
  build/apps/nas sweep --dataset "$d" --algo guided --predictor carl --budget 100 --seeds "$seeds" --parallel-runs "$parallel" \
    --torch-threads 1 --grid "$grid" --out "$out/$d" 2> "$out-$d.log" | tail -n +2
done
