#!/usr/bin/env bash
# Sets up, builds and runs every test (unit + integration on ../shared/datasets); then the
# torch-free configuration (-DNAS_WITH_TORCH=OFF) built with AddressSanitizer + UBSan and its 110
# tests, and the engine's tests under ThreadSanitizer (scripts/check.sh ci; NAS_SKIP_SANITIZERS=1
# skips them; scripts/check.sh full runs the whole suite under ASan + UBSan).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# libgomp threads sleep rather than spin: torch tests share the cores with other tests (ctest -j).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
# The sanitizer configurations build meanwhile at the lowest priority: the main suite's tests wait
# on child processes, sleeps and MPI ranks more than they compute, and the build takes the idle
# cores (on 2 cores: about 3 minutes of CI saved; the tests' CPU share is unchanged).
sanitizers=0
if [ "${NAS_SKIP_SANITIZERS:-0}" != 1 ]; then
  sanitizers=1
  # (Same session, no setsid: with the kernel's autogroup scheduling a new session would be a
  # group of its own, and its nice value would no longer yield to the tests.)
  nice -n 19 bash scripts/check.sh ci-build > sanitizer-build.log 2>&1 &
  sanitizer_build=$!
fi
status=0
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@" || status=$?
if [ "$sanitizers" = 1 ]; then
  if [ "$status" != 0 ]; then
    pkill -TERM -P "$sanitizer_build" 2> /dev/null || true  # ninja (it stops its compilers), cmake
    kill "$sanitizer_build" 2> /dev/null || true
    exit "$status"
  fi
  wait "$sanitizer_build" || { echo "sanitizer build failed:"; tail -60 sanitizer-build.log; exit 1; }
  bash scripts/check.sh ci  # the builds are up to date: it runs the tests
fi
exit "$status"
