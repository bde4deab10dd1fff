#!/usr/bin/env bash
# `nas zc` as a user runs it: a list of cells, real Fashion-MNIST images, the same file whatever the
# thread count, a killed run resumed, and a resume with other proxies refused.
# Usage: zc_cli.sh <path to nas>
set -euo pipefail
nas=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
a='|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
b='|skip_connect~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|'
c='|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'
d='|nor_conv_1x1~0|+|none~0|nor_conv_3x3~1|+|nor_conv_3x3~0|skip_connect~1|none~2|'
small=(--channels 4 --cells 1 --batch-size 8)

"$nas" zc --arch "$a;$b;$c;$d" --proxies all "${small[@]}" --threads 1 --out "$out/one.csv" > "$out/one.txt" 2> "$out/one.err" \
  || { cat "$out/one.err"; fail "nas zc exited non-zero"; }
head -1 "$out/one.csv" | grep -q '^arch,flops,params,synflow,grasp,fisher,grad_norm,l2_norm,plain,nwot,epe_nas,jacov,snip,zen,seconds_flops,' \
  || fail "header: $(head -1 "$out/one.csv")"
[ "$(tail -n +2 "$out/one.csv" | wc -l)" -eq 4 ] || fail "expected 4 rows"
grep -q "4 cells: 4 scored now" "$out/one.txt" || fail "summary line: $(cat "$out/one.txt")"
grep -q "random data" "$out/one.err" || fail "the data source is not said"
# The all-none cell: its Jacobian-based scores are missing (empty), never a number.
grep -F "$c" "$out/one.csv" | awk -F, '{ if ($11 != "" || $12 != "") exit 1 }' || fail "the all-none cell has epe_nas/jacov scores"

# Two threads: the same scores, in the same order (the seconds differ).
"$nas" zc --arch "$a;$b;$c;$d" --proxies all "${small[@]}" --threads 2 --out "$out/two.csv" > /dev/null 2>&1 || fail "--threads 2"
cmp <(cut -d, -f1-14 "$out/one.csv") <(cut -d, -f1-14 "$out/two.csv") || fail "scores differ between 1 and 2 threads"

# A killed run: two whole rows and half a line. The rerun scores the other two and keeps the rest.
head -3 "$out/one.csv" > "$out/part.csv"
printf '%s' "$(sed -n 4p "$out/one.csv" | cut -c1-40)" >> "$out/part.csv"
"$nas" zc --arch "$a;$b;$c;$d" --proxies all "${small[@]}" --threads 1 --out "$out/part.csv" > "$out/resume.txt" 2>&1 \
  || { cat "$out/resume.txt"; fail "resume"; }
grep -q "2 scored now, 2 from an earlier run" "$out/resume.txt" || fail "resume summary: $(cat "$out/resume.txt")"
cmp <(cut -d, -f1-14 "$out/one.csv") <(cut -d, -f1-14 "$out/part.csv") || fail "the resumed file differs"

# Other proxies into the same file: refused, the file untouched.
cp "$out/part.csv" "$out/before.csv"
if "$nas" zc --arch "$a" --proxies synflow --out "$out/part.csv" > /dev/null 2> "$out/err"; then fail "other proxies accepted"; fi
grep -q "holds other columns" "$out/err" || { cat "$out/err"; fail "the refusal does not say why"; }
cmp "$out/before.csv" "$out/part.csv" || fail "a refused run changed the file"

# Real images: Fashion-MNIST (the Debian package) for the data proxies.
"$nas" zc --dataset fashion-mnist --arch "$a" --proxies nwot,snip,epe_nas "${small[@]}" --out "$out/fm.csv" > /dev/null 2> "$out/fm.err" \
  || { cat "$out/fm.err"; fail "fashion-mnist"; }
grep -q "of fashion-mnist data" "$out/fm.err" || fail "fashion-mnist was not used: $(cat "$out/fm.err")"
[ "$(tail -n +2 "$out/fm.csv" | awk -F, '$2 != "" && $3 != "" && $4 != ""' | wc -l)" -eq 1 ] || fail "fashion-mnist scores"

# DARTS cells from the NB301 sample (a table), the first rows.
table=${NAS_DATA_DIR:?}/darts/naslib_zc_nb301_subset.csv
head -3 "$table" > "$out/darts.csv"
"$nas" zc --space darts --table "$out/darts.csv" --proxies params,synflow --channels 4 --cells 3 --out "$out/dz.csv" > /dev/null 2>&1 \
  || fail "darts table"
[ "$(tail -n +2 "$out/dz.csv" | wc -l)" -eq 2 ] || fail "expected 2 DARTS rows"
echo "zc_cli: passed"
