#!/usr/bin/env bash
# Weight sharing from the command line (issue 26): `nas oneshot` trains a tiny SPOS supernet on
# real Fashion-MNIST (its outputs exist and parse; a run killed with SIGKILL and rerun ends with the
# same supernet.pt bytes as an uninterrupted one), `nas search --evaluator supernet` evaluates 20
# distinct cells with it, and bad input is refused in one line before any work.
# Usage: oneshot_cli.sh <path to nas>
set -euo pipefail
nas=$1
out=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2> /dev/null; rm -rf "$out"' EXIT
fail() { echo "FAILED: $*"; exit 1; }

tiny=(--space nb201 --data fashion-mnist --channels 4 --cells 1 --train-images 384 --valid-images 200 --batch-size 64 --torch-threads 1)

# An uninterrupted run.
"$nas" oneshot --method spos "${tiny[@]}" --epochs 3 --out "$out/a" > "$out/a.txt" 2> "$out/a.err" || { cat "$out/a.err"; fail "oneshot exited non-zero"; }
for f in supernet.pt curve.csv curve.svg summary.json config.toml; do [ -s "$out/a/$f" ] || fail "oneshot wrote no $f"; done
head -1 "$out/a/curve.csv" | grep -qx 'epoch,lr,loss,seconds,images_per_second' || fail "curve.csv header"
[ "$(tail -n +2 "$out/a/curve.csv" | wc -l)" -eq 3 ] || fail "curve.csv should have 3 epochs"
awk -F, 'NR > 1 && !($3 > 0 && $3 < 10 && $5 > 0) { exit 1 }' "$out/a/curve.csv" || fail "curve.csv values: $(cat "$out/a/curve.csv")"
python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['space'] == 'nb201' and j['method'] == 'spos' and j['epochs_done'] == 3, j
assert j['parameters'] > 0 and j['images_per_second'] > 0 and j['wall_seconds_this_call'] > 0, j
assert j['train_images'] == 384 and j['valid_images'] == 200, j
" "$out/a/summary.json" || fail "summary.json"
grep -q '<svg' "$out/a/curve.svg" || fail "no curve plot"
for e in 1 2 3; do grep -q "epoch $e/3" "$out/a.err" || fail "no progress line for epoch $e"; done

# The same run killed (SIGKILL) after its first epoch, then the same command again: it resumes from
# its checkpoint and ends with the same bytes.
"$nas" oneshot --method spos "${tiny[@]}" --epochs 3 --out "$out/b" > /dev/null 2> "$out/b.err" &
pid=$!
for _ in $(seq 600); do grep -q "epoch 1/3" "$out/b.err" 2> /dev/null && break; sleep 0.05; done
kill -9 "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
pid=
grep -q "epoch 1/3" "$out/b.err" || { cat "$out/b.err"; fail "the run to kill never finished an epoch"; }
"$nas" oneshot --method spos "${tiny[@]}" --epochs 3 --out "$out/b" > /dev/null 2> "$out/b2.err" || { cat "$out/b2.err"; fail "rerun after SIGKILL"; }
if grep -q "epoch 3/3" "$out/b.err"; then
  echo "note: the first run finished before the kill; resume not exercised"
else
  grep -q "resuming" "$out/b2.err" || { cat "$out/b2.err"; fail "the rerun did not resume"; }
fi
cmp "$out/a/supernet.pt" "$out/b/supernet.pt" || fail "resumed supernet.pt differs from the uninterrupted run's"
[ "$(tail -n +2 "$out/b/curve.csv" | cut -d, -f1 | tr '\n' ' ')" = "1 2 3 " ] || fail "resumed curve.csv epochs: $(cat "$out/b/curve.csv")"
[ "$(tail -n +2 "$out/a/curve.csv" | cut -d, -f3)" = "$(tail -n +2 "$out/b/curve.csv" | cut -d, -f3)" ] || fail "resumed losses differ"
# --resume DIR: its config.toml's options; a finished run trains nothing.
"$nas" oneshot --resume "$out/b" > /dev/null 2> "$out/b3.err" || { cat "$out/b3.err"; fail "--resume"; }
grep -q "already trained" "$out/b3.err" || { cat "$out/b3.err"; fail "--resume of a finished run"; }
cmp "$out/a/supernet.pt" "$out/b/supernet.pt" || fail "supernet.pt changed after --resume of a finished run"
# A rerun with other options in the same folder is refused before any work; config.toml stays the run's.
if "$nas" oneshot --method spos "${tiny[@]}" --epochs 4 --out "$out/b" > /dev/null 2> "$out/b4.err"; then fail "a rerun with other epochs was accepted"; fi
grep -q "epochs is 3; this run has 4" "$out/b4.err" || { cat "$out/b4.err"; fail "the refusal does not name epochs"; }
! grep -q "loaded in" "$out/b4.err" || fail "the refusal came after the images were read"
grep -qx "epochs = 3" "$out/b/config.toml" || fail "a refused rerun rewrote config.toml"

# A search with inherited weights: 20 distinct cells, accuracies in [0, 100].
sn=(--evaluator supernet --supernet "$out/a/supernet.pt" --train-subset 384 --valid-size 200 --test-subset 100 --supernet-bn-batches 2 --train-threads 1)
"$nas" search --algo rea --budget 20 "${sn[@]}" --out "$out/s" > "$out/s.txt" 2> "$out/s.err" || { cat "$out/s.err"; fail "search --evaluator supernet"; }
traj="$out/s/trajectories/seed_0.csv"
[ "$(tail -n +2 "$traj" | wc -l)" -eq 20 ] || fail "expected 20 evaluations: $(cat "$traj")"
[ "$(tail -n +2 "$traj" | cut -d, -f2 | sort -u | wc -l)" -eq 20 ] || fail "expected 20 distinct cells"
awk -F, 'NR > 1 && !($3 >= 0 && $3 <= 100) { exit 1 }' "$traj" || fail "accuracies outside [0, 100]"
grep -q '"evaluator": "supernet"' "$out/s/summary.json" || fail "summary.json lacks the evaluator"
for algo in random local-search; do
  "$nas" search --algo "$algo" --budget 5 "${sn[@]}" --out "$out/$algo" > /dev/null 2> "$out/$algo.err" || { cat "$out/$algo.err"; fail "--algo $algo"; }
  [ "$(tail -n +2 "$out/$algo/trajectories/seed_0.csv" | wc -l)" -eq 5 ] || fail "--algo $algo: expected 5 evaluations"
done

# Refusals: one error line, before any work.
head -c 3000 "$out/a/supernet.pt" > "$out/corrupt.pt"
refuse() {
  local pattern=$1; shift
  if "$nas" "$@" > "$out/r.txt" 2> "$out/r.err"; then fail "accepted: nas $*"; fi
  [ "$(grep -c error "$out/r.err")" -eq 1 ] || { cat "$out/r.err"; fail "nas $*: expected one error line"; }
  grep -q -- "$pattern" "$out/r.err" || { cat "$out/r.err"; fail "nas $*: the message lacks '$pattern'"; }
  ! grep -qE "loaded in|epoch 1/" "$out/r.err" || { cat "$out/r.err"; fail "nas $*: worked before refusing"; }
}
refuse "not built yet; this nas has spos" oneshot --method gdas --out "$out/r1"
refuse "not built yet; this nas has spos" oneshot --method darts-v2 --out "$out/r1"
refuse "unknown; this nas has spos" oneshot --method bogus --out "$out/r1"
refuse "a DARTS supernet is not built yet" oneshot --space darts --out "$out/r1"
refuse "needs --supernet FILE" search --evaluator supernet --out "$out/r2"
refuse "corrupt.pt" search --evaluator supernet --supernet "$out/corrupt.pt" --out "$out/r2"
refuse "missing.pt" search --evaluator supernet --supernet "$out/missing.pt" --out "$out/r2"
refuse "input channels is 1, this run's is 3" search --evaluator supernet --supernet "$out/a/supernet.pt" --data cifar10 --out "$out/r2"
refuse "weight sharing has nb201 only" search --evaluator supernet --supernet "$out/a/supernet.pt" --space darts --out "$out/r2"
refuse "multi-fidelity; --evaluator supernet has one fidelity" search --algo asha --evaluator supernet --supernet "$out/a/supernet.pt" --out "$out/r2"
refuse "an option of --evaluator supernet" search --supernet "$out/a/supernet.pt" --out "$out/r2"
[ ! -e "$out/r2/summary.json" ] || fail "a refused search left results"
echo "oneshot_cli: all checks passed"
