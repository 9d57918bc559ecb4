# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: the one instrumented build both use, so CI
# compiles it once. clang (libFuzzer needs it), AddressSanitizer + UndefinedBehaviorSanitizer at
# -O1 (CMake option L2O_SANITIZE), coverage instrumentation for the fuzz targets; no `long` tests
# (tests/<part>/long/: the whole-run numerical checks run once, in the normal build), no benchmarks or
# examples, no Python module (an instrumented extension cannot load into the plain interpreter;
# the pytest suite runs in the normal build), no MPI (OpenMPI's own start-up allocations would be
# LeakSanitizer reports about OpenMPI, not l2o; the wrapper's single-process path is still
# instrumented and the MPI test runs in the normal build), no oneDNN (Debian's libdnnl runs on GNU
# OpenMP beside clang's libomp; the bf16x3 tests skip there and run in the normal build). Folder: build-asan/ or $L2O_ASAN_BUILD_DIR.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
asan_build="${L2O_ASAN_BUILD_DIR:-$root/build-asan}"
asan_configure() {
  CXX="${CXX:-clang++}" cmake -S "$root" -B "$asan_build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DL2O_SANITIZE=ON \
    -DL2O_BUILD_FUZZERS=ON -DL2O_BUILD_LONG_TESTS=OFF -DL2O_BUILD_BENCHMARKS=OFF -DL2O_BUILD_EXAMPLES=OFF -DL2O_BUILD_PYTHON=OFF -DL2O_MPI=OFF -DL2O_ONEDNN=OFF -DL2O_UNITY_BUILD="${L2O_UNITY_BUILD:-ON}" \
    ${L2O_ASAN_CMAKE_ARGS:-} >/dev/null
}
# What the sanitizers do on a finding: stop with a stack trace, so the test or fuzz run fails.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
