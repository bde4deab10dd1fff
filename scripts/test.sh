#!/usr/bin/env bash
# Sets up, builds and runs every test (unit + integration on ../shared/datasets).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# libgomp threads sleep rather than spin: torch tests share the cores with other tests (ctest -j).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
