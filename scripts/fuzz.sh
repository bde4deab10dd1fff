#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, ASan + UBSan, torch-free) and runs each for SECONDS
# (default 60), starting from the committed seed corpora in fuzz/corpus/<target> (grown copies are
# kept in build-fuzz/corpus/). A crash or a violated property stops that target with its input
# saved as build-fuzz/crash-* and makes the script fail.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   targets: arch csv config images journal (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("${@:-arch csv config images journal}")
read -r -a targets <<< "${targets[*]}"
command -v clang++ > /dev/null || { echo "fuzz.sh: needs clang (apt-get install clang)"; exit 1; }
mkdir -p build-fuzz
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNAS_WITH_TORCH=OFF -DNAS_WITH_MPI=OFF \
  -DNAS_WITH_PYTHON=OFF -DNAS_BUILD_TESTS=OFF -DNAS_BUILD_FUZZERS=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" > build-fuzz/configure.log 2>&1 \
  || { cat build-fuzz/configure.log; exit 1; }
ninja -C build-fuzz $(printf 'fuzz_%s ' "${targets[@]}")
status=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  echo "== fuzz_$t for ${seconds} s"
  if ! (cd build-fuzz && "./fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=8192 -rss_limit_mb=2048 -print_final_stats=1 \
          "corpus/$t" "../fuzz/corpus/$t" 2>&1 | grep -aE "^(stat::number_of_executed_units|stat::peak_rss_mb|property|==[0-9]+==|SUMMARY)|Done"); then
    :
  fi
  if compgen -G "build-fuzz/crash-*" > /dev/null || compgen -G "build-fuzz/oom-*" > /dev/null || compgen -G "build-fuzz/timeout-*" > /dev/null; then
    echo "fuzz_$t: found an input that fails (build-fuzz/crash-*)"
    status=1
    break
  fi
done
exit $status
