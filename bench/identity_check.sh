#!/usr/bin/env bash
# Results-unchanged check for engine refactors: runs a fixed list of searches (every algorithm,
# predictor and acquisition on NB201's three datasets, the other spaces, the inline/local/
# simulated/MPI executors in sync and async modes) with one `nas` binary into a folder; then
# compares two such folders: trajectories and retrain logs must be byte-identical once the
# wall-clock columns are dropped (simulated runs keep worker and times: they are deterministic).
# Usage: identity_check.sh run NAS OUT        (writes OUT/<config>/...)
#        identity_check.sh compare OUT_A OUT_B
#        identity_check.sh list
set -euo pipefail
export OMP_WAIT_POLICY=PASSIVE
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
command -v ssh > /dev/null || command -v rsh > /dev/null || export OMPI_MCA_plm_rsh_agent=false
sim="--executor simulated --cost-model lognormal:100,0.5 --workers 4"
g="--algo guided --budget 60 --seeds 2"
configs=(
  "random-c10|--algo random --seeds 5 --dataset cifar10"
  "random-c100|--algo random --seeds 5 --dataset cifar100"
  "random-in16|--algo random --seeds 5 --dataset imagenet16"
  "rea-c10|--algo rea --seeds 5 --dataset cifar10"
  "rea-c100|--algo rea --seeds 5 --dataset cifar100"
  "rea-in16|--algo rea --seeds 5 --dataset imagenet16 --dedup canonical"
  "carl-c10|$g --predictor carl --dataset cifar10"
  "carl-c100|$g --predictor carl --dataset cifar100"
  "carl-in16|$g --predictor carl --dataset imagenet16"
  "gcn-c10|$g --predictor gcn"
  "mlp-c10|$g --predictor mlp"
  "tart-c10|$g --predictor tart --seeds 1"
  "kriging-in16|$g --kriging --top-weight 2 --dataset imagenet16"
  "ensemble-c10|$g --ensemble 3 --acquisition ucb"
  "neighbour-in16|$g --neighbour-weight 0.5 --dataset imagenet16"
  "everyk-c100|$g --retrain every-k --retrain-every 10 --warm-start=false --dataset cifar100"
  "whole-c10|$g --whole-space --seeds 1"
  "rea-darts|--algo rea --space darts --seeds 3"
  "carl-darts|$g --space darts --seeds 1"
  "rea-nb101|--algo rea --space nb101 --seeds 3"
  "carl-nb101|$g --space nb101 --seeds 1"
  "rea-macro|--algo rea --space macro --seeds 3"
  "carl-macro|$g --space macro --seeds 1"
  "rea-graph|--algo rea --space graph --seeds 3"
  "carl-graph|$g --space graph --seeds 1"
  "rea-transnas|--algo rea --space transnas-micro --seeds 3"
  "carl-transnas|$g --space transnas-micro --seeds 1"
  "rea-local2-sync|--algo rea --seeds 3 --workers 2 --mode sync"
  "carl-local2-sync|$g --workers 2 --mode sync --seeds 1"
  "rea-sim-sync|--algo rea --seeds 3 $sim --mode sync"
  "rea-sim-async|--algo rea --seeds 3 $sim --mode async"
  "carl-sim-sync|$g $sim --mode sync"
  "carl-sim-async|$g $sim --mode async"
  "carl-sim-async-retrain|$g $sim --mode async --async"
  "random-sim-async|--algo random --seeds 3 $sim --mode async"
  "mpi:carl-mpi-sync|$g --executor mpi --mode sync --seeds 1"
  "mpi:rea-mpi-sync|--algo rea --seeds 2 --executor mpi --mode sync"
)
case "${1:-}" in
  list) for c in "${configs[@]}"; do echo "${c%%|*}"; done ;;
  run)
    nas=$(realpath "$2"); out=$3; mkdir -p "$out"
    for c in "${configs[@]}"; do
      name=${c%%|*} args=${c#*|}
      if [[ $name == mpi:* ]]; then
        name=${name#mpi:}
        # shellcheck disable=SC2086
        mpirun --oversubscribe -np 3 "$nas" search $args --threads 1 --out "$out/$name" > "$out/$name.log" 2>&1 || { echo "$name failed"; tail "$out/$name.log"; }
      else
        # shellcheck disable=SC2086
        "$nas" search $args --threads 1 --out "$out/$name" > "$out/$name.log" 2>&1 || { echo "$name failed"; tail "$out/$name.log"; }
      fi
      echo "ran $name"
    done ;;
  compare)
    /usr/bin/python3 - "$2" "$3" <<'PY'
import csv, pathlib, sys
a, b = map(pathlib.Path, sys.argv[1:3])
wall = {"submitted", "finished", "worker", "train_seconds", "seconds"}
def rows(p, simulated):
    with open(p, newline="") as f:
        r = list(csv.reader(f))
    if not r: return r
    drop = {i for i, h in enumerate(r[0]) if h in (wall if not simulated else {"seconds", "train_seconds"})}
    return [[v for i, v in enumerate(row) if i not in drop] for row in r]
same = differ = 0
for d in sorted(p for p in a.iterdir() if p.is_dir()):
    sim = "-sim-" in d.name
    files = sorted((d / "trajectories").glob("*.csv"))
    if not files:
        print(f"{d.name}: no trajectories in {a}"); differ += 1; continue
    bad = []
    for f in files:
        g = b / d.name / "trajectories" / f.name
        if not g.exists(): bad.append(f"{f.name} missing"); continue
        if rows(f, sim) != rows(g, sim): bad.append(f.name)
    n = len(files)
    if bad: differ += 1; print(f"{d.name}: DIFFERENT ({', '.join(bad)})")
    else: same += 1; print(f"{d.name}: identical ({n} files)")
print(f"{same} configurations identical, {differ} different")
sys.exit(1 if differ else 0)
PY
    ;;
  *) echo "usage: $0 run NAS OUT | compare A B | list"; exit 2 ;;
esac
