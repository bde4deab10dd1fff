#!/usr/bin/env bash
# Zero-cost proxies against real training on Fashion-MNIST (issue 25), resumable parts:
#  1. CELLS random NB201 cells trained at the search fidelity (nas search --evaluator train --algo
#     random, 2 workers);
#  2. every proxy on those cells with Fashion-MNIST images, on the network that was trained
#     (--channels 8 --cells 1, the search defaults) and on the benchmark network (C16, 5 cells);
#  3. end to end at equal CPU time: guided search with and without the zero-cost warm-up, SEEDS
#     seeds, --time-budget SECONDS each (one worker, one torch thread; the two searches side by
#     side, one per core); the cell each seed found re-trained at one common fidelity
#     (the search's network, C8 with 1 cell per stage, 10 epochs on 20,000 images, seed 1000);
#  4. bench/zc_fmnist_report.py: Spearman table, search table.
# Usage: bench/zc_fmnist.sh [CELLS] [SEEDS] [SECONDS] [WARMUP_PROXIES]   (OUT=folder)
set -euo pipefail
cd "$(dirname "$0")/.."
cells=${1:-120}
seeds=${2:-5}
seconds=${3:-360}
proxies=${4:-synflow}
out=${OUT:-bench-out/zc-fmnist}
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
nas=build/apps/nas
mkdir -p "$out"
if [ ! -f "$out/random/summary.json" ]; then
  $nas search --evaluator train --algo random --budget "$cells" --seeds 1 --seed-base 7 --workers 2 --mode async \
    --out "$out/random" > "$out/random.txt" 2> "$out/random.log"
fi
traj=$(ls "$out"/random/trajectories/seed_*.csv | grep -E 'seed_[0-9]+\.csv$')
for net in train:8:1 bench:16:5; do
  IFS=: read -r name ch nc <<< "$net"
  $nas zc --dataset fashion-mnist --table "$traj" --proxies all --channels "$ch" --cells "$nc" --threads 2 \
    --out "$out/zc_$name.csv" > "$out/zc_$name.txt" 2> "$out/zc_$name.err"
done
e2e=(--evaluator train --algo guided --predictor carl --torch-threads 1 --time-budget "$seconds" --budget 15625 --seeds "$seeds")
[ -f "$out/guided/summary.json" ] || $nas search "${e2e[@]}" --out "$out/guided" > "$out/guided.txt" 2> "$out/guided.log" &
[ -f "$out/guided-zc/summary.json" ] || $nas search "${e2e[@]}" --zc-proxies "$proxies" --zc-warmup 100 --out "$out/guided-zc" \
  > "$out/guided-zc.txt" 2> "$out/guided-zc.log" &
wait
# The found cells re-trained at one common fidelity, two at a time.
for run in guided guided-zc; do
  for f in "$out/$run"/trajectories/seed_*.csv; do
    [[ $(basename "$f") =~ ^seed_([0-9]+)\.csv$ ]] || continue
    s=${BASH_REMATCH[1]}
    [ -f "$out/retrain/$run-$s/summary.json" ] && continue
    arch=$(/usr/bin/python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(max(r, key=lambda x: (float(x['signal']), -int(x['query'])))['arch'])" "$f")
    mkdir -p "$out/retrain"
    $nas train --arch "$arch" --channels 8 --cells 1 --train-epochs 10 --train-subset 20000 --seed 1000 --out "$out/retrain/$run-$s" > /dev/null 2> "$out/retrain/$run-$s.log" &
    [ "$(jobs -r | wc -l)" -ge 2 ] && wait -n
  done
done
wait
/usr/bin/python3 bench/zc_fmnist_report.py "$out"
