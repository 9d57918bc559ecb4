#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer (scripts/lib/asan_build.sh),
# run by scripts/test.sh after the normal suite. It runs what sanitizers are for: parsing, memory,
# threading, and the numerical code on small inputs. The tests labelled `long` (whole-run
# numerical checks: 400-iteration traces, shipped-policy evaluations; tests/<part>/long/ and
# tests/cli/long/) are not built there and run once, in the normal build. No sanitizer finding is
# suppressed.
#   scripts/sanitize.sh            build (all targets of the instrumented build) and run ctest
# Prints each phase's time; exits non-zero on any build error, test failure or sanitizer report.
set -euo pipefail
source "$(dirname "$0")/lib/asan_build.sh"
source "$(dirname "$0")/lib/phases.sh"
asan_build_all() {
  asan_configure && cmake --build "$asan_build" -j"$(nproc)"
}
phase "sanitized build" asan_build_all
phase "sanitized tests" ctest --test-dir "$asan_build" --output-on-failure -j"$(nproc)" --timeout 1500 --label-exclude long
