#!/usr/bin/env bash
# Multi-objective study: `nas search --objectives` (random, REA, Pareto local search, guided; budgets 100 and 300) against Optuna
# NSGA-II and MOTPE and pagmo NSGA-II (budget 300; their first 100 distinct archs give budget 100) on four
# tabular cases; hypervolume fractions by bench/mo_report.py.
# Usage: bench/mo_study.sh [SEEDS]   (default 30)
#   env: OUT (bench-out/mo-study), BUDGETS ("100 300"; the peers run at the largest), MOTPE_BUDGET (100:
#   optuna 3.1's MOTPE took 1,959 CPU s for one seed to reach 300 distinct NB201 cells on this machine, as
#   it proposes ever more repeats), GUIDED_SEEDS_LARGE (SEEDS: guided search's seeds at the largest
#   budget), SAMPLERS ("nsga2 motpe"), NAS (./build/apps/nas)
# Resumable: a step whose outputs exist is skipped (the Optuna peers resume seed by seed).
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${1:-30}
MOTPE_BUDGET=${MOTPE_BUDGET:-100}
GUIDED_SEEDS_LARGE=${GUIDED_SEEDS_LARGE:-$SEEDS}
SAMPLERS=${SAMPLERS:-nsga2 motpe}  # the Optuna samplers to run (a subset: the others are run apart or skipped)
OUT=${OUT:-bench-out/mo-study}
NAS=${NAS:-./build/apps/nas}
PY=/usr/bin/python3
BUDGETS=${BUDGETS:-100 300}
PEER_BUDGET=$(tr ' ' '\n' <<< "$BUDGETS" | sort -n | tail -1)
mkdir -p "$OUT"

PAGMO=$OUT/mo_pagmo
if [[ ! -x $PAGMO || bench/mo_pagmo.cpp -nt $PAGMO ]]; then
  g++ -O2 -std=c++17 bench/mo_pagmo.cpp -o "$PAGMO" -lpagmo -ltbb -lboost_serialization
fi

# space, dataset (- for the space's only table), objectives as `nas search --objectives` takes them
CASES=(
  "nb201 cifar10 cifar10_test_200ep:max,params:min"
  "nb201 imagenet16 imagenet16_test_200ep:max,params:min"
  "macro cifar10 test_acc_mean:max,flops:min"
  "accel - val_top1:max,latency_zcu102_mean:min"
)

for c in "${CASES[@]}"; do
  read -r space dataset objectives <<< "$c"
  ds=()
  name=$space
  if [[ $dataset != - ]]; then ds=(--dataset "$dataset"); name=${space}_$dataset; fi
  dir=$OUT/$name
  mkdir -p "$dir"
  columns=$(sed -E 's/:(max|min)//g' <<< "$objectives")
  directions=$(sed -E 's/[^,:]+:(max|min)/\1/g' <<< "$objectives")
  echo "== $name: $objectives" >&2

  if [[ ! -s $dir/points.csv ]]; then
    $NAS space --space "$space" "${ds[@]}" --list --columns "$columns" > "$dir/points.csv.tmp"
    mv "$dir/points.csv.tmp" "$dir/points.csv"
  fi
  printf '{"space": "%s", "dataset": "%s", "objectives": "%s", "directions": ["%s"]}\n' \
    "$space" "$dataset" "$objectives" "${directions/,/\", \"}" > "$dir/meta.json"

  peer=(--points "$dir/points.csv" --space "$space" --directions "$directions" --out "$dir")
  for sampler in $SAMPLERS; do
    b=$PEER_BUDGET
    [[ $sampler == motpe ]] && b=$MOTPE_BUDGET
    if [[ -s $dir/$sampler/cpu.json && -s $dir/$sampler/seed_$((SEEDS - 1)).csv ]]; then continue; fi
    $PY bench/mo_peers.py "${peer[@]}" --budget "$b" --seeds "$SEEDS" --sampler "$sampler" 2>&1 | tee -a "$dir/$sampler.log"
  done
  if [[ ! -s $dir/pagmo_nsga2/cpu.json ]]; then
    "$PAGMO" "${peer[@]}" --budget "$PEER_BUDGET" --seeds "$SEEDS" 2>&1 | tee "$dir/pagmo_nsga2.log"
  fi

  for algo in random rea local-search guided; do
    for budget in $BUDGETS; do
      run=$dir/ours_${algo}_$budget
      [[ -s $run/cpu.json ]] && continue
      rm -rf "$run"  # an interrupted run: start it again
      n=$SEEDS
      [[ $algo == guided && $budget == "$PEER_BUDGET" ]] && n=$GUIDED_SEEDS_LARGE
      echo "ours $algo budget $budget: $run.log" >&2
      # CPU of the whole process (every seed, table loading included), as the peers' per-seed process time
      if ! /usr/bin/time -f '%U %S %e' -o "$run.time" $NAS search --space "$space" "${ds[@]}" --algo "$algo" \
          --objectives "$objectives" --budget "$budget" --seeds "$n" --out "$run" > "$run.log" 2>&1; then
        echo "nas search failed; see $run.log" >&2
        exit 1
      fi
      read -r user sys wall < "$run.time"
      $PY -c 'import json, sys; u, s, w, n = map(float, sys.argv[1:5]); json.dump({"user_s": u, "sys_s": s, "wall_s": w,
"seeds": int(n), "cpu_s_per_search": (u + s) / n}, open(sys.argv[5], "w"))' "$user" "$sys" "$wall" "$n" "$run/cpu.json"
    done
  done
done

$PY bench/mo_report.py "$OUT" --budgets "${BUDGETS// /,}" | tee "$OUT/mo_report.md"

# Constrained: the best CIFAR-10 accuracy among NB201 cells of at most 0.5 M parameters, against the
# table's best feasible cell (summary.json's multi_objective block).
CON=$OUT/constrained
mkdir -p "$CON"
for algo in random rea local-search guided; do
  run=$CON/ours_$algo
  if [[ ! -s $run/summary.json ]]; then
    rm -rf "$run"
    $NAS search --space nb201 --dataset cifar10 --algo "$algo" --objectives cifar10_test_200ep:max \
      --constraint 'params<=500000' --budget 100 --seeds "$SEEDS" --out "$run" > "$run.log" 2>&1
  fi
done
$PY - "$CON" <<'PYEOF' | tee "$CON/report.md"
import json, sys
root = sys.argv[1]
print("| algo | best feasible acc @100 (mean ± std) | table's best feasible | seeds at it | seeds |")
print("|---|---|---|---|---|")
for algo in ("random", "rea", "local-search", "guided"):
    mo = json.load(open(f"{root}/ours_{algo}/summary.json"))["multi_objective"]
    b = mo["at"]["100"]["best_feasible"][0]
    print(f"| {algo} | {b['mean']:.3f} ± {b['std']:.3f} | {mo['table_best_feasible'][0]:.3f} | {b['at_table_best']} | {b['n']} |")
PYEOF
