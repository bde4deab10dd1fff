#!/usr/bin/env bash
# DARTS-V1 (or METHOD) on the DARTS space with Fashion-MNIST (issue 26): one supernet per seed
# (DARTS' search network at C8 with LAYERS cells; TRAIN training images, half of which tune the
# architecture; EPOCHS epochs; 1,000 held-out images), its derived genotype and the genotype's
# parameter count in DARTS' CIFAR-10 network (summary.json), the architecture weights per epoch;
# JOBS runs at a time, one torch thread each; then bench/oneshot_report.py darts OUT.
# Usage: bench/oneshot_darts_space.sh [SEEDS] [EPOCHS] [TRAIN]   (OUT=folder, METHOD=, LAYERS=, JOBS=, NAS=binary,
#        EXTRA="more nas oneshot options", e.g. EXTRA="--batch-size 32 --arch-lr 3e-3" OUT=bench-out/oneshot-darts-alr3e-3)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-3}
epochs=${2:-10}
train=${3:-2000}
out=${OUT:-bench-out/oneshot-darts}
method=${METHOD:-darts-v1}
layers=${LAYERS:-5}
jobs=${JOBS:-2}
nas=${NAS:-build/apps/nas}
[ -x "$nas" ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
for s in $(seq 1 "$seeds"); do
  [ -f "$out/$method-$s/summary.json" ] && continue
  $nas oneshot --method "$method" --space darts --data fashion-mnist --channels 8 --layers "$layers" --train-images "$train" \
    --valid-images 1000 --split-seed 0 --epochs "$epochs" --seed "$s" --torch-threads 1 ${EXTRA:-} --out "$out/$method-$s" > "$out/$method-$s.txt" 2> "$out/$method-$s.log" &
  [ "$(jobs -r | wc -l)" -ge "$jobs" ] && wait -n
done
wait
/usr/bin/python3 bench/oneshot_report.py darts "$out"
