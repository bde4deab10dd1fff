#!/usr/bin/env bash
# End to end at equal CPU time (issue 26), Fashion-MNIST, NB201 space, C8 N1, one torch thread per
# process, two processes at a time:
#  - random-train: random search with every candidate trained (5 epochs on 4,000 images, 1,000
#    held-out validation images), --time-budget SECONDS;
#  - rea-supernet / guided-supernet: an SPOS supernet of the seed (nas oneshot SUPERNET_ARGS on the
#    same split), then REA / guided (CARL) search with inherited weights over BUDGET cells, then the
#    top 3 re-trained from scratch at the search fidelity (--retrain-top 3), the best of them kept;
#    the supernet's time is charged to each of the two;
#  - every found cell re-trained at one common higher fidelity (nas train: 10 epochs on 8,000
#    images, seed 1000); bench/oneshot_report.py e2e OUT: mean +- SE, Welch tests, CPU seconds.
# Usage: bench/oneshot_e2e.sh [SEEDS] [SECONDS] [BUDGET]   (OUT=folder; SUPERNET_ARGS="--epochs 100")
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-5}
seconds=${2:-330}
budget=${3:-200}
out=${OUT:-bench-out/oneshot-e2e}
read -r -a sargs <<< "${SUPERNET_ARGS:---epochs 100}"
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
nas=build/apps/nas
mkdir -p "$out/final"
split=(--train-subset 4000 --valid-size 1000 --split-seed 0)
now() { date +%s.%N; }
record() { echo "$1,$2,$3" >> "$out/cpu_seconds.csv"; }
[ -f "$out/cpu_seconds.csv" ] || echo "arm,seed,cpu_seconds" > "$out/cpu_seconds.csv"
supernet_arm() {
  local s=$1 t0 t1 t2 t3
  t0=$(now)
  $nas oneshot --method spos --space nb201 --data fashion-mnist --channels 8 --cells 1 --train-images 4000 --valid-images 1000 --split-seed 0 \
    --seed "$s" --torch-threads 1 "${sargs[@]}" --out "$out/supernet/s$s" > "$out/supernet-s$s.txt" 2> "$out/supernet-s$s.log"
  t1=$(now)
  $nas search --evaluator supernet --supernet "$out/supernet/s$s/supernet.pt" --algo rea --budget "$budget" --seeds 1 --seed-base "$s" \
    "${split[@]}" --retrain-top 3 --out "$out/rea-supernet/s$s" > "$out/rea-supernet-s$s.txt" 2> "$out/rea-supernet-s$s.log"
  t2=$(now)
  $nas search --evaluator supernet --supernet "$out/supernet/s$s/supernet.pt" --algo guided --predictor carl --torch-threads 1 --budget "$budget" \
    --seeds 1 --seed-base "$s" "${split[@]}" --retrain-top 3 --out "$out/guided-supernet/s$s" > "$out/guided-supernet-s$s.txt" 2> "$out/guided-supernet-s$s.log"
  t3=$(now)
  record rea-supernet "$s" "$(echo "$t2 - $t0" | bc)"
  record guided-supernet "$s" "$(echo "$t1 - $t0 + $t3 - $t2" | bc)"
}
random_arm() {
  local s=$1 t0 t1
  t0=$(now)
  $nas search --evaluator train --algo random --time-budget "$seconds" --budget 15625 --seeds 1 --seed-base "$s" "${split[@]}" \
    --out "$out/random-train/s$s" > "$out/random-train-s$s.txt" 2> "$out/random-train-s$s.log"
  t1=$(now)
  record random-train "$s" "$(echo "$t1 - $t0" | bc)"
}
# Two processes at a time (one per core): each seed's supernet chain and its random search.
for s in $(seq 1 "$seeds"); do
  for arm in supernet_arm random_arm; do
    if [ $arm = supernet_arm ]; then [ -f "$out/guided-supernet/s$s/summary.json" ] && continue; else [ -f "$out/random-train/s$s/summary.json" ] && continue; fi
    $arm "$s" &
    [ "$(jobs -r | wc -l)" -ge 2 ] && wait -n
  done
done
wait
# The found cells at one common fidelity, two at a time.
for arm in random-train rea-supernet guided-supernet; do
  for s in $(seq 1 "$seeds"); do
    [ -f "$out/final/$arm-$s/summary.json" ] && continue
    arch=$(/usr/bin/python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))['runs'][0]
print(r['retrain_top']['best_arch'] if 'retrain_top' in r else r['best_arch'])" "$out/$arm/s$s/summary.json")
    $nas train --arch "$arch" --channels 8 --cells 1 --train-epochs 10 --train-subset 8000 --seed 1000 --out "$out/final/$arm-$s" \
      > /dev/null 2> "$out/final/$arm-$s.log" &
    [ "$(jobs -r | wc -l)" -ge 2 ] && wait -n
  done
done
wait
/usr/bin/python3 bench/oneshot_report.py e2e "$out"
