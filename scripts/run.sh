#!/usr/bin/env bash
# Sets up, builds and runs the main job: a search on NAS-Bench-201 CIFAR-10 read from
# ../shared/datasets (or $NAS_DATA_DIR). Extra arguments are passed to `nas search`.
set -euo pipefail
cd "$(dirname "$0")/.."
NINJA_TARGETS=nas bash scripts/build.sh
./build/apps/nas search --space nb201 --dataset cifar10 --algo rea --budget 150 --seeds 100 --out runs/main "$@"
