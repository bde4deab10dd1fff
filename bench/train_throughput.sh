#!/usr/bin/env bash
# Training throughput of the NAS-Bench-201 network (C 16, N 5, Fashion-MNIST's 1x28x28, batch 128):
# LibTorch (`nas train --throughput`) against the same network and step in Python PyTorch
# (bench/train_throughput.py, Debian's python3-torch: the same LibTorch build), run interleaved,
# REPEAT times per thread count; prints the median images/s of each and the ratio C++ / Python.
# "python, same pool" computes avg_pool_3x3 the way the C++ does (a depthwise convolution), which
# separates the formulation's gain from the language's.
# Run it on a quiet machine. Usage: bench/train_throughput.sh [STEPS] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-6}
repeat=${2:-3}
arch='|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
out=${OUT:-bench-out/train_throughput}
mkdir -p "$out"
: > "$out/raw.txt"
for threads in 1 2; do
  for ((r = 0; r < repeat; ++r)); do
    build/apps/nas train --space nb201 --arch "$arch" --channels 16 --cells 5 --train-batch 128 --throughput "$steps" \
      --threads-list "$threads" | tee -a "$out/raw.txt"
    /usr/bin/python3 bench/train_throughput.py --arch "$arch" --channels 16 --cells 5 --batch 128 --input 1x28x28 --steps "$steps" \
      --warmup 3 --threads "$threads" | tee -a "$out/raw.txt"
    /usr/bin/python3 bench/train_throughput.py --arch "$arch" --channels 16 --cells 5 --batch 128 --input 1x28x28 --steps "$steps" \
      --warmup 3 --threads "$threads" --fast-pool | sed 's/^python/python-fastpool/' | tee -a "$out/raw.txt"
  done
done
/usr/bin/python3 - "$out/raw.txt" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"(c\+\+|python|python-fastpool) images/s: ([0-9.]+) \(threads (\d+)", line)
    if m: rows.setdefault((m.group(1), int(m.group(3))), []).append(float(m.group(2)))
print(f"{'threads':>7} {'c++ img/s':>10} {'python img/s':>13} {'c++/python':>10} {'python, same pool':>18} {'c++/that':>9}")
for t in sorted({k[1] for k in rows}):
    c, p, f = (statistics.median(rows[(k, t)]) for k in ("c++", "python", "python-fastpool"))
    print(f"{t:>7} {c:>10.1f} {p:>13.1f} {c / p:>10.3f} {f:>18.1f} {c / f:>9.3f}")
PY
