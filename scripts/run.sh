#!/usr/bin/env bash
# Sets up, builds and runs the main job: CARL-guided evolution on NAS-Bench-201 CIFAR-10, read from
# ../shared/datasets (or $NAS_DATA_DIR): 3 seeds x 100 queries, the surrogate retrained online.
# Extra arguments are passed to `nas search` (e.g. --seeds 30 --dataset cifar100).
set -euo pipefail
cd "$(dirname "$0")/.."
NINJA_TARGETS=nas bash scripts/build.sh
# A fresh run each time (the journal in runs/main would otherwise resume or refuse other options;
# resume a killed main job with: build/apps/nas search --resume runs/main).
rm -rf runs/main
./build/apps/nas search --space nb201 --dataset cifar10 --algo guided --predictor carl --budget 100 --seeds 3 --out runs/main "$@"
