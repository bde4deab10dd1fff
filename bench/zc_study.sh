#!/usr/bin/env bash
# Zero-cost proxies on NAS-Bench-201 (issue 25), four parts, each resumable (a part whose output
# exists is skipped; `nas zc` files resume themselves):
#  1. scores of all 15,625 cells per dataset (synflow, params, flops, l2_norm; 2 threads; timed);
#  2. agreement with NASLib's stored values on the NB201 subset: every proxy on the first ROWS rows
#     per dataset, seeds 0 and 1 (CIFAR-shaped random data: NASLib used real images), and the
#     data-free proxies on all rows;
#  3. searches on the table, SEEDS seeds, budget 100: guided and REA with and without
#     --zc-warmup 100 (synflow, from part 1's file), guided with --zc-features (synflow; the four
#     data-free proxies of part 1; synflow with the warm-up too), and the zero-training baseline
#     --algo zc;
#     Then nas predict-eval on CIFAR-10 (carl, gcn, mlp, tart; 20-200 training cells; 5 seeds)
#     with and without --zc-features synflow,params,flops,l2_norm;
#  4. bench/zc_report.py: the tables (NASLib agreement, Spearman with *_test_200ep over all cells,
#     search means at 20/50/100 and seeds at the optimum).
# Usage: bench/zc_study.sh [SEEDS] [ROWS]   (OUT=folder)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-30}
rows=${2:-250}
out=${OUT:-bench-out/zc-study}
data=${NAS_DATA_DIR:-../shared/datasets}
[ -x build/apps/nas ] || NINJA_TARGETS=nas bash scripts/build.sh
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
nas=build/apps/nas
for ds in cifar10 cifar100 ImageNet16-120; do
  if [ ! -f "$out/all_$ds.done" ]; then
    start=$(date +%s)
    $nas zc --dataset "$ds" --proxies synflow,params,flops,l2_norm --threads 2 --out "$out/all_$ds.csv" > "$out/all_$ds.txt" 2> "$out/all_$ds.err"
    echo "$(( $(date +%s) - start ))" > "$out/all_$ds.done"
    echo "all cells $ds: $(cat "$out/all_$ds.done") s"
  fi
done
for ds in cifar10 cifar100 ImageNet16-120; do
  awk -F, -v ds="$ds" 'NR == 1 || $1 == ds' "$data/nasbench201/naslib_zc_nb201_subset.csv" > "$out/subset_$ds.csv"
  head -$((rows + 1)) "$out/subset_$ds.csv" > "$out/subset_${ds}_head.csv"
  $nas zc --table "$out/subset_$ds.csv" --dataset "$ds" --proxies data-free --threads 2 --out "$out/naslib_df_$ds.csv" > /dev/null 2>&1
  for s in 0 1; do
    $nas zc --table "$out/subset_${ds}_head.csv" --dataset "$ds" --data random --proxies all --seed "$s" --threads 2 \
      --out "$out/naslib_all_${ds}_seed$s.csv" > /dev/null 2>&1
  done
  echo "NASLib subset $ds: scored"
done
for ds in cifar10 cifar100 imagenet16; do
  zds=$([ $ds = imagenet16 ] && echo ImageNet16-120 || echo $ds)
  zc=(--zc-proxies synflow --zc-file "$out/all_$zds.csv")
  for a in guided guided-zc guided-zf guided-zf4 guided-zc-zf rea rea-zc zc; do
    [ -f "$out/search-$ds-$a/summary.json" ] && continue
    case $a in
      guided) args=(--algo guided --predictor carl) ;;
      guided-zc) args=(--algo guided --predictor carl "${zc[@]}" --zc-warmup 100) ;;
      guided-zf) args=(--algo guided --predictor carl --zc-features synflow --zc-file "$out/all_$zds.csv") ;;
      guided-zf4) args=(--algo guided --predictor carl --zc-features synflow,params,flops,l2_norm --zc-file "$out/all_$zds.csv") ;;
      guided-zc-zf) args=(--algo guided --predictor carl "${zc[@]}" --zc-warmup 100 --zc-features synflow) ;;
      rea) args=(--algo rea) ;;
      rea-zc) args=(--algo rea "${zc[@]}" --zc-warmup 100) ;;
      zc) args=(--algo zc "${zc[@]}") ;;
    esac
    $nas search --space nb201 --dataset "$ds" --seeds "$seeds" --budget 100 "${args[@]}" --out "$out/search-$ds-$a" > "$out/search-$ds-$a.txt" 2>&1
    echo "search $ds $a: $(tail -1 "$out/search-$ds-$a.txt")"
  done
done
# Surrogate quality with and without the proxies as inputs (CIFAR-10; every surrogate, small
# training sets): nas predict-eval, the same training cells for both.
for f in plain features; do
  [ -f "$out/predict-$f/summary.json" ] && continue
  extra=()
  [ $f = features ] && extra=(--zc-features synflow,params,flops,l2_norm --zc-file "$out/all_cifar10.csv")
  $nas predict-eval --dataset cifar10 --predictor carl,gcn,mlp,tart --train-sizes 20,50,100,200 --seeds 5 "${extra[@]}" \
    --out "$out/predict-$f" > "$out/predict-$f.txt" 2>&1
  echo "predict-eval $f: done"
done
/usr/bin/python3 bench/zc_report.py "$out" "$data"
