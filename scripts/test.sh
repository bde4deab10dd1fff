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
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
if [ "${NAS_SKIP_SANITIZERS:-0}" != 1 ]; then
  bash scripts/check.sh ci
fi
