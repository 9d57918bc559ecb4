#!/usr/bin/env bash
# The test command: sets up (scripts/setup.sh), runs the whole test suite with ctest, and runs the
# fuzz target of the binary readers for a short while.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 900
scripts/fuzz.sh "${L2O_FUZZ_SECONDS:-30}"
