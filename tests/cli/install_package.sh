#!/usr/bin/env bash
# The installed CMake package as a user's project uses it: install the build into a prefix, then
# configure, build and run docs/embed_example.cpp against it with find_package(nas-engine).
# Usage: install_package.sh <build dir> <source dir> <nb201 table>
set -euo pipefail
build=$(realpath "$1") src=$(realpath "$2") table=$(realpath "$3")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log" || { cat "$tmp/install.log"; fail "install"; }
[ -f "$tmp/prefix/lib/cmake/nas-engine/nas-engineConfig.cmake" ] || fail "no package config installed"
[ -f "$tmp/prefix/include/nas/engine/guided.hpp" ] || fail "headers not installed"
mkdir "$tmp/user"
cat > "$tmp/user/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(user_of_nas CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(nas-engine 0.1 REQUIRED)
add_executable(embed "$src/docs/embed_example.cpp")
target_link_libraries(embed PRIVATE nas::datasets nas::engine nas::predictor)
CMAKE
gen=(); command -v ninja > /dev/null && gen=(-G Ninja)
cmake -S "$tmp/user" -B "$tmp/user/build" "${gen[@]}" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release > "$tmp/configure.log" 2>&1 \
  || { cat "$tmp/configure.log"; fail "find_package(nas-engine)"; }
cmake --build "$tmp/user/build" > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "building the example against the package"; }
OMP_WAIT_POLICY=PASSIVE "$tmp/user/build/embed" "$table" > "$tmp/run.txt" 2>&1 || { cat "$tmp/run.txt"; fail "running the example"; }
grep -q "best after 30 queries" "$tmp/run.txt" || { cat "$tmp/run.txt"; fail "unexpected output"; }
echo "install_package: installed, found with find_package, example built and run: $(cat "$tmp/run.txt")"
