#!/usr/bin/env bash
# How guided search's defaults were chosen (README "Tuning the guided defaults"): CARL-guided on
# NAS-Bench-201, 80 queries, 20 seeds from 1000 (disjoint from the 0..29 of the reported study),
# CIFAR-10 and CIFAR-100, over variants of the parent/slot rules. One `nas sweep` per dataset;
# resumable. Usage: bench/tune_guided.sh [OUT_DIR]   (env: SEEDS, PARALLEL)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/tune_guided}
SEEDS=${SEEDS:-20}
PARALLEL=${PARALLEL:-2}
for ds in cifar10 cifar100; do
  ./build/apps/nas sweep --dataset "$ds" --budget 80 --seeds "$SEEDS" --seed-base 1000 --parallel-runs "$PARALLEL" \
    --grid "incumbent-k=0|1|2" --out "$OUT/$ds-incumbent"
done
./build/apps/nas sweep --dataset cifar100 --budget 80 --seeds "$SEEDS" --seed-base 1000 --parallel-runs "$PARALLEL" \
  --grid "parent-selection=tournament|best;initial=10|20" --out "$OUT/cifar100-parents"
