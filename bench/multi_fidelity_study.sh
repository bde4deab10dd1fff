#!/usr/bin/env bash
# Multi-fidelity study on simulated time, NAS-Bench-201 (Syne Tune's setup): 4 workers on CIFAR-10
# and CIFAR-100, 8 on ImageNet16-120, asynchronous executor, each evaluation of f epochs taking
# f x 15 simulated seconds (--cost-model epochs:15; a 12-epoch rung 180 s, a 200-epoch one 3000 s;
# a table's promotion is a separate 200-epoch run and pays all of it), 24 simulated hours.
# Searches: random, REA and guided at full fidelity; SH, Hyperband, ASHA and guided over rungs 12,200
# (guided-rungs: the model learns full results and imputed 12-epoch ones; guided-rungs-lowest: the
# 12-epoch results only; guided-rungs-second: one model of the full results, a second of the
# 12-epoch ones).
# Then bench/multi_fidelity_report.py prints mean regret at 5, 6, 8 and 24 hours, the median time
# to the optimum and the seeds that reach it, and writes OUT/regret.svg.
# Usage: bench/multi_fidelity_study.sh [SEEDS] [HOURS]   (OUT=folder, SEARCHES="random asha ...",
#        NAS=a copy of the nas binary, so that a rebuild meanwhile does not change it)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-30}
hours=${2:-24}
out=${OUT:-bench-out/multi-fidelity}
searches=${SEARCHES:-random rea guided sh hyperband asha guided-rungs guided-rungs-lowest guided-rungs-second}
nas=${NAS:-build/apps/nas}
[ -x "$nas" ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
budget=$(( hours * 3600 ))
for ds in cifar10 cifar100 imagenet16; do
  w=$([ "$ds" = imagenet16 ] && echo 8 || echo 4)
  common=(--space nb201 --dataset "$ds" --seeds "$seeds" --executor simulated --mode async --workers "$w" --cost-model epochs:15
          --time-budget "$budget")
  for a in $searches; do
    case $a in
      guided) args=(--algo guided) ;;
      guided-rungs) args=(--algo guided --fidelities 12,200 --rung-targets impute) ;;
      guided-rungs-lowest) args=(--algo guided --fidelities 12,200 --rung-targets lowest) ;;
      guided-rungs-second) args=(--algo guided --fidelities 12,200 --rung-targets second-model) ;;
      *) args=(--algo "$a") ;;
    esac
    [[ $a = guided* ]] && args+=(--predictor carl --torch-threads 1 --parallel-runs 2)
    start=$(date +%s)
    "$nas" search "${common[@]}" "${args[@]}" --out "$out/$ds-$a" > "$out/$ds-$a.txt" 2>&1
    echo "$ds $a: $(( $(date +%s) - start )) s"
  done
done
python3 bench/multi_fidelity_report.py "$out"
