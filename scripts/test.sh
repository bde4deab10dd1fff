#!/usr/bin/env bash
# Sets up, builds and runs every test (unit + integration on ../shared/datasets), then builds the
# torch-free configuration (-DNAS_WITH_TORCH=OFF: spaces, tables, engine, MPI executor) and runs
# its tests (NAS_SKIP_TORCH_FREE=1 skips that second build).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# libgomp threads sleep rather than spin: torch tests share the cores with other tests (ctest -j).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
if [ "${NAS_SKIP_TORCH_FREE:-0}" != 1 ]; then
  echo "== torch-free build (-DNAS_WITH_TORCH=OFF)"
  BUILD_DIR=build-torch-free CMAKE_ARGS="-DNAS_WITH_TORCH=OFF ${CMAKE_ARGS:-}" bash scripts/build.sh > /dev/null
  ctest --test-dir build-torch-free --output-on-failure -j "$(nproc)" "$@"
fi
