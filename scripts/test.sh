#!/usr/bin/env bash
# The test command: sets up (scripts/setup.sh), runs the whole test suite with ctest, runs it again
# under AddressSanitizer + UndefinedBehaviorSanitizer (scripts/sanitize.sh; skipped with
# L2O_SKIP_SANITIZE=1), and runs each fuzz target of that instrumented build for a short while
# (scripts/fuzz.sh; $L2O_FUZZ_SECONDS per target, default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 900
[ "${L2O_SKIP_SANITIZE:-0}" = 1 ] || scripts/sanitize.sh
scripts/fuzz.sh "${L2O_FUZZ_SECONDS:-30}"
