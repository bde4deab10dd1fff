#!/usr/bin/env bash
# Weight sharing from the command line (issue 26): `nas oneshot` trains a tiny SPOS supernet on
# real Fashion-MNIST (its outputs exist and parse; a run killed with SIGKILL and rerun ends with the
# same supernet.pt bytes as an uninterrupted one), `nas search --evaluator supernet` evaluates 20
# distinct cells with it, --rank-cells scores them again identically, DARTS-V1, GDAS and RSPS
# derive cells, DARTS-V1 and SPOS run on the DARTS space, and bad input is refused in one line
# before any work.
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
# While a run goes on, a second one in its folder is refused (it would write the same checkpoint).
"$nas" oneshot --method spos "${tiny[@]}" --epochs 200 --out "$out/lk" > /dev/null 2> "$out/lk.err" &
pid=$!
for _ in $(seq 600); do grep -q "epoch 1/200" "$out/lk.err" 2> /dev/null && break; sleep 0.05; done
if "$nas" oneshot --method spos "${tiny[@]}" --epochs 200 --out "$out/lk" > /dev/null 2> "$out/lock.err"; then fail "a second nas oneshot in a running run's folder was accepted"; fi
grep -q "another nas oneshot is running in this folder" "$out/lock.err" || { cat "$out/lock.err"; fail "the lock's refusal"; }
kill -9 "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
pid=
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
# --retrain-top: the 2 best cells trained from scratch after the run.
"$nas" search --algo random --budget 6 "${sn[@]}" --retrain-top 2 --train-epochs 1 --out "$out/top" > "$out/top.txt" 2> "$out/top.err" || { cat "$out/top.err"; fail "--retrain-top"; }
[ "$(tail -n +2 "$out/top/retrain_top/seed_0.csv" | wc -l)" -eq 2 ] || fail "retrain_top/seed_0.csv: $(cat "$out/top/retrain_top/seed_0.csv")"
python3 -c "
import csv, json, sys
run = json.load(open(sys.argv[1]))['runs'][0]
top = run['retrain_top']
rows = list(csv.DictReader(open(sys.argv[2])))
traj = sorted((float(r['signal']) for r in csv.DictReader(open(sys.argv[3]))), reverse=True)
assert top['k'] == 2 and len(top['cells']) == 2, top
assert [float(r['supernet_valid']) for r in rows] == traj[:2], (rows, traj)
assert top['best_valid'] == max(float(r['valid']) for r in rows), (top, rows)
assert all(0 <= float(r['test']) <= 100 and float(r['seconds']) > 0 for r in rows), rows
" "$out/top/summary.json" "$out/top/retrain_top/seed_0.csv" "$out/top/trajectories/seed_0.csv" || fail "--retrain-top summary"
# The evaluation phase is journaled: a resume takes both cells from retrain_top/seed_0.jsonl; one
# killed after the first cell (its second line cut short) trains only the second, with the same result.
cp "$out/top/retrain_top/seed_0.csv" "$out/top.csv"
"$nas" search --resume "$out/top" > /dev/null 2> "$out/top2.err" || { cat "$out/top2.err"; fail "--retrain-top resume"; }
[ "$(grep -c 'from the journal' "$out/top2.err")" -eq 2 ] || { cat "$out/top2.err"; fail "a resume trained a journaled cell again"; }
cmp "$out/top.csv" "$out/top/retrain_top/seed_0.csv" || fail "retrain_top/seed_0.csv changed on resume"
j="$out/top/retrain_top/seed_0.jsonl"
{ head -n 1 "$j"; head -n 2 "$j" | tail -n 1 | head -c 25; } > "$j.cut" && mv "$j.cut" "$j"
"$nas" search --resume "$out/top" > /dev/null 2> "$out/top3.err" || { cat "$out/top3.err"; fail "--retrain-top resume after a cut"; }
[ "$(grep -c 'from the journal' "$out/top3.err")" -eq 1 ] || { cat "$out/top3.err"; fail "expected one journaled cell"; }
[ "$(wc -l < "$j")" -eq 2 ] || fail "the journal's cut line was not replaced: $(cat "$j")"
diff <(cut -d, -f1-6 "$out/top.csv") <(cut -d, -f1-6 "$out/top/retrain_top/seed_0.csv") || fail "the cell trained again differs"
for algo in random local-search; do
  "$nas" search --algo "$algo" --budget 5 "${sn[@]}" --out "$out/$algo" > /dev/null 2> "$out/$algo.err" || { cat "$out/$algo.err"; fail "--algo $algo"; }
  [ "$(tail -n +2 "$out/$algo/trajectories/seed_0.csv" | wc -l)" -eq 5 ] || fail "--algo $algo: expected 5 evaluations"
done

# Ranking: the 20 cells of that search scored again by nas oneshot --rank-cells on the same split
# with the same recalibration give the same accuracies (Kendall 1 against the trajectory's signal).
"$nas" oneshot --resume "$out/a" --rank-cells "$traj" --rank-bn-batches 2 > "$out/k.txt" 2> "$out/k.err" || { cat "$out/k.err"; fail "--rank-cells"; }
grep -q "already trained" "$out/k.err" || fail "--rank-cells on a finished run trained again"
[ "$(tail -n +2 "$out/a/ranking.csv" | wc -l)" -eq 20 ] || fail "ranking.csv: expected 20 cells: $(cat "$out/a/ranking.csv")"
head -1 "$out/a/ranking.csv" | grep -q '^arch,supernet,supernet_loss,params,seconds,signal' || fail "ranking.csv header: $(head -1 "$out/a/ranking.csv")"
python3 -c "
import csv, json, sys
j = json.load(open(sys.argv[1]))['ranking']
assert j['cells'] == 20 and j['cells_per_second'] > 0 and j['bn_batches'] == 2, j
sig = [a for a in j['against'] if a['reference'] == 'signal'][0]
assert sig['cells'] == 20 and sig['supernet_kendall'] == 1.0 and sig['supernet_spearman'] > 0.999, sig
assert -1 <= sig['params_kendall'] <= 1, sig
traj = {r['arch']: float(r['signal']) for r in csv.DictReader(open(sys.argv[2]))}
for r in csv.DictReader(open(sys.argv[3])):
    assert abs(float(r['supernet']) - traj[r['arch']]) < 1e-9, (r, traj[r['arch']])
" "$out/a/summary.json" "$traj" "$out/a/ranking.csv" || fail "ranking summary"
grep -q "ranking against signal (20 cells): supernet Kendall 1.000" "$out/k.txt" || { cat "$out/k.txt"; fail "ranking line"; }
# --supernet-metric loss: the signal is minus the validation loss, reported the accuracy; ranking
# the same cells again gives the same loss (supernet_loss) and accuracy, and the loss ranks them
# exactly as the signal does.
"$nas" search --algo random --budget 8 "${sn[@]}" --supernet-metric loss --out "$out/loss" > /dev/null 2> "$out/loss.err" \
  || { cat "$out/loss.err"; fail "--supernet-metric loss"; }
grep -q "signal minus the validation loss" "$out/loss.err" || { cat "$out/loss.err"; fail "the search line does not name the signal"; }
"$nas" oneshot --resume "$out/a" --rank-cells "$out/loss/trajectories/seed_0.csv" --rank-bn-batches 2 > "$out/kl.txt" 2> "$out/kl.err" \
  || { cat "$out/kl.err"; fail "--rank-cells of the loss search"; }
python3 -c "
import csv, json, sys
traj = {r['arch']: r for r in csv.DictReader(open(sys.argv[1]))}
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 8, rows
for r in rows:
    t = traj[r['arch']]
    assert float(t['signal']) < 0 and abs(float(t['signal']) + float(r['supernet_loss'])) < 1e-5, (t, r)
    assert abs(float(t['reported']) - float(r['supernet'])) < 1e-9 and 0 <= float(r['supernet']) <= 100, (t, r)
sig = [a for a in json.load(open(sys.argv[3]))['ranking']['against'] if a['reference'] == 'signal'][0]
assert sig['supernet_loss_kendall'] == 1.0, sig
assert json.load(open(sys.argv[4]))['supernet']['metric'] == 'loss'
" "$out/loss/trajectories/seed_0.csv" "$out/a/ranking.csv" "$out/a/summary.json" "$out/loss/summary.json" || fail "--supernet-metric loss"

# Few-shot: the finished supernet split on edge 5 into 5 sub-supernets (one epoch each); the
# ranking scores the cells with them too, and a search takes the 5 files as its --supernet.
mkdir -p "$out/fs" && cp "$out/a/supernet.pt" "$out/a/checkpoint.pt" "$out/a/curve.csv" "$out/fs/"
"$nas" oneshot --method spos "${tiny[@]}" --epochs 3 --out "$out/fs" --few-shot-edge 5 --few-shot-epochs 1 --rank-cells "$traj" --rank-bn-batches 2 \
  > "$out/fs.txt" 2> "$out/fs.err" || { cat "$out/fs.err"; fail "--few-shot-edge"; }
for op in none skip_connect nor_conv_1x1 nor_conv_3x3 avg_pool_3x3; do [ -s "$out/fs/few_shot/$op.pt" ] || fail "no few_shot/$op.pt"; done
grep -q "few-shot nor_conv_3x3 on edge 5: epoch 1/1" "$out/fs.err" || { cat "$out/fs.err"; fail "few-shot progress"; }
head -1 "$out/fs/ranking.csv" | grep -q '^arch,supernet,supernet_loss,params,seconds,few_shot,few_shot_loss,signal' || fail "few-shot ranking.csv header: $(head -1 "$out/fs/ranking.csv")"
python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['few_shot']['edge'] == 5 and len(j['few_shot']['sub_supernets']) == 5, j['few_shot']
sig = [a for a in j['ranking']['against'] if a['reference'] == 'signal'][0]
assert -1 <= sig['few_shot_kendall'] <= 1 and sig['supernet_kendall'] == 1.0, sig
" "$out/fs/summary.json" || fail "few-shot summary.json"
fsn=$(ls "$out"/fs/few_shot/*.pt | grep -v checkpoint | tr '\n' ',' | sed 's/,$//')
"$nas" search --algo random --budget 5 --evaluator supernet --supernet "$fsn" --train-subset 384 --valid-size 200 --test-subset 100 \
  --supernet-bn-batches 2 --train-threads 1 --out "$out/fss" > /dev/null 2> "$out/fss.err" || { cat "$out/fss.err"; fail "search with few-shot supernets"; }
[ "$(tail -n +2 "$out/fss/trajectories/seed_0.csv" | wc -l)" -eq 5 ] || fail "few-shot search: expected 5 evaluations"

# DARTS-V1, GDAS (architecture weights, derived cell) and RSPS (random search on the supernet).
for m in darts-v1 gdas rsps; do
  extra=(); [ "$m" = rsps ] && extra=(--rsps-samples 6)
  "$nas" oneshot --method "$m" "${tiny[@]}" --epochs 2 "${extra[@]}" --out "$out/$m" > "$out/$m.txt" 2> "$out/$m.err" || { cat "$out/$m.err"; fail "--method $m"; }
  grep -q "^derived cell: |" "$out/$m.txt" || { cat "$out/$m.txt"; fail "--method $m: no derived cell"; }
  python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['method'] == sys.argv[2] and j['arch'].startswith('|') and j['arch_parameters'] > 0, j
assert 0 <= j['parameter_free_edges'] <= 6, j
if sys.argv[2] == 'rsps': assert j['derivation']['samples'] == 6 and 1 <= j['derivation']['distinct'] <= 6, j
" "$out/$m/summary.json" "$m" || fail "--method $m: summary.json"
done
for m in darts-v1 gdas; do
  [ "$(tail -n +2 "$out/$m/arch_weights.csv" | wc -l)" -eq 12 ] || fail "$m: arch_weights.csv should have 2 epochs x 6 edges"
  awk -F, 'NR > 1 { s = $3 + $4 + $5 + $6 + $7; if (s < 0.9999 || s > 1.0001) exit 1 }' "$out/$m/arch_weights.csv" || fail "$m: rows do not sum to 1"
  grep -q '<svg' "$out/$m/arch_weights.svg" || fail "$m: no arch_weights.svg"
done
[ ! -e "$out/rsps/arch_weights.csv" ] || fail "rsps has no architecture weights"

# The DARTS space: DARTS-V1 derives a genotype (with its size in DARTS' CIFAR-10 network) and
# records 28 edges x 8 ops; an SPOS supernet of it serves a search with inherited weights.
dtiny=(--space darts --data fashion-mnist --channels 2 --layers 3 --train-images 128 --valid-images 64 --batch-size 32 --torch-threads 1 --epochs 1)
"$nas" oneshot --method darts-v1 "${dtiny[@]}" --out "$out/dv1" > "$out/dv1.txt" 2> "$out/dv1.err" || { cat "$out/dv1.err"; fail "darts space: darts-v1"; }
grep -q "^derived cell: Genotype(normal=\[" "$out/dv1.txt" || { cat "$out/dv1.txt"; fail "darts space: no derived genotype"; }
python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['space'] == 'darts' and j['cells'] == 3 and j['arch'].startswith('Genotype('), j
assert j['arch_parameters'] > 0 and j['arch_parameters_darts_cifar10'] > 1e6 and 0 <= j['parameter_free_edges'] <= 16, j
assert 'nb201_cifar10_test' not in j, j
" "$out/dv1/summary.json" || fail "darts space: summary.json"
head -1 "$out/dv1/arch_weights.csv" | grep -qx 'epoch,edge,none,max_pool_3x3,avg_pool_3x3,skip_connect,sep_conv_3x3,sep_conv_5x5,dil_conv_3x3,dil_conv_5x5' || fail "darts space: arch_weights.csv header"
[ "$(tail -n +2 "$out/dv1/arch_weights.csv" | wc -l)" -eq 28 ] || fail "darts space: arch_weights.csv should have 1 epoch x 28 edges"
awk -F, 'NR > 1 { s = 0; for (i = 3; i <= 10; ++i) s += $i; if (s < 0.9999 || s > 1.0001) exit 1 }' "$out/dv1/arch_weights.csv" || fail "darts space: rows do not sum to 1"
"$nas" oneshot --method spos "${dtiny[@]}" --out "$out/dsp" > /dev/null 2> "$out/dsp.err" || { cat "$out/dsp.err"; fail "darts space: spos"; }
"$nas" search --space darts --algo rea --budget 4 --evaluator supernet --supernet "$out/dsp/supernet.pt" --train-subset 128 --valid-size 64 --test-subset 32 \
  --supernet-bn-batches 1 --train-threads 1 --out "$out/ds" > /dev/null 2> "$out/ds.err" || { cat "$out/ds.err"; fail "darts space: search --evaluator supernet"; }
[ "$(tail -n +2 "$out/ds/trajectories/seed_0.csv" | wc -l)" -eq 4 ] || fail "darts space: expected 4 evaluations"
grep -q "Genotype(normal" "$out/ds/trajectories/seed_0.csv" || fail "darts space: trajectory without genotypes"

# Refusals: one error line, before any work.
head -c 3000 "$out/a/supernet.pt" > "$out/corrupt.pt"
refuse() {
  local pattern=$1; shift
  if "$nas" "$@" > "$out/r.txt" 2> "$out/r.err"; then fail "accepted: nas $*"; fi
  [ "$(grep -c error "$out/r.err")" -eq 1 ] || { cat "$out/r.err"; fail "nas $*: expected one error line"; }
  grep -q -- "$pattern" "$out/r.err" || { cat "$out/r.err"; fail "nas $*: the message lacks '$pattern'"; }
  ! grep -qE "loaded in|epoch 1/" "$out/r.err" || { cat "$out/r.err"; fail "nas $*: worked before refusing"; }
}
refuse "--method: 'bogus' is not one of the choices" oneshot --method bogus --out "$out/r1"
refuse "--sampling fair: applies to spos only" oneshot --method rsps --sampling fair --out "$out/r1"
refuse "--arch-lr: does not apply to --method spos" oneshot --arch-lr 0.01 --out "$out/r1"
refuse "--rank-column / --rank-bn-batches: give --rank-cells FILE" oneshot --rank-bn-batches 3 --out "$out/r1"
refuse "no column 'nothere' (--rank-column)" oneshot "${tiny[@]}" --epochs 3 --out "$out/a" --rank-cells "$traj" --rank-column nothere
refuse "--layers: a darts option" oneshot --layers 4 --out "$out/r1"
refuse "needs --supernet FILE" search --evaluator supernet --out "$out/r2"
refuse "trained with --valid-images 200 --split-seed 0; this search has --valid-size 300" search --evaluator supernet --supernet "$out/a/supernet.pt" --valid-size 300 --out "$out/r2"
refuse "corrupt.pt" search --evaluator supernet --supernet "$out/corrupt.pt" --out "$out/r2"
refuse "missing.pt" search --evaluator supernet --supernet "$out/missing.pt" --out "$out/r2"
refuse "input channels is 1, this run's is 3" search --evaluator supernet --supernet "$out/a/supernet.pt" --data cifar10 --out "$out/r2"
refuse "its space is nb201, this run.s is darts" search --evaluator supernet --supernet "$out/a/supernet.pt" --space darts --out "$out/r2"
refuse "one per op is needed" search --evaluator supernet --supernet "$out/fs/few_shot/none.pt,$out/fs/few_shot/skip_connect.pt" --out "$out/r2"
refuse "a one-shot supernet, not a few-shot sub-supernet" search --evaluator supernet --supernet "$out/a/supernet.pt,$out/fs/few_shot/none.pt" --out "$out/r2"
refuse "multi-fidelity; --evaluator supernet has one fidelity" search --algo asha --evaluator supernet --supernet "$out/a/supernet.pt" --out "$out/r2"
refuse "an option of --evaluator supernet" search --supernet "$out/a/supernet.pt" --out "$out/r2"
[ ! -e "$out/r2/summary.json" ] || fail "a refused search left results"
echo "oneshot_cli: all checks passed"
