#!/usr/bin/env bash
# Real training at equal CPU time (issue 24): NB201 space, Fashion-MNIST, one torch thread per search,
# each search limited to MINUTES of wall time (--time-budget; two searches run at once, one per core):
#   random and guided at the default search fidelity (5 epochs, full fidelity),
#   asha and guided over rungs 1 -> 3 -> 9 epochs (the schedule of every rung spans 9; promotions go
#   on from the lower rung's checkpoint), the latter with imputed rung targets (guided-rungs) and with
#   a second model of the lowest rung (guided-rungs-2m).
# Then every found cell (each run's incumbent) is trained again at one common higher fidelity with
# `nas train` (the run's seed), and bench/mf_train_report.py prints mean +- SE of its test accuracy
# per search and Welch's t-test between them.
# Usage: bench/mf_train_study.sh [SEEDS] [MINUTES] [RETRAIN_EPOCHS]
#        (OUT=folder; NAS=a copy of the nas binary, so that a rebuild meanwhile does not change it;
#         SEARCHES="random guided asha guided-rungs guided-rungs-2m", the default, or some of them)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-5}
minutes=${2:-20}
retrain_epochs=${3:-12}
out=${OUT:-bench-out/mf-train}
nas=${NAS:-build/apps/nas}
[ -x "$nas" ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
budget=$(( minutes * 60 ))
searches=${SEARCHES:-random guided asha guided-rungs guided-rungs-2m}
declare -A options=(
  [random]="--algo random"
  [guided]="--algo guided --predictor carl --torch-threads 1"
  [asha]="--algo asha --fidelities 1,3,9"
  [guided-rungs]="--algo guided --fidelities 1,3,9 --predictor carl --torch-threads 1"
  [guided-rungs-2m]="--algo guided --fidelities 1,3,9 --rung-targets second-model --predictor carl --torch-threads 1"
)
jobs=()
for s in $(seq 0 $(( seeds - 1 ))); do
  for search in $searches; do
    [ -n "${options[$search]:-}" ] || { echo "unknown search '$search' in SEARCHES (expected: ${!options[*]})" >&2; exit 2; }
    jobs+=("$search-s$s ${options[$search]} --seed-base $s")
  done
done
run_one() {
  local name=$1; shift
  [ -f "$out/$name/summary.json" ] && return 0  # done in an earlier call
  "$nas" search --space nb201 --evaluator train --seeds 1 --time-budget "$budget" "$@" --out "$out/$name" \
    > "$out/$name.txt" 2> "$out/$name.log"
  echo "$name done"
}
export -f run_one
export out budget nas
printf '%s\n' "${jobs[@]}" | xargs -P 2 -I{} bash -c 'run_one {}'
# The evaluation phase: each found cell trained again at one common fidelity, with its run's seed.
for d in "$out"/*-s*/; do
  name=$(basename "$d")
  [ -f "$d/summary.json" ] || continue
  [ -f "$out/retrain/$name/summary.json" ] && continue
  arch=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["best_arch"] or "")' "$d/summary.json")
  [ -n "$arch" ] || { echo "$name: no full-fidelity result"; continue; }
  seed=${name##*-s}
  echo "$name: $arch"
  "$nas" train --space nb201 --arch "$arch" --seed "$seed" --channels 8 --cells 1 --train-subset 10000 --valid-size 1000 \
    --test-subset 0 --train-batch 64 --train-epochs "$retrain_epochs" --train-threads 1 --out "$out/retrain/$name" > /dev/null 2>&1 &
  while [ "$(jobs -r | wc -l)" -ge 2 ]; do sleep 1; done
done
wait
python3 bench/mf_train_report.py "$out"
