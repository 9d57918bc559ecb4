#!/usr/bin/env bash
# Re-runs everything from scratch: tunes the seven hand-designed optimizers on the MNIST
# objective, makes the four shipped policies again with their recipes (policies/*.recipe.sh:
# L2LBGDBGD, the paper-protocol PSD, the default PSD and psd-small), and runs the whole comparison with what it
# produced (nothing shipped in the repository is used; the shipped files are not touched).
#
#   L2O_REPRO_OUT    folder for everything (default results/from-scratch)
#   L2O_REPRO_SEEDS  runs per optimizer and panel of the comparison (default 10)
#
# About 3 hours on a 2-core machine, estimated from its parts (not measured end to end in this
# form): tuning ~13 min, L2LBGDBGD ~20 min, the paper-protocol PSD ~20 min, the default PSD 55 min
# (measured), psd-small 11 min (measured), the comparison with 10 seeds and two PSD policies ~1 hour (docs/experiments.md,
# docs/meta-training.md, docs/l2l.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
out="${L2O_REPRO_OUT:-results/from-scratch}"
seeds="${L2O_REPRO_SEEDS:-10}"
mkdir -p "$out"
./build/l2o tune --jobs "$(nproc)" --out "$out/tuned.json"
policies/l2l-mnist.recipe.sh "$out/l2l-mnist"
policies/psd-mnist.recipe.sh "$out/psd-mnist" "$out/tuned.json"
policies/psd-mnist-multi-60min.recipe.sh "$out/psd-mnist-multi-60min" "$out/tuned.json"
policies/psd-small.recipe.sh "$out/psd-small" 1
./build/l2o bench --experiment all --seeds "$seeds" --tuned "$out/tuned.json" \
  --policy psd="$out/psd-mnist-multi-60min/psd-mnist-multi-60min.json" \
  --policy psd-paper="$out/psd-mnist/psd-mnist.json" --policy l2l="$out/l2l-mnist/l2l-mnist.json" \
  --policy psd-small="$out/psd-small/psd-small-s1.json" \
  --out "$out/bench"
echo
echo "The report is $out/bench/report.md."
