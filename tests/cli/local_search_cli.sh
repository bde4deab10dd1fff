#!/usr/bin/env bash
# Local search (engine/src/local_search.cpp plus one registry line) everywhere the other searches
# run: the CLI, an executor of several workers (sync: the same trajectory as one worker's batches),
# the simulated clock (async: the budget exactly, no cell twice), --resume of a finished run (only
# replayed, identical), a sweep, MPI (identical to local) and Python (identical to the CLI).
# Usage: local_search_cli.sh <path to nas> [python module dir]
set -euo pipefail
nas=$1
pydir=${2:-}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
command -v ssh > /dev/null || command -v rsh > /dev/null || export OMPI_MCA_plm_rsh_agent=false
results() { cut -d, -f1-6 "$1"; }

"$nas" search --algo local-search --seeds 3 --budget 120 --out "$out/ls" > "$out/ls.log" 2>&1 || fail "local search: $(tail -3 "$out/ls.log")"
grep -q "local-search on nb201" "$out/ls.log" || fail "no table for local-search"
for s in 0 1 2; do
  [ "$(tail -n +2 "$out/ls/trajectories/seed_$s.csv" | wc -l)" = 120 ] || fail "seed $s: not 120 results"
  [ "$(tail -n +2 "$out/ls/trajectories/seed_$s.csv" | cut -d, -f2 | sort -u | wc -l)" = 120 ] || fail "seed $s: a cell twice"
done
# Options it does not read are refused.
if "$nas" search --algo local-search --population 5 --out "$out/bad" > "$out/bad.log" 2>&1; then fail "--population accepted"; fi
grep -q -- "--algo local-search has none" "$out/bad.log" || fail "refusal: $(cat "$out/bad.log")"

# --resume of the finished run: replayed from the journal, the same trajectories.
cp -r "$out/ls/trajectories" "$out/before"
"$nas" search --resume "$out/ls" > "$out/resume.log" 2>&1 || fail "resume: $(tail -3 "$out/resume.log")"
grep -q "already complete" "$out/resume.log" || fail "resume did not say the run was complete"
for s in 0 1 2; do
  diff <(results "$out/before/seed_$s.csv") <(results "$out/ls/trajectories/seed_$s.csv") > /dev/null || fail "seed $s: the replay differs"
done

# Local workers, sync: told in ask order, so the trajectory is that of batches of W.
"$nas" search --algo local-search --seeds 2 --budget 100 --workers 3 --mode sync --out "$out/w3" > /dev/null 2>&1 || fail "workers 3"
"$nas" search --algo local-search --seeds 2 --budget 100 --executor simulated --cost-model fixed:1 --workers 3 --mode sync --out "$out/sim3" \
  > /dev/null 2>&1 || fail "simulated sync"
for s in 0 1; do
  diff <(results "$out/w3/trajectories/seed_$s.csv") <(results "$out/sim3/trajectories/seed_$s.csv") > /dev/null || fail "seed $s: local and simulated differ"
done
# Simulated clock, async: the budget exactly, nothing twice.
"$nas" search --algo local-search --seeds 2 --budget 150 --executor simulated --cost-model lognormal:100,0.5 --workers 8 --mode async \
  --out "$out/async" > /dev/null 2>&1 || fail "simulated async"
[ "$(tail -n +2 "$out/async/trajectories/seed_1.csv" | cut -d, -f2 | sort -u | wc -l)" = 150 ] || fail "async: not 150 distinct cells"

# A sweep over the budget.
"$nas" sweep --algo local-search --grid "budget=50|100" --seeds 2 --out "$out/sweep" > "$out/sweep.log" 2>&1 || fail "sweep: $(tail -3 "$out/sweep.log")"
grep -q "budget=100" "$out/sweep.log" || fail "sweep table"

# MPI: rank 0 searches, ranks 1-2 evaluate; sync is identical to the local run with 2 workers.
if command -v mpirun > /dev/null; then
  mpirun --oversubscribe -np 3 "$nas" search --algo local-search --executor mpi --mode sync --seeds 2 --budget 100 --out "$out/mpi" \
    > "$out/mpi.log" 2>&1 || fail "mpi: $(tail -3 "$out/mpi.log")"
  "$nas" search --algo local-search --workers 2 --mode sync --seeds 2 --budget 100 --out "$out/w2" > /dev/null 2>&1 || fail "workers 2"
  for s in 0 1; do
    diff <(results "$out/mpi/trajectories/seed_$s.csv") <(results "$out/w2/trajectories/seed_$s.csv") > /dev/null || fail "seed $s: MPI and local differ"
  done
fi

# Python: the same runs as the CLI's.
if [ -n "$pydir" ]; then
  PYTHONPATH=$pydir /usr/bin/python3 - "$out/ls" << 'PY' || fail "python"
import csv, sys, nasengine
runs = nasengine.search(algo="local-search", budget=120, seeds=3)
for s, r in enumerate(runs):
    with open(f"{sys.argv[1]}/trajectories/seed_{s}.csv") as f:
        cli = [row["arch"] for row in csv.DictReader(f)]
    assert [q["arch"] for q in r["trajectory"]] == cli, f"seed {s}: Python and the CLI differ"
PY
fi
echo "local search: CLI, workers, simulated sync/async, resume, sweep, MPI and Python pass"
