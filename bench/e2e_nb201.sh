#!/usr/bin/env bash
# End-to-end NB201 searches with every candidate trained on Fashion-MNIST at the default search
# fidelity: CARL-guided and random, SEEDS seeds x BUDGET candidates each, the two searches side by
# side (one torch thread each, one per core), then bench/e2e_report.py against the NB201 table.
# Usage: bench/e2e_nb201.sh [SEEDS] [BUDGET]   (about 12-18 s per candidate on a 2-core machine)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-3}
budget=${2:-40}
out=${OUT:-bench-out/e2e}
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
build/apps/nas search --evaluator train --algo guided --predictor carl --torch-threads 1 --budget "$budget" --seeds "$seeds" \
  --out "$out/guided" 2> "$out/guided.log" &
build/apps/nas search --evaluator train --algo random --budget "$budget" --seeds "$seeds" --out "$out/random" 2> "$out/random.log" &
wait
table=${NAS_DATA_DIR:-../shared/datasets}/nasbench201/nb201.csv
python3 bench/e2e_report.py "$table" "$out/guided" "$out/random"
