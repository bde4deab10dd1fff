#!/usr/bin/env bash
# The `nas` program of a build without LibTorch (-DNAS_WITH_TORCH=OFF): the searches that need no
# model (random, rea, local-search) on a tabular benchmark with the executors, --resume and sweeps;
# guided search, real training, train, predict-eval and explain refused by name before any work,
# and no option of theirs in the help or in config.toml.
# Usage: torch_free_cli.sh <path to nas>
set -euo pipefail
nas=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
results() { cut -d, -f1-6 "$1"; }

"$nas" --version | grep -q "built without LibTorch" || fail "--version does not say the build has no LibTorch"
"$nas" --help | grep -q "built without LibTorch" || fail "--help does not say the build has no LibTorch"
"$nas" search --help > "$out/help.txt"
grep -q -- "--algo" "$out/help.txt" || fail "search --help lists no --algo"
for o in --predictor --retrain --initial --ensemble --train-epochs --device; do
  if grep -q -- "$o " "$out/help.txt"; then fail "search --help lists $o, an option of a model"; fi
done

# What needs a model: one clear line, exit status non-zero, nothing written.
refused() {  # refused NAME EXPECTED-TEXT COMMAND...
  local name=$1 text=$2
  shift 2
  if "$@" > "$out/$name.log" 2>&1; then fail "$name accepted"; fi
  grep -q -- "$text" "$out/$name.log" || fail "$name: $(cat "$out/$name.log")"
  grep -q -- "-DNAS_WITH_TORCH=ON" "$out/$name.log" || fail "$name: the refusal does not say how to get it"
}
refused guided "--algo guided (its surrogate model) needs LibTorch" "$nas" search --algo guided --out "$out/guided"
[ ! -e "$out/guided" ] || fail "a refused guided search left $out/guided"
refused train_eval "--evaluator train (real training) needs LibTorch" "$nas" search --evaluator train --out "$out/te"
refused train "nas train needs LibTorch" "$nas" train --arch x
refused predict "nas predict-eval needs LibTorch" "$nas" predict-eval
refused explain "nas explain needs LibTorch" "$nas" explain
refused sweep_guided "--algo guided" "$nas" sweep --algo guided --grid "budget=20|30" --out "$out/sg"
# An option of a model (e.g. from a torch build's config.toml) is unknown here.
if "$nas" search --algo rea --epochs 5 --out "$out/ep" > "$out/ep.log" 2>&1; then fail "--epochs accepted"; fi
grep -q -- "epochs" "$out/ep.log" || fail "--epochs: $(cat "$out/ep.log")"

# Every search that needs no model, on NB201.
for a in random rea local-search; do
  "$nas" search --algo "$a" --seeds 3 --budget 60 --out "$out/$a" > "$out/$a.log" 2>&1 || fail "$a: $(tail -3 "$out/$a.log")"
  grep -q "$a on nb201" "$out/$a.log" || fail "$a: no result table"
  [ "$(tail -n +2 "$out/$a/trajectories/seed_2.csv" | wc -l)" = 60 ] || fail "$a: seed 2 has not 60 results"
  [ -s "$out/$a/summary.json" ] || fail "$a: no summary.json"
  [ -s "$out/$a/journal.sqlite" ] || fail "$a: no journal"
  if grep -q "^predictor\|^epochs\|^retrain" "$out/$a/config.toml"; then fail "$a: config.toml holds an option of a model"; fi
done

# --resume of a finished run: replayed from the journal, the same trajectories.
cp -r "$out/rea/trajectories" "$out/before"
"$nas" search --resume "$out/rea" > "$out/resume.log" 2>&1 || fail "resume: $(tail -3 "$out/resume.log")"
grep -q "already complete" "$out/resume.log" || fail "resume did not say the run was complete"
for s in 0 1 2; do
  diff <(results "$out/before/seed_$s.csv") <(results "$out/rea/trajectories/seed_$s.csv") > /dev/null || fail "seed $s: the replay differs"
done

# Executors: 3 local workers in sync mode match the simulated clock's sync batches; async on the
# simulated clock spends the budget exactly, no cell twice.
"$nas" search --algo rea --seeds 2 --budget 80 --workers 3 --mode sync --out "$out/w3" > /dev/null 2>&1 || fail "workers 3"
"$nas" search --algo rea --seeds 2 --budget 80 --executor simulated --cost-model fixed:1 --workers 3 --mode sync --out "$out/sim3" \
  > /dev/null 2>&1 || fail "simulated sync"
for s in 0 1; do
  diff <(results "$out/w3/trajectories/seed_$s.csv") <(results "$out/sim3/trajectories/seed_$s.csv") > /dev/null || fail "seed $s: local and simulated differ"
done
"$nas" search --algo local-search --seeds 1 --budget 90 --executor simulated --cost-model lognormal:100,0.5 --workers 8 --mode async \
  --out "$out/async" > /dev/null 2>&1 || fail "simulated async"
[ "$(tail -n +2 "$out/async/trajectories/seed_0.csv" | cut -d, -f2 | sort -u | wc -l)" = 90 ] || fail "async: not 90 distinct cells"

# A sweep (its default search here is rea) over the budget.
"$nas" sweep --grid "budget=30|50" --seeds 2 --out "$out/sweep" > "$out/sweep.log" 2>&1 || fail "sweep: $(tail -3 "$out/sweep.log")"
grep -q "budget=50" "$out/sweep.log" || fail "sweep table"
grep -q 'algo = "rea"' "$out/sweep/config.toml" 2>/dev/null || grep -rq 'algo = "rea"' "$out/sweep" || fail "the sweep's default search is not rea"

# The space listing.
"$nas" space --space nb201 --list > "$out/list.csv" || fail "space --list"
[ "$(head -1 "$out/list.csv")" = "index,arch,canonical_hash" ] || fail "space --list header"
[ "$(tail -n +2 "$out/list.csv" | wc -l)" = 15625 ] || fail "space --list: not the 15,625 NB201 cells"
echo "torch-free nas: ok"
