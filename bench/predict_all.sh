#!/usr/bin/env bash
# predict-eval tau at 100 training architectures for carl, tart, gcn, mlp on every table (issues 5, 6).
# Usage: bench/predict_all.sh [OUT_DIR]  (env: SEEDS, default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/predict_all}
SEEDS=${SEEDS:-5}
NAS=./build/apps/nas
run() { local name=$1; shift; $NAS predict-eval --predictor carl,tart,gcn,mlp --train-sizes 100 --seeds "$SEEDS" --out "$OUT/$name" "$@" > "$OUT/$name.log" 2>&1 || { cat "$OUT/$name.log"; exit 1; }; tail -6 "$OUT/$name.log"; }
mkdir -p "$OUT"
run nb101 --space nb101
run darts --space darts
run macro --space macro
run graph-cora --space graph --dataset cora
run graph-arxiv --space graph --dataset arxiv
for t in class_scene class_object jigsaw; do run transnas-$t --space transnas-micro --task $t; done
