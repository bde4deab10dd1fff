#!/usr/bin/env bash
# Installs dependencies (idempotent), configures with Ninja + ccache, builds everything.
# BUILD_DIR (default build) and BUILD_TYPE (default Release) may be overridden.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
mkdir -p "$BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" ${CMAKE_ARGS:-} > "$BUILD_DIR/configure.log" 2>&1 \
  || { cat "$BUILD_DIR/configure.log"; exit 1; }
ninja -C "$BUILD_DIR" ${NINJA_TARGETS:-}
