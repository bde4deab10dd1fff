#!/usr/bin/env bash
# Supernet ranking against stand-alone training (issue 26), Fashion-MNIST, NB201 space, C8 N1:
#  1. CELLS distinct random cells trained stand-alone at the search fidelity (nas search --evaluator
#     train --algo random: 5 epochs on 4,000 images, validated on 1,000 held-out images, split seed
#     0); reused from bench/zc_fmnist.sh's run when it exists (the same command);
#  2. SPOS supernets on the same split (nas oneshot --train-images 4000 --valid-images 1000), one per
#     configuration below, each ranking those cells with inherited weights (--rank-cells): Kendall
#     tau and Spearman against the stand-alone validation accuracy and the NB201 CIFAR-10 table,
#     beside the parameter count; two runs at a time, one torch thread each;
#     (fewshot-*: the uniform-e100 supernet split on one edge (each of the 6) into 5 sub-supernets trained 20 epochs
#     each, which rank the cells too);
#  3. bench/oneshot_report.py ranking OUT: the table.
# Usage: bench/oneshot_ranking.sh [CELLS]   (OUT=folder; CONFIGS="name:args;..." to override)
set -euo pipefail
cd "$(dirname "$0")/.."
cells=${1:-120}
out=${OUT:-bench-out/oneshot-ranking}
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
nas=build/apps/nas
mkdir -p "$out"
traj=bench-out/zc-fmnist/random/trajectories/seed_7.csv
if [ ! -f "$traj" ] || [ "$(tail -n +2 "$traj" | wc -l)" -lt "$cells" ]; then
  [ -f "$out/standalone/summary.json" ] || $nas search --evaluator train --algo random --budget "$cells" --seeds 1 --seed-base 7 --workers 2 \
    --mode async --out "$out/standalone" > "$out/standalone.txt" 2> "$out/standalone.log"
  traj=$out/standalone/trajectories/seed_7.csv
fi
configs=${CONFIGS:-"uniform-e10:--epochs 10;uniform-e25:--epochs 25;uniform-e50:--epochs 50;uniform-e100:--epochs 100;canonical-e25:--epochs 25 --sampling canonical;fair-e5:--epochs 5 --sampling fair;uniform-e300-lr0.1:--epochs 300 --lr 0.1;all-images-e5:--epochs 5 --train-images 0;fair-e20:--epochs 20 --sampling fair;uniform-e150:--epochs 150;uniform-e200:--epochs 200;uniform-e100-s2:--epochs 100 --seed 2;uniform-e100-s3:--epochs 100 --seed 3;fewshot-e100-edge0-e20:--epochs 100 --few-shot-edge 0 --few-shot-epochs 20;fewshot-e100-edge1-e20:--epochs 100 --few-shot-edge 1 --few-shot-epochs 20;fewshot-e100-edge2-e20:--epochs 100 --few-shot-edge 2 --few-shot-epochs 20;fewshot-e100-edge3-e20:--epochs 100 --few-shot-edge 3 --few-shot-epochs 20;fewshot-e100-edge4-e20:--epochs 100 --few-shot-edge 4 --few-shot-epochs 20;fewshot-e100-edge5-e20:--epochs 100 --few-shot-edge 5 --few-shot-epochs 20"}
IFS=';' read -r -a list <<< "$configs"
for item in "${list[@]}"; do
  name=${item%%:*}
  read -r -a args <<< "${item#*:}"
  [ -f "$out/$name/summary.json" ] && grep -q '"ranking"' "$out/$name/summary.json" && continue
  seed=(--seed 1); [[ " ${args[*]} " == *" --seed "* ]] && seed=()
  # Few-shot configurations split the uniform-e100 supernet: start from its finished files.
  if [[ " ${args[*]} " == *" --few-shot-edge "* && ! -d "$out/$name" && -f "$out/uniform-e100/checkpoint.pt" ]]; then
    mkdir -p "$out/$name" && cp "$out/uniform-e100/"{supernet.pt,checkpoint.pt,curve.csv} "$out/$name/"
  fi
  $nas oneshot --method spos --space nb201 --data fashion-mnist --channels 8 --cells 1 --train-images 4000 --valid-images 1000 --split-seed 0 \
    "${seed[@]}" --torch-threads 1 "${args[@]}" --rank-cells "$traj" --out "$out/$name" > "$out/$name.txt" 2> "$out/$name.log" &
  [ "$(jobs -r | wc -l)" -ge 2 ] && wait -n
done
wait
/usr/bin/python3 bench/oneshot_report.py ranking "$out"
