#!/usr/bin/env bash
# Several objectives and constraints through the CLI, everywhere one objective runs: the outputs
# (pareto/seed_<s>.csv holds feasible, mutually non-dominated cells; fronts.svg; summary.json's
# hypervolume fractions), REA, random, Pareto local search and guided search; --resume after SIGKILL
# (byte-identical to the run never killed: the journal keeps objectives and metrics); local workers
# and the simulated clock (sync: identical; async: the budget exactly, nothing twice); a sweep; MPI
# (identical to local); Accel-NASBench, NAS-Bench-Macro and DARTS objectives.
# Usage: objectives_cli.sh <path to nas>
set -euo pipefail
nas=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
export OMP_WAIT_POLICY=PASSIVE OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
command -v ssh > /dev/null || command -v rsh > /dev/null || export OMPI_MCA_plm_rsh_agent=false
obj=(--objectives cifar10_test_200ep:max,params:min --constraint 'params<=1e6')
# The columns that must agree between runs (timing columns differ by executor).
results() {
  python3 - "$1" << 'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print(",".join(r[k] for k in ("query", "arch", "signal", "reported", "best_signal", "best_reported", "objectives", "metrics", "feasible")))
PY
}
# A pareto/seed_<s>.csv: every row feasible (params <= 1e6), none dominated by another, each in the trajectory.
check_front() {  # $1 = run folder, $2 = seed
  python3 - "$1/pareto/seed_$2.csv" "$1/trajectories/seed_$2.csv" << 'PY' || fail "$1 seed $2: front"
import csv, sys
front = list(csv.DictReader(open(sys.argv[1])))
traj = {r["arch"]: r for r in csv.DictReader(open(sys.argv[2]))}
assert front, "empty front"
pts = [(float(r["cifar10_test_200ep"]), float(r["params"])) for r in front]
for a, (acc, p) in zip(front, pts):
    assert p <= 1e6, f"infeasible front cell {a['arch']}"
    assert traj[a["arch"]]["feasible"] == "true", a["arch"]
    assert not any(o != (acc, p) and o[0] >= acc and o[1] <= p for o in pts), f"dominated: {a['arch']}"
# and nothing feasible in the trajectory dominates a front cell
for r in traj.values():
    if r["feasible"] != "true":
        continue
    acc, p = (float(x) for x in r["objectives"].split(";"))
    assert not any((acc > fa and p <= fp) or (acc >= fa and p < fp) for fa, fp in pts), f"front misses {r['arch']}"
PY
}

# Each search with objectives: outputs, fronts, summary.
for algo in rea random local-search guided; do
  extra=()
  [ "$algo" = guided ] && extra=(--predictor mlp --torch-threads 1)
  "$nas" search --algo "$algo" "${obj[@]}" "${extra[@]}" --seeds 2 --budget 60 --out "$out/$algo" > "$out/$algo.log" 2>&1 \
    || fail "$algo: $(tail -3 "$out/$algo.log")"
  grep -q "HV fraction" "$out/$algo.log" || fail "$algo: no hypervolume table"
  for s in 0 1; do check_front "$out/$algo" "$s"; done
  [ -s "$out/$algo/pareto/fronts.svg" ] || fail "$algo: no fronts.svg"
  python3 - "$out/$algo/summary.json" << 'PY' || fail "$algo: summary.json"
import json, sys
mo = json.load(open(sys.argv[1]))["multi_objective"]
assert [o["column"] for o in mo["objectives"]] == ["cifar10_test_200ep", "params"], mo["objectives"]
assert mo["constraints"] == ["params<=1e+06"], mo["constraints"]
f = mo["at"]["60"]["hypervolume_fraction"]
assert f["n"] == 2 and 0.5 < f["mean"] <= 1.0, f
assert all(0 < r["hypervolume_fraction"] <= 1 for r in mo["per_run"])
assert mo["table_front"]["size"] > 0 and mo["hypervolume_reference"]["point_normalised"] == -0.1
PY
done

# --resume after SIGKILL: the same trajectories as the run never killed.
rea=(--algo rea "${obj[@]}" --seeds 2 --budget 80 --eval-delay-ms 15)
"$nas" search "${rea[@]}" --out "$out/ref" > /dev/null 2>&1 || fail "reference run"
"$nas" search "${rea[@]}" --out "$out/killed" > /dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
  [ -f "$out/killed/journal.sqlite" ] && [ -f "$out/killed/config.toml" ] && break
  sleep 0.1
done
sleep 0.8
kill -9 "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
[ -f "$out/killed/config.toml" ] || fail "the killed run wrote no config.toml"
"$nas" search --resume "$out/killed" > "$out/resume.log" 2>&1 || fail "resume: $(tail -3 "$out/resume.log")"
if grep -q "already complete" "$out/resume.log"; then fail "the run ended before it was killed: nothing was resumed"; fi
for s in 0 1; do
  cmp "$out/ref/trajectories/seed_$s.csv" "$out/killed/trajectories/seed_$s.csv" || fail "seed $s: the resumed run differs"
  cmp "$out/ref/pareto/seed_$s.csv" "$out/killed/pareto/seed_$s.csv" || fail "seed $s: the resumed front differs"
done

# Executors: local workers and the simulated clock in sync mode are the same batches.
"$nas" search --algo rea "${obj[@]}" --seeds 2 --budget 60 --workers 3 --mode sync --out "$out/w3" > /dev/null 2>&1 || fail "workers 3"
"$nas" search --algo rea "${obj[@]}" --seeds 2 --budget 60 --executor simulated --cost-model fixed:1 --workers 3 --mode sync \
  --out "$out/sim3" > /dev/null 2>&1 || fail "simulated sync"
for s in 0 1; do
  diff <(results "$out/w3/trajectories/seed_$s.csv") <(results "$out/sim3/trajectories/seed_$s.csv") > /dev/null \
    || fail "seed $s: local and simulated differ"
done
for algo in rea local-search; do
  "$nas" search --algo "$algo" "${obj[@]}" --seeds 1 --budget 90 --executor simulated --cost-model lognormal:100,0.5 --workers 8 \
    --mode async --out "$out/async-$algo" > /dev/null 2>&1 || fail "$algo: simulated async"
  [ "$(tail -n +2 "$out/async-$algo/trajectories/seed_0.csv" | cut -d, -f2 | sort -u | wc -l)" = 90 ] || fail "$algo async: not 90 distinct cells"
  check_front "$out/async-$algo" 0
done

# A sweep keeps the objectives for every grid point.
"$nas" sweep --algo rea "${obj[@]}" --grid "population=10|20" --seeds 2 --budget 40 --out "$out/sweep" > "$out/sweep.log" 2>&1 \
  || fail "sweep: $(tail -3 "$out/sweep.log")"
found=$(find "$out/sweep" -path '*pareto/seed_1.csv' | wc -l)
[ "$found" = 2 ] || fail "sweep: $found fronts of seed 1, expected 2"

# MPI: rank 0 searches, ranks 1-2 evaluate; objectives and metrics travel; sync equals 2 local workers.
if command -v mpirun > /dev/null; then
  mpirun --oversubscribe -np 3 "$nas" search --algo rea "${obj[@]}" --executor mpi --mode sync --seeds 2 --budget 60 --out "$out/mpi" \
    > "$out/mpi.log" 2>&1 || fail "mpi: $(tail -3 "$out/mpi.log")"
  "$nas" search --algo rea "${obj[@]}" --workers 2 --mode sync --seeds 2 --budget 60 --out "$out/w2" > /dev/null 2>&1 || fail "workers 2"
  for s in 0 1; do
    diff <(results "$out/mpi/trajectories/seed_$s.csv") <(results "$out/w2/trajectories/seed_$s.csv") > /dev/null \
      || fail "seed $s: MPI and local differ"
  done
fi

# Other tables: Accel-NASBench (top-1 against a named accelerator's latency) and NAS-Bench-Macro (FLOPs).
"$nas" search --space accel --dataset zcu102 --algo rea --objectives val_top1:max,latency:min --seeds 1 --budget 50 --out "$out/accel" \
  > "$out/accel.log" 2>&1 || fail "accel: $(tail -3 "$out/accel.log")"
head -1 "$out/accel/pareto/seed_0.csv" | grep -q "query,arch,val_top1,latency" || fail "accel front header: $(head -1 "$out/accel/pareto/seed_0.csv")"
"$nas" search --space macro --algo random --objectives test_acc_mean:max,flops:min --seeds 1 --budget 50 --out "$out/macro" \
  > "$out/macro.log" 2>&1 || fail "macro: $(tail -3 "$out/macro.log")"
[ "$(tail -n +2 "$out/macro/pareto/seed_0.csv" | wc -l)" -ge 1 ] || fail "macro: empty front"
"$nas" search --space darts --algo rea --objectives val_accuracy:max,params:min --constraint 'flops<=2e8' --seeds 1 --budget 40 \
  --out "$out/darts" > "$out/darts.log" 2>&1 || fail "darts: $(tail -3 "$out/darts.log")"
grep -q "zc_params x 1e6" "$out/darts/summary.json" || fail "darts: params not read from zc_params"
echo "objectives: REA, random, Pareto local search, guided; fronts, summary, resume after SIGKILL, workers, simulated sync/async, sweep, MPI, accel, macro and darts pass"
