#!/usr/bin/env bash
# The command line against bad input: every case must exit non-zero with exactly one error line
# that names what is wrong, leave no result behind (no summary.json, no trajectories), and refuse
# before any work (no search, no training, no data loaded for a training). Usage: bad_input.sh <nas>
set -euo pipefail
nas=$1
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2> /dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
table=${NAS_DATA_DIR:?NAS_DATA_DIR must point at the shared datasets}/nasbench201/nb201.csv
[ -f "$table" ] || fail "no $table"
n=0

# expect PATTERN nas-arguments...: runs `nas ARGS --out <fresh folder>` (search and sweep) and checks.
expect() {
  local pattern=$1; shift
  local out="$tmp/out$n"
  n=$((n + 1))
  local args=("$@")
  if [[ ("${args[0]}" = search || "${args[0]}" = sweep) && " ${args[*]} " != *" --out "* ]]; then args+=(--out "$out"); fi
  if "$nas" "${args[@]}" > "$tmp/stdout" 2> "$tmp/stderr"; then fail "accepted: nas ${args[*]}"; fi
  local errors
  errors=$(grep -c "error" "$tmp/stderr" || true)
  [ "$errors" -eq 1 ] || { cat "$tmp/stderr"; fail "nas ${args[*]}: $errors error lines, expected exactly one"; }
  grep -q -- "$pattern" "$tmp/stderr" || { cat "$tmp/stderr"; fail "nas ${args[*]}: the message lacks '$pattern'"; }
  [ ! -s "$tmp/stdout" ] || { cat "$tmp/stdout"; fail "nas ${args[*]}: printed results before refusing"; }
  [ ! -e "$out/summary.json" ] && [ ! -e "$out/trajectories" ] || fail "nas ${args[*]}: left results behind"
  ! grep -qE "training |loaded in|trained " "$tmp/stderr" || { cat "$tmp/stderr"; fail "nas ${args[*]}: worked before refusing"; }
}

# --- tables
printf '' > "$tmp/empty.csv"
head -c 20000 /dev/urandom > "$tmp/binary.csv"
head -1 "$table" > "$tmp/header.csv"
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'x' > "$tmp/longline.csv"
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "c%d,", i; print "end" }' > "$tmp/wide.csv"
awk -F, -v OFS=, 'NR == 7 { $9 = "nan" } { print }' "$table" > "$tmp/nan.csv"
awk -F, -v OFS=, 'NR == 9 { $3 = "inf" } { print }' "$table" > "$tmp/inf.csv"
awk -F, -v OFS=, 'NR == 11 { $3 = "93.1x" } { print }' "$table" > "$tmp/text.csv"
awk 'NR == 5 { print $0 ",extra"; next } { print }' "$table" > "$tmp/fields.csv"
awk -F, -v OFS=, 'NR == 4 { $2 = "|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|" } { print }' "$table" > "$tmp/arch.csv"
sed '$d' "$table" > "$tmp/incomplete.csv"
expect "cannot open file" search --table "$tmp/missing.csv"
expect "is a folder" search --table "$tmp"
expect "empty file" search --table "$tmp/empty.csv"
expect "binary.csv" search --table "$tmp/binary.csv"
expect "header only" search --table "$tmp/header.csv"
expect "longer than 1024 KiB" search --table "$tmp/longline.csv"
expect "more than 10000 fields" search --table "$tmp/wide.csv"
expect "nan.csv:7: column 'cifar10_test_200ep': value 'nan' is not a finite number" search --table "$tmp/nan.csv"
expect "inf.csv:9" search --table "$tmp/inf.csv" --signal valid_12ep
expect "text.csv:11" search --table "$tmp/text.csv" --signal valid_12ep
expect "fields.csv:5: 12 fields, expected 11" search --table "$tmp/fields.csv"
expect "arch.csv:4" search --table "$tmp/arch.csv"
expect "15624 data rows" search --table "$tmp/incomplete.csv"
expect "unknown metric 'nope'" search --signal nope
expect "unknown metric 'bogus_col'" search --reported bogus_col

# --- options
expect "unknown option '--bogus'" search --bogus 3
expect "--budget" search --budget abc
expect "--budget: '0' is out of range; expected INT in \[1, 1000000\]" search --budget 0
expect "--seeds: '0' is out of range" search --seeds 0
expect "--workers" search --workers 0
expect "--threads: '-1' is out of range" search --threads -1
expect "--space: 'nb999' is not one of the choices; expected nb201|" search --space nb999
expect "--dataset" search --dataset cifar11
expect "--algo" search --algo bogus
expect "--predictor" search --algo guided --predictor bogus
expect "--predictor is an option of guided search" search --algo rea --predictor carl
expect "--population is an option of the searches with a population" search --algo random --population 5
expect "--cost-model is for --executor simulated" search --cost-model fixed:1
expect "expected sync|async" search --mode later
expect "--lr" search --algo guided --lr -1
expect "--eval-delay-ms" search --eval-delay-ms -5
expect "the nb201 space has 15625 architectures" search --algo random --budget 20000

# --- multi-fidelity
expect "--fidelities 200,12: rungs must be ascending" search --algo asha --fidelities 200,12
expect "--eta: '1.5' is out of range" search --algo asha --eta 1.5
expect "the nb201 table has no fidelity 100; it has 12,200 (epochs)" search --algo sh --fidelities 12,100
expect "needs at least two rungs" search --algo hyperband --fidelities 12
expect "the nb101 table has one fidelity" search --algo asha --space nb101
expect "has rungs only with the 200-epoch signal" search --algo asha --signal valid_12ep
expect "--fidelities is an option of the multi-fidelity searches (guided, sh, hyperband, asha over rungs); this run is --algo rea" search --algo rea --fidelities 12,200
expect "--eta is an option of the multi-fidelity searches (guided, sh, hyperband, asha over rungs); this run is --algo guided without --fidelities" search --algo guided --eta 2
expect "--time-budget 0: expected seconds > 0" search --algo random --time-budget 0
expect "--time-budget: '-5' is out of range" search --algo random --time-budget -5
expect "--fidelities 12,x: 'x' is not a number" search --algo asha --fidelities 12,x
expect "with --evaluator train needs --fidelities" search --algo asha --evaluator train
expect "real training's rungs are whole epochs" search --algo asha --evaluator train --fidelities 1.5,3
expect "with --fidelities the last rung, 9 epochs, is the full fidelity" search --algo asha --evaluator train --fidelities 1,3,9 --train-epochs 4
expect "the nb101 table declares no fidelities" search --algo rea --space nb101 --executor simulated --cost-model epochs:15 --budget 5

# --- zero-cost proxies (nas zc)
arch201='|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
expect "unknown proxy 'bogus': expected one of flops, params, synflow" zc --arch "$arch201" --proxies synflow,bogus --out "$tmp/zc.csv"
expect "proxy nwot needs images, and there is no data (--data none)" zc --arch "$arch201" --proxies synflow,nwot --data none --out "$tmp/zc.csv"
expect "--data fashion-mnist has the images of fashion-mnist; --dataset cifar10 needs another shape" zc --arch "$arch201" --data fashion-mnist --out "$tmp/zc.csv"
expect "--space darts cannot be enumerated: give --table" zc --space darts --proxies synflow --out "$tmp/zc.csv"
expect "--arch '|bogus~0|'" zc --arch "$arch201;|bogus~0|" --proxies synflow --out "$tmp/zc.csv"
expect "--batch-size: '0' is out of range" zc --arch "$arch201" --batch-size 0 --out "$tmp/zc.csv"
expect "--dataset: 'mnist'" zc --arch "$arch201" --dataset mnist --out "$tmp/zc.csv"
awk -F, -v OFS=, 'NR == 4 { $2 = "|nor_conv_9x9~0|" } { print }' "$table" > "$tmp/badarch.csv"
expect "badarch.csv:4: column 'arch': '|nor_conv_9x9~0|' is not a nb201 architecture" zc --table "$tmp/badarch.csv" --proxies synflow --out "$tmp/zc.csv"
[ ! -e "$tmp/zc.csv" ] || fail "a refused nas zc left a file"
expect "--algo zc ranks cells by zero-cost proxies: give --zc-proxies" search --algo zc
expect "--zc-warmup 10 ranks cells by zero-cost proxies: give --zc-proxies" search --algo rea --zc-warmup 10
expect "--zc-warmup is an option of guided, rea (their initial population) and zc (its pool); this run is --algo random" search --algo random --zc-proxies synflow --zc-warmup 10
expect "--zc-proxies ranks cells for --algo zc or --zc-warmup N (guided, rea); this run uses neither" search --algo rea --zc-proxies synflow
expect "--zc-file is an option of the zero-cost proxies; this run has neither --zc-proxies nor --zc-features" search --algo rea --zc-file "$tmp/none.csv"
expect "--zc-features are extra inputs of a guided search's surrogate; this run is --algo rea" search --algo rea --zc-features synflow
expect "unknown proxy 'bogus'" search --algo guided --zc-features synflow,bogus
expect "--zc-features on --space nb101: no network to compute them on" search --algo guided --zc-features synflow --space nb101
expect "--zc-features: give --zc-file" predict-eval --zc-features synflow
expect "unknown proxy 'bogus'" predict-eval --zc-features bogus --zc-file "$tmp/none.csv"
expect "unknown proxy 'bogus'" search --algo zc --zc-proxies bogus
expect "--zc-proxies on --space nb101: no network to compute them on" search --algo zc --zc-proxies synflow --space nb101
printf 'arch,nwot\n%s,1\n' "$arch201" > "$tmp/zcfile.csv"
expect "--zc-file $tmp/zcfile.csv: no column 'synflow'" search --algo zc --zc-proxies synflow --zc-file "$tmp/zcfile.csv"
expect "--zc-file $tmp/zcfile.csv: no column 'synflow'" search --algo guided --zc-features nwot,synflow --zc-file "$tmp/zcfile.csv"

# --- files and folders
printf 'bogus = 1\n' > "$tmp/unknown.toml"
printf 'budget 10\n' > "$tmp/malformed.toml"
printf '# a comment\nseeds = 2\nbudget = 0\n' > "$tmp/range.toml"
printf 'algo = "guided\n' > "$tmp/quote.toml"
expect "unknown.toml:1: unknown option 'bogus'" search --config "$tmp/unknown.toml"
expect "range.toml:3: --budget: '0' is out of range" search --config "$tmp/range.toml"
expect "quote.toml:1: algo: string without a closing quote" search --config "$tmp/quote.toml"
expect "--train-epochs is an option of real training" search --train-epochs 3
expect "--lr: 'fast' is not a number" search --algo guided --lr fast
expect "malformed.toml:1" search --config "$tmp/malformed.toml"
expect "missing.toml" search --config "$tmp/missing.toml"
expect "no $tmp/none/config.toml" search --resume "$tmp/none"
# A config.toml cut short (or emptied) must not resume the default search in another folder.
mkdir -p "$tmp/cut" && : > "$tmp/cut/config.toml"
expect "cut/config.toml has no 'algo' line" search --resume "$tmp/cut" --out "$tmp/cut"
printf 'algo = "rea"\nout = "%s"\n' "$tmp/cut" > "$tmp/cut/config.toml"
expect "cut/config.toml has no 'seeds' line" search --resume "$tmp/cut" --out "$tmp/cut"
printf 'algo = "rea"\nout = "%s"\nseeds = 1\nbudget = 10\n' "$tmp/cut" > "$tmp/cut/config.toml"
expect "a resumed run continues in its own folder" search --resume "$tmp/cut" --out "$tmp/elsewhere"
[ ! -e "$tmp/cut/journal.sqlite" ] || fail "a refused --resume opened a journal"
touch "$tmp/afile"
if "$nas" search --algo rea --budget 10 --seeds 1 --out "$tmp/afile" > /dev/null 2> "$tmp/stderr"; then fail "--out naming a file was accepted"; fi
grep -q "afile" "$tmp/stderr" || { cat "$tmp/stderr"; fail "--out naming a file: the message does not name it"; }
if [ "$(id -u)" -ne 0 ]; then  # root writes anywhere
  mkdir "$tmp/ro" && chmod a-w "$tmp/ro"
  expect "ro/run" search --out "$tmp/ro/run"
fi
expect "/proc/nas-test" search --out /proc/nas-test/run

# --- real training: refused before the images are loaded
expect "--data: 'mnist' is not one of the choices; expected fashion-mnist|cifar10" search --evaluator train --data mnist
expect "needs --data-path" search --evaluator train --data cifar10
expect "needs --cost-model" search --evaluator train --executor simulated
expect "--train-epochs" search --evaluator train --train-epochs 0
expect "cifar-missing" search --evaluator train --data cifar10 --data-path "$tmp/cifar-missing"

# --- weight sharing (nas oneshot, --evaluator supernet): refused before the images are loaded
head -c 5000 /dev/urandom > "$tmp/corrupt.pt"
printf 'query,signal\n1,50\n' > "$tmp/no_arch.csv"
printf 'arch,signal\n|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|skip_connect~1|skip_connect~2|,50\n' > "$tmp/one_cell.csv"
expect "--method: 'bogus' is not one of the choices" oneshot --method bogus --out "$tmp/oneshot"
expect "--sampling canonical: applies to spos only" oneshot --method gdas --sampling canonical --out "$tmp/oneshot"
expect "--tau-min: does not apply to --method darts-v1" oneshot --method darts-v1 --tau-min 0.5 --out "$tmp/oneshot"
expect "--rsps-samples: applies to --method rsps, not spos" oneshot --rsps-samples 5 --out "$tmp/oneshot"
expect "--rank-column / --rank-bn-batches: give --rank-cells FILE" oneshot --rank-column signal --out "$tmp/oneshot"
expect "no_arch.csv: no column 'arch'" oneshot --rank-cells "$tmp/no_arch.csv" --out "$tmp/oneshot"
expect "one_cell.csv: 1 distinct cell(s); a ranking needs at least 2" oneshot --rank-cells "$tmp/one_cell.csv" --out "$tmp/oneshot"
expect "--cells: an nb201 option (cells per stage); a darts supernet has --layers" oneshot --space darts --cells 2 --out "$tmp/oneshot"
expect "--layers: a darts option" oneshot --layers 4 --out "$tmp/oneshot"
expect "--sampling fair: applies to --space nb201 only" oneshot --space darts --sampling fair --out "$tmp/oneshot"
expect "--space: 'nb101' is not one of the choices" oneshot --space nb101 --out "$tmp/oneshot"
expect "--few-shot-epochs: give --few-shot-edge E" oneshot --few-shot-epochs 3 --out "$tmp/oneshot"
expect "--few-shot-edge: splits an spos supernet of nb201 with uniform sampling; this run is gdas" oneshot --method gdas --few-shot-edge 2 --out "$tmp/oneshot"
expect "--few-shot-edge: '6' is out of range; expected INT in \[-1, 5\]" oneshot --few-shot-edge 6 --out "$tmp/oneshot"
expect "--supernet: 2 files (few-shot sub-supernets) apply to --space nb201, not darts" search --space darts --evaluator supernet --supernet "$tmp/a.pt,$tmp/b.pt"
expect "--evaluator supernet needs --supernet FILE" search --evaluator supernet
expect "corrupt.pt" search --evaluator supernet --supernet "$tmp/corrupt.pt"
expect "--evaluator supernet --space nb101: supernets are built for nb201 and darts" search --evaluator supernet --supernet "$tmp/corrupt.pt" --space nb101
expect "--algo hyperband: multi-fidelity; --evaluator supernet has one fidelity" search --algo hyperband --evaluator supernet --supernet "$tmp/corrupt.pt"
expect "--supernet-bn-batches is an option of --evaluator supernet" search --evaluator train --supernet-bn-batches 3
expect "--retrain-top is an option of --evaluator supernet" search --evaluator train --retrain-top 3
expect "--supernet-metric is an option of --evaluator supernet" search --evaluator train --supernet-metric loss
[ ! -e "$tmp/oneshot/summary.json" ] || fail "a refused nas oneshot left results"

expect "--executor inline evaluates one candidate at a time" search --executor inline --workers 2

# --- several objectives and constraints: refused before any search
expect "--objectives nope: the nb201 table" search --objectives nope:max,params:min
expect "direction 'up' of test_200ep is not max or min" search --objectives test_200ep:up,params:min
expect "is not COLUMN:max or COLUMN:min" search --objectives test_200ep
expect "--constraint 'params<=lots': 'lots' is not a finite number" search --constraint "params<=lots"
expect "--constraint 'params=5': no comparison" search --constraint "params=5"
expect "--constraint params<=10: no cell of the nb201 table (15625 rows) meets it" search --constraint "params<=10"
expect "no cell of the nb201 table meets them all" search --constraint "params<=100000,flops>=30000000"
expect "--objectives flops: the graph table" search --space graph --objectives valid_perf:max,flops:min
expect "--algo asha: has one objective and no constraints" search --algo asha --fidelities 12,200 --objectives test_200ep:max,params:min
expect "--mo-scalarisation is for a guided search with several --objectives" search --algo rea --objectives test_200ep:max,params:min --mo-scalarisation rank
expect "not with --evaluator train" search --evaluator train --objectives test_200ep:max,params:min
expect "not with --fidelities" search --algo guided --fidelities 12,200 --objectives test_200ep:max,params:min
expect "--dataset tpu9: accel has these datasets; expected one of zcu102" search --space accel --dataset tpu9
expect "the objectives and constraints are the sweep's own" sweep --grid "objectives=test_200ep:max,params:min" --budget 10 --seeds 1

# --- a one-row sample table: listing its identities works; a search's budget is refused against its size
head -2 "${NAS_DATA_DIR}/nasbench101/naslib_zc_nb101_subset.csv" > "$tmp/one_row.csv"
[ "$("$nas" space --space nb101 --table "$tmp/one_row.csv" --list | wc -l)" = 2 ] || fail "nas space --list of a one-row table"
expect "the nb101 space has 1 architectures" search --space nb101 --table "$tmp/one_row.csv" --budget 5

# --- a journal of another run is refused, naming the option that differs
"$nas" search --algo rea --budget 10 --seeds 1 --out "$tmp/run" > /dev/null 2>&1 || fail "a good run"
if "$nas" search --algo rea --budget 20 --seeds 1 --out "$tmp/run" > /dev/null 2> "$tmp/stderr"; then fail "a journal of another run was reused"; fi
grep -q "budget = 20" "$tmp/stderr" || { cat "$tmp/stderr"; fail "the refusal does not name the option"; }
# A resume with other rungs is refused the same way (the journal keeps the run's options).
"$nas" search --algo asha --budget 10 --seeds 1 --out "$tmp/mf" > /dev/null 2>&1 || fail "a good multi-fidelity run"
if "$nas" search --algo asha --budget 10 --seeds 1 --eta 2 --out "$tmp/mf" > /dev/null 2> "$tmp/stderr"; then fail "a resume with another eta was accepted"; fi
grep -q "eta = 2" "$tmp/stderr" || { cat "$tmp/stderr"; fail "the refusal does not name --eta"; }
echo "bad_input: $n cases refused with one clear line, before any work"
