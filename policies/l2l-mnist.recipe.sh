#!/usr/bin/env bash
# The recipe of policies/l2l-mnist.json, the L2LBGDBGD baseline (Andrychowicz et al. 2016;
# docs/l2l.md): a 2x20 coordinatewise LSTM meta-trained by truncated BPTT on MNIST 48-48-10,
# minibatch 64, 400 steps, 110 epochs; the file keeps the epoch with the best validation meta-loss.
#
#   policies/l2l-mnist.recipe.sh [OUT_DIR]   (default results/l2l-mnist)
#
# Writes OUT_DIR/l2l-mnist.json and its checkpoint (`--resume` continues it). Needs build/l2o and
# data/mnist; about 20 minutes on 2 cores. The shipped file's sha256 and recorded command are in
# policies/MANIFEST.json.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-results/l2l-mnist}"
mkdir -p "$out"
./build/l2o meta-train --method l2l --dataset mnist --arch 48-48-10 --batch 64 --horizon 400 --epochs 110 --seed 1 \
  --out "$out/l2l-mnist.json"
echo "wrote $out/l2l-mnist.json"
