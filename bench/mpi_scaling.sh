#!/usr/bin/env bash
# Scaling of the MPI executor: EVALS evaluations that each sleep MS milliseconds (a table lookup
# with --eval-delay-ms), REA, asynchronous, with 1, 2, 4 and 8 worker ranks on this machine
# (oversubscribed: sleeping work needs no core). Prints, per worker count, the makespan against
# the ideal EVALS x MS / W, the efficiency, the time each evaluation's slot lost beyond its sleep,
# rank 0's turnaround per result (result received -> that worker's next candidate sent: the search's
# tell and ask, the journal, the messages), the share of a core rank 0's thread spent in the pool
# (mostly polling while it waits), and the share the workers' MPI threads used.
# Usage: bench/mpi_scaling.sh [EVALS=2000] [MS=20] [WORKERS="1 2 4 8"]
set -euo pipefail
cd "$(dirname "$0")/.."
evals=${1:-2000}
ms=${2:-20}
workers=${3:-"1 2 4 8"}
nas=build/apps/nas
[ -x "$nas" ] || bash scripts/build.sh > /dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
command -v ssh > /dev/null || command -v rsh > /dev/null || export OMPI_MCA_plm_rsh_agent=false
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
field() { grep -m1 "\"$2\"" "$1" | sed 's/.*: *//; s/,$//'; }
printf "%8s %11s %10s %11s %13s %14s %13s %15s\n" workers makespan_s ideal_s efficiency slot_loss_ms turnaround_us master_cpu_% worker_mpi_cpu_%
for w in $workers; do
  mpirun --oversubscribe -np $((w + 1)) "$nas" search --algo rea --seeds 1 --budget "$evals" --eval-delay-ms "$ms" \
    --executor mpi --mode async --out "$out/w$w" > "$out/w$w.txt" 2>&1 || { cat "$out/w$w.txt"; exit 1; }
  s="$out/w$w/summary.json"
  makespan=$(field "$s" makespan_seconds)
  master=$(field "$s" mpi_master_cpu_seconds)
  cpu=$(grep -h "its MPI thread used" "$out/w$w.txt" | sed 's/.*(\([0-9.]*\)% of a core).*/\1/' | awk '{s+=$1; n++} END {printf "%.2f", s/n}')
  # Rows are in completion order; a worker's next row was submitted after its previous result.
  turnaround=$(awk -F, 'NR > 1 { w = $7; if (w in last) { s += $8 - last[w]; n++ } last[w] = $9 } END { printf "%.0f", 1e6 * s / n }' \
    "$out/w$w/trajectories/seed_0.csv")
  awk -v w="$w" -v m="$makespan" -v e="$evals" -v ms="$ms" -v master="$master" -v cpu="$cpu" -v t="$turnaround" 'BEGIN {
    ideal = e * ms / 1000 / w
    printf "%8d %11.3f %10.3f %10.1f%% %13.3f %14d %13.1f %15s\n", w, m, ideal, 100 * ideal / m, (w * m / e) * 1000 - ms, t, 100 * master / m, cpu }'
done
