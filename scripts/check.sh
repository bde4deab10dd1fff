#!/usr/bin/env bash
# Sanitizer passes: AddressSanitizer + UndefinedBehaviorSanitizer over the test suite, and
# ThreadSanitizer over the engine's tests (threads, executors, asynchronous retraining, journal).
# Usage: scripts/check.sh [full|ci|ci-build|asan|tsan]   (default full)
#   asan  build-asan/: the whole suite (LibTorch included, 116 ctest tests; install_package is left
#         out: a package built with sanitizers links only into sanitized projects).
#   ci    build-torch-free-asan/: the torch-free configuration (-DNAS_WITH_TORCH=OFF, 110 tests, the torch-free `nas` among them)
#         under ASan + UBSan, then tsan. scripts/test.sh runs this after the main suite.
#   tsan  build-tsan/ (torch-free): test_engine and test_core with oneTBB capped at 1 thread
#         (NAS_TEST_TBB_THREADS=1, see tests/test_main.cpp). Debian's oneTBB is not instrumented, so
#         TSan cannot see its task synchronisation and reports every hand-off between TBB tasks as
#         a race (492 reports on this code with TBB parallel, every one in or across a TBB task);
#         the engine's TBB bodies write disjoint elements and read inputs nobody writes meanwhile
#         (reviewed: generate_children, the multi-seed runners, child scoring). With TBB serial,
#         TSan sees the engine's own threads completely: executor workers, asynchronous retraining,
#         the journal, observers.
#   full  asan, then tsan.
#   ci-build  builds what `ci` runs, runs nothing.
# Any ASan, UBSan (no recovery) or TSan report fails the run. LeakSanitizer is off: LibTorch and
# oneTBB keep process-lifetime allocations.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-full}
bash scripts/setup.sh > /dev/null
export NAS_DATA_DIR=${NAS_DATA_DIR:-$(cd .. && pwd)/shared/datasets}
export OMP_WAIT_POLICY=PASSIVE
asan_flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
# -O1 -g1 (line tables: reports still name functions, files and lines): ASan's recommended level,
# and 40 % less compile time than RelWithDebInfo's -O2 -g (measured: test_main.cpp 82 -> 50 s,
# apps/cli.cpp 40 -> 23 s under ASan).
configure() {  # $1 = build dir, rest = cmake options
  local dir=$1; shift
  mkdir -p "$dir"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" "$@" \
    > "$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; exit 1; }
}
asan_build() {  # $1 = build dir, rest = cmake options
  local dir=$1; shift
  configure "$dir" -DNAS_WITH_PYTHON=OFF -DCMAKE_CXX_FLAGS="$asan_flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" "$@"
  ninja -C "$dir" > "$dir/build.log" 2>&1 || { tail -50 "$dir/build.log"; exit 1; }
}
asan() {  # $1 = build dir, rest = cmake options
  local dir=$1
  asan_build "$@"
  echo "== ASan + UBSan: $dir"
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" -E '^install_package$'
}
tsan_build() {
  configure build-tsan -DNAS_WITH_TORCH=OFF -DNAS_WITH_PYTHON=OFF -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread"
  ninja -C build-tsan test_engine test_core > build-tsan/build.log 2>&1 || { tail -50 build-tsan/build.log; exit 1; }
}
tsan() {
  tsan_build
  echo "== TSan: test_engine and test_core (every registered search on every executor), oneTBB serial"
  NAS_TEST_TBB_THREADS=1 TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" ./build-tsan/tests/test_engine
  NAS_TEST_TBB_THREADS=1 TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" ./build-tsan/tests/test_core
}
case "$what" in
  asan) asan build-asan ;;
  tsan) tsan ;;
  ci) asan build-torch-free-asan -DNAS_WITH_TORCH=OFF; tsan ;;
  ci-build) asan_build build-torch-free-asan -DNAS_WITH_TORCH=OFF; tsan_build ;;
  full) asan build-asan; tsan ;;
  *) echo "usage: scripts/check.sh [full|ci|ci-build|asan|tsan]"; exit 2 ;;
esac
