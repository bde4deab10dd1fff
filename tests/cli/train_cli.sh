#!/usr/bin/env bash
# The training commands as a user runs them: a tiny end-to-end search and a one-architecture
# training on real Fashion-MNIST, their output files, and bad input refused before any work.
# Usage: train_cli.sh <path to nas>
set -euo pipefail
nas=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAILED: $*"; exit 1; }

tiny=(--train-subset 256 --valid-size 128 --test-subset 128 --train-epochs 1 --channels 4 --cells 1 --train-threads 1)
"$nas" search --evaluator train --algo guided --predictor carl --epochs 20 --torch-threads 1 --budget 4 --initial 2 --top-k 1 \
  --incumbent-k 0 --parents 2 --children 4 "${tiny[@]}" --out "$out/search" > "$out/search.txt" 2> "$out/search.err" \
  || { cat "$out/search.err"; fail "search --evaluator train exited non-zero"; }
head -1 "$out/search/trajectories/seed_0.csv" | grep -qx 'query,arch,signal,reported,best_signal,best_reported,train_seconds,params' \
  || fail "trajectory header"
[ "$(tail -n +2 "$out/search/trajectories/seed_0.csv" | wc -l)" -eq 4 ] || fail "expected 4 trained candidates"
grep -q '"evaluator": "train"' "$out/search/summary.json" || fail "summary.json lacks the evaluator"
grep -q 'spearman_vs_cifar10_valid_12ep' "$out/search/summary.json" || fail "summary.json lacks the NB201 table comparison"
grep -q '<svg' "$out/search/best_so_far.svg" || fail "no plot"
grep -q 'epoch 1/1' "$out/search.err" || fail "no per-epoch progress"
grep -q 'best valid' "$out/search.err" || fail "no running best in the progress"

# The same search again: the journal says it is complete; nothing is trained again.
cp "$out/search/trajectories/seed_0.csv" "$out/first.csv"
"$nas" search --resume "$out/search" > "$out/again.txt" 2>&1 || { cat "$out/again.txt"; fail "resume of a finished search"; }
grep -q "already complete" "$out/again.txt" || fail "a finished search was not recognised as complete"
grep -q "training |" "$out/again.txt" && fail "a finished search trained again"
cmp "$out/first.csv" "$out/search/trajectories/seed_0.csv" || fail "the rebuilt trajectory differs"

"$nas" train --space nb201 --arch '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|' \
  "${tiny[@]}" --train-epochs 2 --train-batch 64 --out "$out/train" > "$out/train.txt" 2> "$out/train.err" \
  || { cat "$out/train.err"; fail "train exited non-zero"; }
[ "$(wc -l < "$out/train/curve.csv")" -eq 3 ] || fail "curve.csv should have a header and 2 epochs"
[ -s "$out/train/weights.pt" ] || fail "no weights"
grep -q '<svg' "$out/train/curve.svg" || fail "no curve plot"

# Architecture strings with commas (DARTS) are quoted in the trajectory CSV.
"$nas" search --evaluator train --space darts --algo random --budget 2 --train-subset 128 --valid-size 64 --test-subset 64 \
  --train-epochs 1 --channels 4 --cells 3 --out "$out/darts" > /dev/null 2> "$out/darts.err" || { cat "$out/darts.err"; fail "darts search"; }
[ "$(grep -c '^[0-9]*,"Genotype(normal=\[(' "$out/darts/trajectories/seed_0.csv")" -eq 2 ] || fail "darts architectures not quoted"

# Bad input: refused at once, non-zero, one clear line, nothing trained.
expect_error() {
  local pattern=$1; shift
  local t0=$SECONDS
  if "$nas" "$@" > "$out/bad.txt" 2> "$out/bad.err"; then fail "accepted: $*"; fi
  grep -q -- "$pattern" "$out/bad.err" || { cat "$out/bad.err"; fail "message for '$*' lacks '$pattern'"; }
  grep -q 'training |' "$out/bad.err" && fail "trained before refusing: $*"
  # A refusal reads no images (well under a second alone); the bound is loose because ctest -j2
  # beside other work once made one take over 5 s here (cause not captured).
  (( SECONDS - t0 <= 30 )) || fail "took $((SECONDS - t0)) s to refuse: $*"
  return 0
}
expect_error "--data: 'mnist' is not one of the choices" search --evaluator train --data mnist --budget 2 --out "$out/bad1"
expect_error "needs --data-path" search --evaluator train --data cifar10 --budget 2 --out "$out/bad2"
expect_error "data_batch_1.bin" search --evaluator train --data cifar10 --data-path "$out/nowhere" --budget 2 --out "$out/bad3"
expect_error "real training supports nb201 and darts" search --evaluator train --space nb101 --budget 2 --out "$out/bad4"
expect_error "--train-epochs" search --evaluator train --train-epochs 0 --budget 2 --out "$out/bad5"
expect_error "expected table|train" search --evaluator trian --budget 2
expect_error "no CUDA device" train --arch '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|' --device cuda --out "$out/bad6"
expect_error "--train-subset" search --evaluator train --train-subset 70000 --budget 2 --out "$out/bad7"
expect_error "--arch is required" train --out "$out/bad8"
expect_error "cannot write" train --arch '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|' --out /proc/nas-cannot-write
# A zero-cost warm-up with real training: the initial cells are the best of 8 by the vote of
# synflow and nwot (nwot on Fashion-MNIST images), and the options are recorded.
"$nas" search --evaluator train --algo guided --predictor carl --epochs 20 --torch-threads 1 --budget 3 --initial 2 --top-k 1 \
  --incumbent-k 0 --parents 2 --children 4 "${tiny[@]}" --zc-proxies synflow,nwot --zc-warmup 8 --out "$out/zc" > "$out/zc.txt" 2>&1 \
  || { cat "$out/zc.txt"; fail "search --evaluator train --zc-warmup"; }
[ "$(tail -n +2 "$out/zc/trajectories/seed_0.csv" | wc -l)" -eq 3 ] || fail "zc warm-up: expected 3 trained candidates"
grep -q 'zc-dataset = "fashion-mnist"' "$out/zc/config.toml" || fail "zc warm-up: the proxies' dataset is not the training data"
echo "train_cli: all checks passed"
