#!/usr/bin/env bash
# Issue 15 point 1: CARL vs GCN (its ablation, lambda_R = lambda_I = 0) vs TART vs MLP under shifted
# training distributions, paired seeds. One predict-eval per benchmark over every split and size;
# each writes <OUT>/<space>-<dataset>/runs.csv as it goes, and a rerun resumes where it stopped.
# Usage: bench/split_study.sh [OUT]
#   env: SEEDS=10, SIZES=50,100,200, PREDICTORS=carl,gcn,tart,mlp,
#        STUDIES="nb201:cifar10 nb201:cifar100 nb201:imagenet16 nb101:cifar10 darts:cifar10"
# Two halves can run at once on 2 cores (one torch thread each), e.g.
#   STUDIES="nb201:imagenet16 nb201:cifar100" bench/split_study.sh & STUDIES="nb201:cifar10 nb101:cifar10 darts:cifar10" bench/split_study.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out/split_study}
seeds=${SEEDS:-10}
sizes=${SIZES:-50,100,200}
predictors=${PREDICTORS:-carl,gcn,tart,mlp}
studies=${STUDIES:-"nb201:cifar10 nb201:cifar100 nb201:imagenet16 nb101:cifar10 darts:cifar10"}
# Shifted splits per space: without-op is NB201's (skip_connect on edge 0->3, the surrogates' known
# blind spot); max-param-ops K leaves a sizeable part to test (NB101 sample: K=2; DARTS: 16 ops, K=9).
declare -A splits=(
  [nb201]="uniform,worse-half,without-op:skip_connect@3,max-param-ops:2,rea-visited"
  [nb101]="uniform,worse-half,max-param-ops:2,rea-visited"
  [darts]="uniform,worse-half,max-param-ops:9,rea-visited"
)
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
for st in $studies; do
  space=${st%%:*} dataset=${st#*:}
  echo "== $space $dataset ($(date +%T))"
  build/apps/nas predict-eval --space "$space" --dataset "$dataset" --predictor "$predictors" --train-sizes "$sizes" --seeds "$seeds" \
    --split "${SPLITS:-${splits[$space]}}" --torch-threads 1 --threads 1 --out "$out/$space-$dataset" > "$out/$space-$dataset.txt" 2> "$out/$space-$dataset.log"
  grep '^paired' "$out/$space-$dataset.txt" | head -3
done
