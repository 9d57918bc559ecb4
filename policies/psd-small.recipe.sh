#!/usr/bin/env bash
# The recipe of policies/psd-small.json (docs/psd-small.md, "Meta-training"): psd-small starts as
# Adam at lr 0.003 (its read-out zero, `l2o policy new-small`), then antithetic ES moves its
# read-out and step-size head on the meta-loss of a family of MNIST nets: projected and raw
# 784-pixel inputs, widths 20-784, depths 1-3, ReLU and tanh, minibatches 10-512, horizons 200-2000
# (policies/psd-small.es.config.json). The file keeps the update with the best validation score
# (seeds 900+, never the evaluation seeds 1000+).
#
#   policies/psd-small.recipe.sh [OUT_DIR] [SEED]   (defaults results/psd-small, 1)
#
# Writes OUT_DIR/psd-small-s<SEED>.json and its checkpoint; run it again with the same arguments to
# resume an interrupted run from the checkpoint. Needs build/l2o and data/mnist; about an hour on 2
# cores. The shipped file is seed 1's; seeds 2 and 3 give the spread (docs/psd-small.md).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-results/psd-small}"
seed="${2:-1}"
mkdir -p "$out"
./build/l2o policy new-small --lr 0.003 --hidden 8,8 --seed 1 --out "$out/init.json"
resume=()
[ -f "$out/psd-small-s$seed.json.checkpoint.json" ] && resume=(--resume "$out/psd-small-s$seed.json.checkpoint.json")
./build/l2o meta-train --method psd-es --dataset mnist --arch 48-48-10 --batch 64 --horizon 400 --train-size 5000 \
  --init-policy "$out/init.json" --es-config policies/psd-small.es.config.json --seed "$seed" --es-workers 2 \
  --out "$out/psd-small-s$seed.json" "${resume[@]}"
echo "wrote $out/psd-small-s$seed.json"
