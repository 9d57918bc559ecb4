#!/usr/bin/env bash
# The whole ctest suite under AddressSanitizer + UndefinedBehaviorSanitizer (scripts/lib/asan_build.sh),
# run by scripts/test.sh after the normal suite. Every test runs (the suite takes under 3 minutes
# sanitized) and no sanitizer finding is suppressed.
#   scripts/sanitize.sh            build (all targets of the instrumented build) and run ctest
# Prints the time it took; exits non-zero on any build error, test failure or sanitizer report.
set -euo pipefail
source "$(dirname "$0")/lib/asan_build.sh"
start=$(date +%s)
asan_configure
cmake --build "$asan_build" -j"$(nproc)"
built=$(date +%s)
ctest --test-dir "$asan_build" --output-on-failure -j"$(nproc)" --timeout 1500
end=$(date +%s)
echo "sanitize: build $((built - start)) s, tests $((end - built)) s"
