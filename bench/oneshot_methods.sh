#!/usr/bin/env bash
# DARTS-V1, DARTS-V2, GDAS and RSPS on the NB201 space with Fashion-MNIST (issue 26): one supernet
# per method and seed (C8 N1; TRAIN training images, of which DARTS and GDAS tune the architecture
# on one half; EPOCHS epochs; 1,000 held-out images), its derived cell with the NB201 CIFAR-10 test
# accuracy (summary.json), the architecture weights per epoch (arch_weights.csv/svg); two runs at a
# time, one torch thread each; then bench/oneshot_report.py methods OUT.
# Usage: bench/oneshot_methods.sh [SEEDS] [EPOCHS] [TRAIN]   (OUT=folder; METHODS="darts-v1 ...")
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-3}
epochs=${2:-30}
train=${3:-2000}
out=${OUT:-bench-out/oneshot-methods}
methods=${METHODS:-"darts-v1 darts-v2 gdas rsps"}
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
nas=build/apps/nas
mkdir -p "$out"
for s in $(seq 1 "$seeds"); do
  for m in $methods; do
    [ -f "$out/$m-$s/summary.json" ] && continue
    $nas oneshot --method "$m" --space nb201 --data fashion-mnist --channels 8 --cells 1 --train-images "$train" --valid-images 1000 \
      --split-seed 0 --epochs "$epochs" --seed "$s" --torch-threads 1 --out "$out/$m-$s" > "$out/$m-$s.txt" 2> "$out/$m-$s.log" &
    [ "$(jobs -r | wc -l)" -ge 2 ] && wait -n
  done
done
wait
/usr/bin/python3 bench/oneshot_report.py methods "$out"
