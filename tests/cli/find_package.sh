#!/usr/bin/env bash
# find_package(l2o) from an installed prefix: `cmake --install` the build into a fresh prefix,
# configure examples/find_package (a project outside the tree) against it, build and run it.
# Usage: find_package.sh PATH_TO_L2O (the build folder is the binary's folder).
source "$(dirname "$0")/lib/common.sh"
set -o pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$(dirname "$L2O")" && pwd)
cache() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt"; }

cmake --install "$BUILD" --prefix "$TMP/prefix" >"$TMP/install.log" 2>&1 || fail "cmake --install failed: $(tail -5 "$TMP/install.log")"
[ -f "$TMP/prefix/lib/cmake/l2o/l2oConfig.cmake" ] || [ -n "$(find "$TMP/prefix" -name l2oConfig.cmake)" ] ||
  fail "no l2oConfig.cmake under the prefix"
[ -f "$TMP/prefix/include/l2o/core/layout.hpp" ] || fail "the headers were not installed"

# The example is built the way the library was: same compiler, and the sanitizers where the library has them.
args=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$TMP/prefix" -DCMAKE_CXX_COMPILER="$(cache CMAKE_CXX_COMPILER)")
if [ "$(cache L2O_SANITIZE)" = ON ]; then
  args+=(-DCMAKE_CXX_FLAGS="-fsanitize=address,undefined" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined")
fi
command -v ninja >/dev/null || args=("${args[@]:2}")
cmake -S "$SRC/examples/find_package" -B "$TMP/example" "${args[@]}" >"$TMP/configure.log" 2>&1 ||
  fail "configuring examples/find_package against the prefix failed: $(tail -20 "$TMP/configure.log")"
grep -q "l2o_DIR:PATH=$TMP/prefix" "$TMP/example/CMakeCache.txt" || fail "l2o was not found in the prefix: $(grep l2o_DIR "$TMP/example/CMakeCache.txt")"
cmake --build "$TMP/example" >"$TMP/build.log" 2>&1 || fail "building examples/find_package failed: $(tail -30 "$TMP/build.log")"
"$TMP/example/fit_quadratic" >"$TMP/out" 2>&1 || fail "fit_quadratic failed: $(cat "$TMP/out")"
grep -q "^layout: dim 24, W1 at 0, b1 at 18" "$TMP/out" || fail "unexpected layout: $(cat "$TMP/out")"
grep -q "^adam: loss" "$TMP/out" || fail "no Adam run: $(cat "$TMP/out")"
grep -q "^psd (untrained policy): loss" "$TMP/out" || fail "no PSD run: $(cat "$TMP/out")"
echo "find_package(l2o) from $TMP/prefix: examples/find_package builds and runs"
