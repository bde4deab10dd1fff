#!/usr/bin/env bash
# nas predict-eval's shifted splits and its study folder: every predictor of a (split, size, seed)
# is tested on the same cells, each split tests the part it says, an interrupted study resumes to
# the same rows, another study in the same folder and a split with nothing to test are refused
# before any work. Usage: predict_cli.sh <path to nas>
set -euo pipefail
nas=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
export OMP_WAIT_POLICY=PASSIVE

splits="uniform,worse-half,without-op:skip_connect@3,max-param-ops:2,rea-visited"
study=(predict-eval --predictor mlp,gcn --train-sizes 20,30 --seeds 2 --split "$splits" --epochs 15 --torch-threads 1)
"$nas" "${study[@]}" --out "$out/a" > "$out/a.txt" 2>&1 || { cat "$out/a.txt"; fail "the study"; }
csv=$out/a/runs.csv
[ "$(tail -n +2 "$csv" | wc -l)" -eq 40 ] || fail "expected 5 splits x 2 sizes x 2 seeds x 2 predictors = 40 rows"
# Paired: one test set per (split, size, seed), whatever the predictor.
[ "$(tail -n +2 "$csv" | awk -F, '{print $1","$3","$4","$12}' | sort -u | wc -l)" -eq 20 ] || fail "predictors of one (split, size, seed) tested on different cells"
# The tested part: NB201 has 15625 cells, about half at or above the median, 3125 with skip_connect on edge 0->3,
# ~7100 with 3+ convolutions; canonical duplicates of training cells are left out (a disconnected
# cell has thousands).
awk -F, -v OFS=, 'NR > 1 {
  if ($1 == "uniform" && ($12 < 12000 || $12 > 15625 - $3)) { print "uniform tests", $12; exit 1 }
  if ($1 == "worse-half" && ($12 < 6000 || $12 > 8000)) { print "worse-half tests", $12; exit 1 }
  if ($1 == "without-op:skip_connect@3" && ($12 < 2000 || $12 > 3125)) { print "without-op tests", $12; exit 1 }
  if ($1 == "max-param-ops:2" && ($12 < 4000 || $12 > 9000)) { print "max-param-ops tests", $12; exit 1 }
  if ($5 < -1 || $5 > 1 || $7 < 0 || $7 > 1) { print "metric out of range", $0; exit 1 } }' "$csv" || fail "tested part of a split"
grep -q '^paired mlp - gcn @30:  tau' "$out/a.txt" || fail "no paired comparison printed"
grep -q '"seeds_a_better"' "$out/a/summary.json" || fail "no paired comparison in summary.json"
# The shifted splits differ from the uniform one (same sizes and seeds).
[ "$(grep -c '^mlp ' "$out/a.txt")" -eq 10 ] || fail "one table row per (split, size) for mlp"

# Interrupted: a study that lost its last rows runs only those and writes the same rows.
cp "$csv" "$out/full.csv"
head -n 34 "$out/full.csv" > "$csv"
"$nas" "${study[@]}" --out "$out/a" > "$out/b.txt" 2>&1 || { cat "$out/b.txt"; fail "the resumed study"; }
grep -q '33 of 40 runs found' "$out/b.txt" || { cat "$out/b.txt"; fail "the resumed study did not report the rows it found"; }
# Timing columns (8, 9, 10) differ between runs; every other column must be identical.
diff <(cut -d, -f1-7,11,12 "$out/full.csv") <(cut -d, -f1-7,11,12 "$csv") > /dev/null || fail "the resumed study's rows differ"
# More seeds extend the study; the other rows stay.
"$nas" predict-eval --predictor mlp --train-sizes 20 --seeds 3 --split uniform --epochs 15 --torch-threads 1 --out "$out/a" > "$out/c.txt" 2>&1 \
  || { cat "$out/c.txt"; fail "extending the study"; }
grep -q '2 of 3 runs found' "$out/c.txt" || fail "extending the study did not reuse its rows"
[ "$(tail -n +2 "$csv" | wc -l)" -eq 41 ] || fail "extending the study lost or repeated rows"

expect_error() {
  local what=$1; shift
  local rc=0
  "$nas" "$@" > "$out/err.txt" 2>&1 || rc=$?
  [ "$rc" -ne 0 ] || fail "$what: accepted"
  grep -q -- "$what" "$out/err.txt" || { cat "$out/err.txt"; fail "$what: message"; }
}
# Another study in the same folder: refused, the folder untouched.
cp "$csv" "$out/before.csv"
expect_error "holds a study with other options" "${study[@]}" --epochs 16 --out "$out/a"
cmp -s "$csv" "$out/before.csv" || fail "a refused study changed runs.csv"
# Nothing left to test (the NB101 sample has no cell with more than 4 convolutions), before any work.
expect_error "leaves 0 cells of the 500-row table to test" predict-eval --space nb101 --predictor mlp --train-sizes 200 --split max-param-ops:5 --out "$out/none"
[ ! -e "$out/none" ] || fail "a refused study wrote its folder"
expect_error "its training part has" predict-eval --space darts --predictor mlp --train-sizes 200 --split max-param-ops:6 --out "$out/none"
expect_error "not a split" predict-eval --predictor mlp --split sideways --out "$out/none"
echo "predict-eval CLI: all checks passed"
