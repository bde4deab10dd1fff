#!/usr/bin/env bash
# Crash test: a tabular guided run with a small per-evaluation delay is killed with SIGKILL at
# seeded random moments (KILLS times), resumed each time with --resume, and must end byte-identical
# (trajectories; retrain logs but for their seconds) to the same run never interrupted. Then an
# asynchronous REA run with 4 workers, killed the same way, must end with exactly its budget of
# distinct architectures, and so must a steady-state guided run with asynchronous retraining, and
# ASHA runs with promotions in flight (sync: byte-identical; async: complete), and a guided run over
# rungs with a second model (byte-identical). Usage: crash_resume.sh <path to nas> [KILLS] [SEED]
set -euo pipefail
nas=$1
kills=${2:-10}
RANDOM=${3:-7}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
export OMP_WAIT_POLICY=PASSIVE

run_killed() {  # $1 = out folder, rest = the command's options: kill $kills times, then finish
  local dir=$1; shift
  "$nas" search "$@" --out "$dir" > /dev/null 2>&1 &
  local pid=$! done_kills=0
  while (( done_kills < kills )); do
    sleep "0.$(( RANDOM % 9 + 1 ))"
    if kill -0 "$pid" 2> /dev/null; then
      kill -9 "$pid" 2> /dev/null || true
      wait "$pid" 2> /dev/null || true
      done_kills=$(( done_kills + 1 ))
    else
      wait "$pid" 2> /dev/null || true
    fi
    # Killed before it wrote config.toml (still loading): start it again as it was started.
    if [ -f "$dir/config.toml" ]; then "$nas" search --resume "$dir" > /dev/null 2>&1 &
    else "$nas" search "$@" --out "$dir" > /dev/null 2>&1 &
    fi
    pid=$!
  done
  # The last one runs to its end: within a limit, so that a hang fails here by name.
  local polls=0
  while kill -0 "$pid" 2> /dev/null; do
    sleep 0.1
    polls=$(( polls + 1 ))
    (( polls < 3000 )) || { kill -9 "$pid"; fail "$dir: the last resumed run did not end within 300 s"; }
  done
  wait "$pid" || true
  timeout -k 5 300 "$nas" search --resume "$dir" > "$out/final.txt" 2>&1 || { cat "$out/final.txt"; fail "final resume of $dir"; }
  grep -q "already complete" "$out/final.txt" || { cat "$out/final.txt"; fail "$dir did not end complete"; }
}

guided=(--algo guided --predictor mlp --torch-threads 1 --seeds 2 --budget 60 --eval-delay-ms 20)
"$nas" search "${guided[@]}" --out "$out/reference" > /dev/null 2>&1 || fail "reference run"
run_killed "$out/crashed" "${guided[@]}"
for s in 0 1; do
  cmp "$out/reference/trajectories/seed_$s.csv" "$out/crashed/trajectories/seed_$s.csv" || fail "seed $s trajectory differs after $kills kills"
  diff <(cut -d, -f1,2,4- "$out/reference/trajectories/seed_${s}_retrains.csv") \
       <(cut -d, -f1,2,4- "$out/crashed/trajectories/seed_${s}_retrains.csv") > /dev/null || fail "seed $s retrain log differs"
done

run_killed "$out/async" --algo rea --seeds 1 --budget 150 --workers 4 --mode async --eval-delay-ms 20
rows=$(tail -n +2 "$out/async/trajectories/seed_0.csv" | wc -l)
distinct=$(tail -n +2 "$out/async/trajectories/seed_0.csv" | cut -d, -f2 | sort -u | wc -l)
[ "$rows" -eq 150 ] || fail "async run has $rows results, expected 150"
[ "$distinct" -eq 150 ] || fail "async run repeated an architecture ($distinct distinct of 150)"
# Steady-state guided search with asynchronous retraining: the journal records when each trained
# copy was swapped in, so the replay proposes what the original did; nothing lost or repeated.
run_killed "$out/async-guided" --algo guided --predictor mlp --torch-threads 1 --seeds 1 --budget 80 --async --workers 2 --mode async \
  --eval-delay-ms 20
[ -f "$out/async-guided/trajectories/seed_0.csv" ] || { cat "$out/final.txt"; ls -R "$out/async-guided"; fail "no trajectory"; }
rows=$(tail -n +2 "$out/async-guided/trajectories/seed_0.csv" | wc -l)
distinct=$(tail -n +2 "$out/async-guided/trajectories/seed_0.csv" | cut -d, -f2 | sort -u | wc -l)
[ "$rows" -eq 80 ] || fail "async guided run has $rows results, expected 80"
[ "$distinct" -eq 80 ] || fail "async guided run repeated an architecture ($distinct distinct of 80)"
# ASHA with promotions in flight: the journal records (cell, fidelity); a synchronous run ends
# byte-identical to the uninterrupted one, an asynchronous one with its budget of distinct
# (cell, rung) evaluations, promotions included.
asha=(--algo asha --fidelities 12,200 --seeds 1 --budget 60 --eval-delay-ms 20)
"$nas" search "${asha[@]}" --out "$out/asha-reference" > /dev/null 2>&1 || fail "ASHA reference run"
run_killed "$out/asha" "${asha[@]}"
cmp "$out/asha-reference/trajectories/seed_0.csv" "$out/asha/trajectories/seed_0.csv" || fail "ASHA trajectory differs after $kills kills"
# Guided over rungs with a second model: both models are refitted in the replay as they were fitted.
second=(--algo guided --predictor mlp --torch-threads 1 --fidelities 12,200 --rung-targets second-model --seeds 1 --budget 60 --eval-delay-ms 20)
"$nas" search "${second[@]}" --out "$out/second-reference" > /dev/null 2>&1 || fail "second-model reference run"
run_killed "$out/second" "${second[@]}"
cmp "$out/second-reference/trajectories/seed_0.csv" "$out/second/trajectories/seed_0.csv" || fail "second-model trajectory differs after $kills kills"
run_killed "$out/asha-async" --algo asha --seeds 1 --budget 120 --workers 4 --mode async --eval-delay-ms 20
t="$out/asha-async/trajectories/seed_0.csv"
rows=$(tail -n +2 "$t" | wc -l)
distinct=$(tail -n +2 "$t" | cut -d, -f2,10 | sort -u | wc -l)
promoted=$(tail -n +2 "$t" | grep -c ",epochs:200," || true)
[ "$rows" -eq 120 ] || fail "async ASHA run has $rows results, expected 120"
[ "$distinct" -eq 120 ] || fail "async ASHA run evaluated a cell twice at one rung ($distinct distinct of 120)"
[ "$promoted" -ge 20 ] || fail "async ASHA run promoted $promoted cells, expected at least 20"
echo "crash_resume: $kills kills per run; guided, ASHA and second-model runs byte-identical to the uninterrupted ones; async runs complete, nothing repeated"
