#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*.cpp) in the instrumented build (scripts/lib/asan_build.sh)
# and runs each for a while, seeded:
#   fuzz_readers: the binary data readers (IDX, gzip, CIFAR, projection cache)
#   fuzz_json:    every JSON document a user hands l2o (policies, meta-training config, checkpoints
#                 of both methods, tuned values), seeded with the shipped files and checkpoints of
#                 a one-step meta-training on the target's tiny task
#   scripts/fuzz.sh [SECONDS]      per target; default 20
# Exits non-zero if the build fails or a fuzzer finds a crash, leak, hang or sanitizer error; the
# offending input is then left in the build folder as crash-*/leak-*/timeout-*.
set -euo pipefail
source "$(dirname "$0")/lib/asan_build.sh"
seconds="${1:-20}"
asan_configure
cmake --build "$asan_build" --target fuzz_readers fuzz_json -j"$(nproc)"

# Seed corpora, written fresh each run into a temporary folder, so nothing generated is committed.
corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
mkdir "$corpus/readers" "$corpus/json"

# fuzz_readers: one small valid input per reader (the first byte selects the reader; see the target).
c="$corpus/readers"
idx_images='\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x02\x01\x02\x03\x04\x05\x06\x07\x08'
idx_labels='\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02\x03'
printf "\x00${idx_images}" >"$c/idx-images"
printf "\xa1${idx_labels}" >"$c/idx-labels"
{ printf '\x02'; printf "$idx_images" | gzip -c; } >"$c/idx-images-gz"
{ printf '\x03'; printf "$idx_labels" | gzip -c; } >"$c/idx-labels-gz"
{ printf '\x04\x07'; head -c 3072 /dev/zero; } >"$c/cifar10"
{ printf '\x05\x03\x2a'; head -c 3072 /dev/zero; } >"$c/cifar100"
{ printf '\x06\x13\x63'; head -c 3072 /dev/zero; } >"$c/cifar100-coarse"
# Projection cache: magic, version 1, key "k", name "n", display "d", 2 classes, width 1, seed 0,
# 1 training example (one double 0.0, label 1), 0 test examples.
{ printf '\x07L2OPROJ\x00\x01\x00\x00\x00\x01\x00\x00\x00k\x01\x00\x00\x00n\x01\x00\x00\x00d'
  printf '\x02\x00\x00\x00\x01\x00\x00\x00'; head -c 8 /dev/zero
  printf '\x01\x00\x00\x00\x00\x00\x00\x00'; head -c 8 /dev/zero
  head -c 8 /dev/zero; printf '\x01\x00\x00\x00'; } >"$c/cache"

# fuzz_json: selector 0 PSD policy, 1 L2L policy, 2 PSD config, 3/4 PSD/L2L checkpoint, 5 tuned values.
# The shipped PSD policy (2.9 MB; an execution would take ~1 s) is replaced by the small PSD policy
# the target writes with the checkpoints; the unit tests load the shipped one.
c="$corpus/json"
{ printf '\x01'; cat "$root/policies/l2l-mnist.json"; } >"$c/l2l-policy"
{ printf '\x02'; cat "$root/policies/psd-mnist.gps.config.json"; } >"$c/psd-config"
{ printf '\x05'; cat "$root/configs/tuned.json"; } >"$c/tuned"
L2O_FUZZ_WRITE_SEEDS="$c" "$asan_build/fuzz_json"

cd "$asan_build"
for target in readers json; do
  # -max_len: the seeds (tuned.json 88 KB, l2l-mnist.json 57 KB) must fit unmodified.
  rc=0
  ./fuzz_$target -max_total_time="$seconds" -max_len=131072 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    "$corpus/$target" >"fuzz_$target.log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "fuzz_$target.log")
  echo "fuzz_$target: ${runs:-?} executions in $seconds s (log: $asan_build/fuzz_$target.log)"
  if [ $rc -ne 0 ]; then
    grep -E "ERROR|SUMMARY|Test unit written|deadly|==[0-9]+==" "fuzz_$target.log" | head -20
    echo "fuzz_$target failed (exit $rc)"
    exit 1
  fi
done
