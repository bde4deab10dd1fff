#!/usr/bin/env bash
# The MPI executor on this machine's loopback (mpirun --oversubscribe): a synchronous guided search
# over MPI is byte-identical to the same run on the local executor; an asynchronous run evaluates
# exactly its budget of distinct architectures; a worker killed with SIGKILL ends the job and
# --resume completes it as if nothing happened; under --enable-recovery the job outlives the dead
# worker (its candidate goes to another) with the same results; real training over MPI; refusals.
# Usage: mpi_cli.sh <path to nas> [with_training 0|1]
set -euo pipefail
nas=$1
with_training=${2:-1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
export OMP_WAIT_POLICY=PASSIVE
# Open MPI refuses root without these, and its launcher wants an ssh/rsh binary even for local
# ranks unless told there is none (fresh containers have no ssh client).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
command -v ssh > /dev/null || command -v rsh > /dev/null || export OMPI_MCA_plm_rsh_agent=false
# Every job has a time limit (exit 124), so that a job that hangs fails here, by name, in minutes.
limit=${NAS_MPI_TEST_LIMIT:-240}
mpirun() { timeout -k 10 "$limit" mpirun --oversubscribe "$@"; }
# mpirun itself exits 137 when a rank was killed by signal 9, so a hang is told by the clock.
timed_out() { [ $((SECONDS - $1)) -ge "$limit" ]; }
# Columns 1-6 of a trajectory: query, arch, signal, reported, best so far (not the timing columns).
results() { cut -d, -f1-6 "$1"; }
same_results() {  # $1 $2 = run folders, $3 = seeds
  for ((s = 0; s < $3; s++)); do
    diff <(results "$1/trajectories/seed_$s.csv") <(results "$2/trajectories/seed_$s.csv") > /dev/null \
      || fail "seed $s: $1 and $2 differ"
  done
}
rank1_pid() {  # the process of MPI rank 1 (a worker), from its environment
  for p in $(pgrep -f "nas search" || true); do
    if tr '\0' '\n' < "/proc/$p/environ" 2> /dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1"; then echo "$p"; return; fi
  done
}
wait_for_results() {  # $1 = run folder: waits until its journal has taken some commits
  for _ in $(seq 600); do
    local wal="$1/journal.sqlite-wal"
    [ -f "$wal" ] && [ "$(stat -c %s "$wal")" -gt 60000 ] && return
    sleep 0.05
  done
  fail "no results appeared in $1"
}

# 1. Synchronous guided search: MPI (2 worker ranks) against local (2 worker threads), byte for byte.
guided=(--algo guided --predictor mlp --torch-threads 1 --seeds 2 --budget 40 --eval-delay-ms 5)
mpirun -np 3 "$nas" search "${guided[@]}" --executor mpi --out "$out/mpi" > "$out/mpi.txt" 2>&1 \
  || { cat "$out/mpi.txt"; fail "guided search over MPI"; }
"$nas" search "${guided[@]}" --workers 2 --out "$out/local" > "$out/local.txt" 2>&1 || { cat "$out/local.txt"; fail "local reference"; }
for s in 0 1; do
  cmp <(results "$out/mpi/trajectories/seed_$s.csv") <(results "$out/local/trajectories/seed_$s.csv") || fail "seed $s: MPI and local differ"
  diff <(cut -d, -f1,2,4- "$out/mpi/trajectories/seed_${s}_retrains.csv") \
       <(cut -d, -f1,2,4- "$out/local/trajectories/seed_${s}_retrains.csv") > /dev/null || fail "seed $s: retrain logs differ"
done
grep -q '"best_at"' "$out/mpi/summary.json" || fail "no summary"
diff <(sed -n '/"best_at"/,/"seconds_per_run"/p' "$out/mpi/summary.json") <(sed -n '/"best_at"/,/"seconds_per_run"/p' "$out/local/summary.json") > /dev/null \
  || fail "summaries differ"
grep -q '"mpi_workers"' "$out/mpi/summary.json" || fail "summary.json lacks mpi_workers"
[ "$(grep -c '^mpi: rank [12] on ' "$out/mpi.txt")" -eq 2 ] || { cat "$out/mpi.txt"; fail "no per-worker report"; }
# Every evaluation ran on a worker rank.
[ "$(tail -n +2 "$out/mpi/trajectories/seed_0.csv" | cut -d, -f7 | sort -u | tr '\n' ' ')" = "1 2 " ] || fail "worker column is not the ranks"

# 2. Asynchronous steady-state guided search, 3 workers: exactly the budget, no architecture twice.
mpirun -np 4 "$nas" search --algo guided --predictor mlp --torch-threads 1 --seeds 2 --budget 50 --eval-delay-ms 10 \
  --executor mpi --mode async --out "$out/async" > "$out/async.txt" 2>&1 || { cat "$out/async.txt"; fail "async over MPI"; }
for s in 0 1; do
  rows=$(tail -n +2 "$out/async/trajectories/seed_$s.csv" | wc -l)
  distinct=$(tail -n +2 "$out/async/trajectories/seed_$s.csv" | cut -d, -f2 | sort -u | wc -l)
  [ "$rows" -eq 50 ] && [ "$distinct" -eq 50 ] || fail "async seed $s: $rows results, $distinct distinct (expected 50 and 50)"
done

# 3. A worker killed with SIGKILL: Open MPI ends the job; --resume finishes it, identical to an
#    uninterrupted run with as many workers.
rea=(--algo rea --seeds 2 --budget 100 --eval-delay-ms 30)
"$nas" search "${rea[@]}" --workers 2 --out "$out/ref2" > /dev/null 2>&1 || fail "reference for the kill test"
mpirun -np 3 "$nas" search "${rea[@]}" --executor mpi --out "$out/killed" > "$out/killed.txt" 2>&1 &
job=$! started=$SECONDS
wait_for_results "$out/killed"
pid=$(rank1_pid)
[ -n "$pid" ] || fail "rank 1 not found"
kill -9 "$pid"
rc=0
wait "$job" || rc=$?
[ "$rc" -ne 0 ] || fail "the job went on after a worker died without --enable-recovery"
! timed_out "$started" || { cat "$out/killed.txt"; fail "the job hung for ${limit} s after a worker died, instead of ending"; }
mpirun -np 3 "$nas" search --resume "$out/killed" > "$out/resumed.txt" 2>&1 || { cat "$out/resumed.txt"; fail "resume after the kill"; }
grep -q "resuming from" "$out/resumed.txt" || { cat "$out/resumed.txt"; fail "the kill came after the run had finished"; }
same_results "$out/killed" "$out/ref2" 2

# 4. mpirun --enable-recovery: the job outlives the dead worker; rank 0 gives it up after
#    --mpi-lost-after and re-queues its candidate; same results as 3 local workers.
"$nas" search "${rea[@]}" --workers 3 --out "$out/ref3" > /dev/null 2>&1 || fail "reference for the recovery test"
mpirun --enable-recovery -np 4 "$nas" search "${rea[@]}" --executor mpi --mpi-heartbeat 0.2 --mpi-lost-after 1 \
  --out "$out/survived" > "$out/survived.txt" 2>&1 &
job=$! started=$SECONDS
wait_for_results "$out/survived"
pid=$(rank1_pid)
[ -n "$pid" ] || fail "rank 1 not found"
kill -9 "$pid"
rc=0
wait "$job" || rc=$?
! timed_out "$started" || { cat "$out/survived.txt"; fail "the job hung for ${limit} s under --enable-recovery after a worker died"; }
[ "$rc" -eq 0 ] || { cat "$out/survived.txt"; fail "the job did not survive the dead worker under --enable-recovery (exit $rc)"; }
grep -q "MPI worker rank 1 .*lost" "$out/survived.txt" || { cat "$out/survived.txt"; fail "the lost worker was not reported"; }
grep -q "mpi: rank 1.*lost" "$out/survived.txt" || fail "the final report does not show rank 1 lost"
same_results "$out/survived" "$out/ref3" 2

# 5. Real training over MPI (tiny networks, a few hundred Fashion-MNIST images): the same results
#    as the local executor with as many workers.
if [ "$with_training" = 1 ]; then
  tiny=(--evaluator train --algo random --seeds 1 --budget 4 --train-subset 256 --valid-size 128 --test-subset 128 --train-epochs 1
        --channels 4 --cells 1 --train-threads 1)
  mpirun -np 3 "$nas" search "${tiny[@]}" --executor mpi --out "$out/train-mpi" > "$out/train-mpi.txt" 2>&1 \
    || { cat "$out/train-mpi.txt"; fail "training over MPI"; }
  "$nas" search "${tiny[@]}" --workers 2 --out "$out/train-local" > /dev/null 2>&1 || fail "local training reference"
  diff <(cut -d, -f1-6,8 "$out/train-mpi/trajectories/seed_0.csv") <(cut -d, -f1-6,8 "$out/train-local/trajectories/seed_0.csv") \
    > /dev/null || fail "training over MPI differs from local"
  [ "$(tail -n +2 "$out/train-mpi/trajectories/seed_0.csv" | wc -l)" -eq 4 ] || fail "training over MPI: not 4 results"
  grep -q "^mpi" "$out/train-mpi.txt" || { cat "$out/train-mpi.txt"; fail "no progress lines from rank 0"; }
fi

# 6. Refusals, each a clear line, before any work.
expect_error() {
  local pattern=$1; shift
  if "$@" > "$out/bad.txt" 2>&1; then fail "accepted: $*"; fi
  grep -q -- "$pattern" "$out/bad.txt" || { cat "$out/bad.txt"; fail "message for '$*' lacks '$pattern'"; }
}
expect_error "start nas with mpirun" "$nas" search --algo rea --executor mpi --out "$out/b1"
expect_error "use --executor mpi" mpirun -np 2 "$nas" search --algo rea --budget 10 --out "$out/b2"
expect_error "has 2 worker rank" mpirun -np 3 "$nas" search --algo rea --executor mpi --workers 4 --out "$out/b3"
expect_error "expected at least twice --mpi-heartbeat" mpirun -np 2 "$nas" search --algo rea --executor mpi --mpi-heartbeat 5 \
  --mpi-lost-after 6 --out "$out/b4"
expect_error "only \`nas search --executor mpi\`" mpirun -np 2 "$nas" space --list
[ ! -e "$out/b2/journal.sqlite" ] && [ ! -e "$out/b3/journal.sqlite" ] || fail "a refused run left a journal"
echo "mpi_cli: all checks passed"
