#!/usr/bin/env bash
# Zero-cost proxy speed: seconds per cell per proxy on one thread, LibTorch (`nas zc`) against the
# same proxies written as NASLib writes them in Python PyTorch (bench/zc_naslib.py, Debian's
# python3-torch: the same LibTorch build), on the same NB201 cells (C 16, N 5, CIFAR-10 shape, a
# random batch of 32), run interleaved REPEAT times. C++ runs each proxy alone (its own `nas zc`
# call: no pass shared) and all 13 together (one loss pass and one input Jacobian serve several
# proxies); NASLib's Python computes each measure on its own. Prints the median per-cell seconds,
# the ratio Python / C++, and the largest relative difference of the scores: both sides draw the
# same initial weights and batch from the seed (PyTorch's default initialisation in module order,
# torch.randn / randint from a generator), so the values agree to float rounding.
# Run it on a quiet machine. Usage: bench/zc_speed.sh [CELLS] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
cells=${1:-20}
repeat=${2:-2}
out=${OUT:-bench-out/zc_speed}
data=${NAS_DATA_DIR:-../shared/datasets}
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
mkdir -p "$out"
# CELLS cells of the NB201 table, every 15625/CELLS-th row (a spread of sizes), after one warm-up
# cell (the last row) that each process scores first and the report leaves out: a process's first
# cell pays for oneDNN's kernel set-up (seconds), which would otherwise weigh on the proxy run first.
{ tail -1 "$data/nasbench201/nb201.csv" | cut -d, -f2
  awk -F, -v n="$cells" 'NR > 1 && (NR - 2) % int(15625 / n) == 0 && k < n { print $2; k++ }' "$data/nasbench201/nb201.csv"; } > "$out/archs.txt"
list=$(paste -sd';' "$out/archs.txt")
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
proxies="flops params synflow grasp fisher grad_norm l2_norm plain nwot epe_nas jacov snip zen"
for ((r = 0; r < repeat; ++r)); do
  for p in $proxies all; do
    rm -f "$out/cpp_${p}_$r.csv"
    build/apps/nas zc --arch "$list" --proxies "$p" --dataset cifar10 --data random --batch-size 32 --threads 1 --out "$out/cpp_${p}_$r.csv" \
      > /dev/null 2>&1
  done
  /usr/bin/python3 bench/zc_naslib.py --archs-file "$out/archs.txt" --proxies all --input 3x32x32 --classes 10 --batch 32 --threads 1 \
    --out "$out/python_$r.csv"
done
/usr/bin/python3 - "$out" "$repeat" <<'PY'
import csv, statistics, sys
out, repeat = sys.argv[1], int(sys.argv[2])
proxies = ["flops", "params", "synflow", "grasp", "fisher", "grad_norm", "l2_norm", "plain", "nwot", "epe_nas", "jacov", "snip", "zen"]
def load(name):
    return [list(csv.DictReader(open(f"{out}/{name}_{r}.csv"))) for r in range(repeat)]
def per_cell(runs, p):  # the median over repeats per cell, then the mean over cells (row 0: the warm-up cell, left out)
    return statistics.mean(statistics.median(float(run[i]["seconds_" + p]) for run in runs) for i in range(1, len(runs[0])))
py = load("python")
together = load("cpp_all")
print(f"{'proxy':10s} {'C++ alone':>10s} {'Python':>10s} {'Python/C++':>11s} {'max rel diff':>13s}")
tc = tp = 0
for p in proxies:
    alone = load(f"cpp_{p}")
    c, q = per_cell(alone, p), per_cell(py, p)
    tp += q
    pyv = {row["arch"]: row[p] for row in py[0]}
    diffs = [abs(float(row[p]) - float(pyv[row["arch"]])) / max(abs(float(pyv[row["arch"]])), 1e-12)
             for row in alone[0][1:] if row[p] != "" and pyv.get(row["arch"], "") != ""]
    print(f"{p:10s} {c:10.4f} {q:10.4f} {q / c if c > 0 else float('inf'):11.1f} {max(diffs) if diffs else float('nan'):13.1e}")
tc = sum(per_cell(together, p) for p in proxies)
print(f"{'all 13':10s} {tc:10.4f} {tp:10.4f} {tp / tc:11.1f}   (C++: one call with all 13; Python: the sum of its measures)")
PY
