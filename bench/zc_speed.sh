#!/usr/bin/env bash
# Zero-cost proxy speed: seconds per cell per proxy on one thread, LibTorch (`nas zc`) against the
# same proxies written as NASLib writes them in Python PyTorch (bench/zc_naslib.py, Debian's
# python3-torch: the same LibTorch build), on the same NB201 cells (C 16, N 5, CIFAR-10 shape, a
# random batch of 32), run interleaved REPEAT times; prints the median per-cell seconds of each
# proxy and the ratio Python / C++. Also the agreement of the two implementations (Spearman over
# the cells: both follow NASLib's definitions, with different random weights and batches).
# Run it on a quiet machine. Usage: bench/zc_speed.sh [CELLS] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
cells=${1:-20}
repeat=${2:-2}
out=${OUT:-bench-out/zc_speed}
data=${NAS_DATA_DIR:-../shared/datasets}
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
mkdir -p "$out"
# CELLS cells of the NB201 table, every 15625/CELLS-th row (a spread of sizes).
awk -F, -v n="$cells" 'NR > 1 && (NR - 2) % int(15625 / n) == 0 && k < n { print $2; k++ }' "$data/nasbench201/nb201.csv" > "$out/archs.txt"
list=$(paste -sd';' "$out/archs.txt")
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
for ((r = 0; r < repeat; ++r)); do
  rm -f "$out/cpp_$r.csv"
  build/apps/nas zc --arch "$list" --proxies all --dataset cifar10 --data random --batch-size 32 --threads 1 --out "$out/cpp_$r.csv" 2> /dev/null
  /usr/bin/python3 bench/zc_naslib.py --archs-file "$out/archs.txt" --proxies all --input 3x32x32 --classes 10 --batch 32 --threads 1 \
    --out "$out/python_$r.csv"
done
/usr/bin/python3 - "$out" "$repeat" <<'PY'
import csv, statistics, sys
import numpy as np
out, repeat = sys.argv[1], int(sys.argv[2])
def load(kind):
    runs = [list(csv.DictReader(open(f"{out}/{kind}_{r}.csv"))) for r in range(repeat)]
    return runs
cpp, py = load("cpp"), load("python")
proxies = [k for k in cpp[0][0] if k != "arch" and not k.startswith("seconds_")]
def rank(v):
    v = np.asarray(v, float); o = v.argsort(kind="mergesort"); r = np.empty(len(v)); r[o] = np.arange(len(v)); return r
print(f"{'proxy':10s} {'C++ s/cell':>11s} {'Python s/cell':>14s} {'Python/C++':>11s} {'Spearman C++ vs Python':>23s}")
tc = tp = 0
for p in proxies:
    # per cell: the median over repeats; then the mean over cells
    c = statistics.mean(statistics.median(float(run[i]["seconds_" + p]) for run in cpp) for i in range(len(cpp[0])))
    q = statistics.mean(statistics.median(float(run[i]["seconds_" + p]) for run in py) for i in range(len(py[0])))
    tc += c; tp += q
    pyv = {row["arch"]: row[p] for row in py[0]}
    pairs = [(float(row[p]), float(pyv[row["arch"]])) for row in cpp[0] if row[p] != "" and pyv.get(row["arch"], "") != ""]
    rho = np.corrcoef(rank([a for a, _ in pairs]), rank([b for _, b in pairs]))[0, 1] if len(pairs) > 2 else float("nan")
    print(f"{p:10s} {c:11.4f} {q:14.4f} {q / c if c > 0 else float('inf'):11.1f} {rho:23.3f}")
print(f"{'all 13':10s} {tc:11.4f} {tp:14.4f} {tp / tc:11.1f}")
PY
