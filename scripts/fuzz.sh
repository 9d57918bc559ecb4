#!/usr/bin/env bash
# Builds the libFuzzer target for the data readers (fuzz/fuzz_readers.cpp) with clang and runs it.
#   scripts/fuzz.sh [SECONDS]      default 20; build in build-fuzz/ (or $L2O_FUZZ_BUILD_DIR)
# Exits non-zero if the build fails or the fuzzer finds a crash, leak, hang or sanitizer error;
# the offending input is then left in the build folder as crash-*/leak-*/timeout-*.
set -euo pipefail

seconds="${1:-20}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${L2O_FUZZ_BUILD_DIR:-$root/build-fuzz}"

CXX="${CXX:-clang++}" cmake -S "$root" -B "$build" -G Ninja -DL2O_BUILD_FUZZERS=ON \
  -DL2O_BUILD_TESTS=OFF -DL2O_BUILD_BENCHMARKS=OFF -DL2O_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target fuzz_readers -j2

# A seed corpus of one small valid input per reader (first byte selects the reader; see the
# target). Written fresh each run, into a temporary folder, so nothing generated is committed.
corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
idx_images='\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x02\x01\x02\x03\x04\x05\x06\x07\x08'
idx_labels='\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02\x03'
printf "\x00${idx_images}" >"$corpus/idx-images"
printf "\xa1${idx_labels}" >"$corpus/idx-labels"
{ printf '\x02'; printf "$idx_images" | gzip -c; } >"$corpus/idx-images-gz"
{ printf '\x03'; printf "$idx_labels" | gzip -c; } >"$corpus/idx-labels-gz"
{ printf '\x04\x07'; head -c 3072 /dev/zero; } >"$corpus/cifar10"
{ printf '\x05\x03\x2a'; head -c 3072 /dev/zero; } >"$corpus/cifar100"
{ printf '\x06\x13\x63'; head -c 3072 /dev/zero; } >"$corpus/cifar100-coarse"
# Projection cache: magic, version 1, key "k", name "n", display "d", 2 classes, width 1, seed 0,
# 1 training example (one double 0.0, label 1), 0 test examples.
{ printf '\x07L2OPROJ\x00\x01\x00\x00\x00\x01\x00\x00\x00k\x01\x00\x00\x00n\x01\x00\x00\x00d'
  printf '\x02\x00\x00\x00\x01\x00\x00\x00'; head -c 8 /dev/zero
  printf '\x01\x00\x00\x00\x00\x00\x00\x00'; head -c 8 /dev/zero
  head -c 8 /dev/zero; printf '\x01\x00\x00\x00'; } >"$corpus/cache"

cd "$build"
./fuzz_readers -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 "$corpus"
