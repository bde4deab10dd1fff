#!/usr/bin/env bash
# Issue 15 point 2: cheaper retraining of the guided search's surrogate, against the previous default
# on the same seeds. For each NB201 dataset and each configuration below, one nas sweep (CARL,
# 100 queries), SEEDS seeds (paired: the same seeds for every configuration), PARALLEL runs at once
# with one torch thread each. Prints each sweep's table (best@50/80/100, AUC, train s, wall s, hit %).
# Usage: bench/retrain_cost.sh [OUT] (env: SEEDS=30, SEED_BASE=0, PARALLEL=2, DATASETS, CONFIGS)
# CONFIGS: space-separated NAME=GRID entries (GRID as nas sweep --grid, one value per axis).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out/retrain_cost}
seeds=${SEEDS:-30}
seed_base=${SEED_BASE:-0}
parallel=${PARALLEL:-2}
datasets=${DATASETS:-"cifar10 cifar100 imagenet16"}
# previous: the default before issue 15 (cold, 100 epochs, a fixed incumbent slot).
# default:  today's (warm start, 20 epochs at 0.3x the learning rate, incumbent slots grow while it stalls).
configs=${CONFIGS:-"previous=warm-start=false;retrain-epochs=0;warm-lr=1;incumbent-k-stalled=0 default=warm-start=true"}
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
for d in $datasets; do
  for c in $configs; do
    name=${c%%=*}
    grid=${c#*=}
    echo "== $d $name ($grid)"
    build/apps/nas sweep --dataset "$d" --algo guided --predictor carl --budget 100 --seeds "$seeds" --seed-base "$seed_base" --parallel-runs "$parallel" \
      --torch-threads 1 --grid "$grid" --out "$out/$d-$name" 2> "$out/$d-$name.log" | tail -n +2
  done
done
