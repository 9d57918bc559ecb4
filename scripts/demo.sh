#!/usr/bin/env bash
# The main job: sets up (scripts/setup.sh) and trains the 48-48-10 net on projected MNIST with
# tuned Adam, printing the objective curve.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
./build/l2o train --optimizer adam --dataset mnist --arch 48-48-10 --batch 64 --iters 400 --seed 1 \
  --out build/demo-trace.csv
