#!/usr/bin/env bash
# Scheduler study on simulated time (NAS-Bench-201 CIFAR-10, test_200ep): batch-synchronous guided
# (top-k = W per iteration; 5 for W = 1), steady-state guided, steady-state REA and random search, for W = 1, 4,
# 16, 64 simulated workers. Cost model: each evaluation takes a log-normal time with mean 100 s and
# sigma 0.5 (drawn per candidate from the run seed); surrogate retrains take no simulated time.
# Then bench/scheduler_report.py prints best accuracy against simulated time, the time to the
# optimum and the utilisation, and writes an SVG.
# Usage: bench/scheduler_study.sh [SEEDS] [BUDGET]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-5}
budget=${2:-300}
out=${OUT:-bench-out/scheduler}
cost=${COST:-lognormal:100,0.5}
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
common=(--space nb201 --dataset cifar10 --budget "$budget" --seeds "$seeds" --executor simulated --cost-model "$cost")
for w in 1 4 16 64; do
  k=$(( w > 1 ? w : 5 ))  # a batch-synchronous iteration evaluates one batch of W (5 when W = 1)
  build/apps/nas search "${common[@]}" --algo guided --predictor carl --torch-threads 1 --parallel-runs 2 --mode sync --workers "$w" \
    --top-k "$k" --out "$out/guided-sync-w$w" > "$out/guided-sync-w$w.txt" 2>&1
  build/apps/nas search "${common[@]}" --algo guided --predictor carl --torch-threads 1 --parallel-runs 2 --mode async --workers "$w" \
    --out "$out/guided-async-w$w" > "$out/guided-async-w$w.txt" 2>&1
  build/apps/nas search "${common[@]}" --algo rea --mode async --workers "$w" --out "$out/rea-async-w$w" > "$out/rea-async-w$w.txt" 2>&1
  build/apps/nas search "${common[@]}" --algo random --mode async --workers "$w" --out "$out/random-w$w" > "$out/random-w$w.txt" 2>&1
  echo "W = $w done"
done
python3 bench/scheduler_report.py "$out"
