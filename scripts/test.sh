#!/usr/bin/env bash
# The test command: sets up (scripts/setup.sh), runs the whole test suite with ctest, runs it again
# under AddressSanitizer + UndefinedBehaviorSanitizer (scripts/sanitize.sh: every test but those
# labelled `long`, the whole-run numerical checks; skipped with L2O_SKIP_SANITIZE=1), and runs each
# fuzz target of that instrumented build for a short while (scripts/fuzz.sh; $L2O_FUZZ_SECONDS per
# target, default 30). Ends with a table of each phase's duration (scripts/lib/phases.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
L2O_PHASE_LOG="$(mktemp)"
export L2O_PHASE_LOG
source scripts/lib/phases.sh
trap 'phase_table; rm -f "$L2O_PHASE_LOG"' EXIT
scripts/setup.sh
phase tests ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 900
[ "${L2O_SKIP_SANITIZE:-0}" = 1 ] || scripts/sanitize.sh
phase fuzz scripts/fuzz.sh "${L2O_FUZZ_SECONDS:-30}"
