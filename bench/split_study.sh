#!/usr/bin/env bash
# Issue 15 point 1: CARL vs GCN (its ablation, lambda_R = lambda_I = 0) vs TART vs MLP under shifted
# training distributions, paired seeds. One predict-eval per dataset over every split and size.
# Usage: bench/split_study.sh [OUT] (env: SEEDS=10, SIZES=50,100,200, DATASETS, PREDICTORS, SPLITS)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out/split_study}
seeds=${SEEDS:-10}
sizes=${SIZES:-50,100,200}
predictors=${PREDICTORS:-carl,gcn,tart,mlp}
datasets=${DATASETS:-"cifar10 cifar100 imagenet16"}
splits=${SPLITS:-"uniform,worse-half,without-op:skip_connect@3,max-param-ops:2,rea-visited"}
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
for d in $datasets; do
  echo "== nb201 $d"
  build/apps/nas predict-eval --dataset "$d" --predictor "$predictors" --train-sizes "$sizes" --seeds "$seeds" --split "$splits" \
    --torch-threads 1 --out "$out/nb201-$d" 2> "$out/nb201-$d.log"
done
