#!/usr/bin/env bash
# The recipe of policies/psd-mnist-multi-60min.json, the default `psd` (docs/meta-training.md, "The
# recipes"): π pre-trained onto the family config's initial guiding policy (GPS with no
# iterations), its width- and batch-aware step factors, then three ES runs with float32 rollouts:
# every read-out on MNIST at minibatch 64 and 10; the output layer's read-outs on a family with
# MNIST at batch 64 drawn three times as often and the many-class members at batch 10; the batch
# factor's power raised to 0.3; the output layer's read-outs once more on a family with the
# many-class members at batch 10 drawn most often (noisy MNIST-pairs three times of eight); and the
# output layer's steps ramped in over the first 16 iterations at minibatches below 64.
#
#   policies/psd-mnist-multi-60min.recipe.sh [OUT_DIR] [TUNED_JSON] [SEED_SHIFT]
#       (default results/psd-60min, configs/tuned.json, 0)
#
# SEED_SHIFT is added to the seed of each of the four runs (the pre-training's 2, which also draws
# its family of nets, and the ES runs' 1, 10 and 11): 0 is the shipped policy, other values are the
# recipe's other meta-training seeds (docs/meta-training.md: the spread over seeds).
#
# Writes OUT_DIR/psd-mnist-multi-60min.json and, beside it, every intermediate policy; each ES run
# writes a checkpoint that `l2o meta-train --method psd-es ... --resume` continues. Needs build/l2o,
# data/mnist and python3-numpy (for the derived data sets, scripts/make_mnist_*.py). Measured on a
# 2-core AMD EPYC (Zen 4): 55 min 0 s in all, peak RSS 398 MB (the pre-training; the ES runs stay
# under 210 MB); with SEED_SHIFT 100, run end to end, 52 min 16 s and 348 MB. The pre-training's
# floating-point reductions depend on the CPU kind, so on another kind of CPU the policy differs in
# its last digits and the ES runs then follow their own path. The shipped file's sha256 and the
# commands recorded in it are in policies/MANIFEST.json.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-results/psd-60min}"
tuned="${2:-configs/tuned.json}"
shift_="${3:-0}"
[[ "$shift_" =~ ^[0-9]+$ ]] || { echo "psd-mnist-multi-60min.recipe.sh: SEED_SHIFT must be a non-negative integer, got '$shift_'" >&2; exit 2; }
mkdir -p "$out"
l2o=./build/l2o
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3  # Debian's, with python3-numpy

# The derived data sets of the ES families (docs/data.md).
idx() { echo "idx:$1/train-images-idx3-ubyte,$1/train-labels-idx1-ubyte,$1/t10k-images-idx3-ubyte,$1/t10k-labels-idx1-ubyte"; }
[ -e "$out/mnist-pairs/t10k-labels-idx1-ubyte" ] || "$py" scripts/make_mnist_pairs.py data/mnist "$out/mnist-pairs" 0
[ -e "$out/mnist-noisy-pairs/t10k-labels-idx1-ubyte" ] ||
  "$py" scripts/make_mnist_noisy.py "$out/mnist-pairs" "$out/mnist-noisy-pairs" 0.5 0
ps=$(idx "$out/mnist-pairs") np=$(idx "$out/mnist-noisy-pairs")

# 1. π pre-trained onto ψ₀ of the family config (GPS with no iterations: 1 min 51 s).
$l2o meta-train --method psd --dataset mnist --arch 48-48-10 --batch 64 --horizon 400 --iterations 0 \
  --samples 8 --seed $((2 + shift_)) --config policies/psd-mnist-multi-60min.gps.config.json --tuned "$tuned" --out "$out/gps.json"
# 2. Width-aware steps (fan-in, capped at 1) and batch-aware steps (power 0.2 for ES 1 and 2).
$l2o policy scale-steps --policy "$out/gps.json" --out "$out/gps-fan-in.json" --rule fan_in --power 1
$l2o policy scale-batch --policy "$out/gps-fan-in.json" --out "$out/gps-batch.json" --power 0.2
$l2o policy scale-steps --policy "$out/gps-batch.json" --out "$out/start.json" --max-factor 1
# 3. ES 1: every read-out, MNIST at minibatch 64 and 10 (40 x 8; 15 min 8 s).
$l2o meta-train --method psd-es --init-policy "$out/start.json" --es-config policies/psd-mnist-multi-60min.es-readouts.config.json \
  --dataset mnist --arch 48-48-10 --batch 64 --horizon 400 --member 48-48-10/10 --updates 40 --pairs 8 --seed $((1 + shift_)) \
  --out "$out/es1.json"
# 4. ES 2: the output layer's read-outs; MNIST b64 three times of eight, MNIST b10, the many-class
#    members (20 x 8, validated after the last update; 15 min 1 s).
$l2o meta-train --method psd-es --init-policy "$out/es1.json" --es-config policies/psd-mnist-multi-60min.es-output.config.json \
  --dataset mnist --arch 48-48-10 --batch 64 --horizon 400 --member 48-48-10/64 --member 48-48-10/64 \
  --member 48-48-10/10 --member "48-48-100/64@$ps" --member "48-48-100/10@$ps" --member "48-48-100/10@$ps" \
  --member "48-48-100/10@$np" --member "48-48-100/10@$np" --updates 20 --pairs 8 --seed $((10 + shift_)) --out "$out/es2.json"
# 5. The batch factor's power re-chosen for the ES policy (validation seeds, batch-10 tasks): 0.3.
$l2o policy scale-batch --policy "$out/es2.json" --out "$out/es2-batch.json" --power 0.3
# 6. ES 3: the output layer's read-outs; noisy MNIST-pairs at batch 10 three times of eight (30 x 8,
#    ES 2's settings, validated after the last update; 23 min 0 s, measured with one more validation
#    after update 18, which did not win).
$l2o meta-train --method psd-es --init-policy "$out/es2-batch.json" --es-config policies/psd-mnist-multi-60min.es-output.config.json \
  --dataset mnist --arch 48-48-10 --batch 64 --horizon 400 --member 48-48-10/64 --member 48-48-10/10 \
  --member "48-48-100/64@$ps" --member "48-48-100/10@$ps" --member "48-48-100/10@$np" --member "48-48-100/10@$np" \
  --member "48-48-100/10@$np" --updates 30 --pairs 8 --seed $((11 + shift_)) --out "$out/es3.json"
# 7. The output layer warmed up over its first 16 steps below minibatch 64 (chosen on the batch-10
#    validation tasks; docs/psd.md, "Output-layer warm-up"; under a second).
$l2o policy output-warmup --policy "$out/es3.json" --out "$out/es3-warmup.json" --iterations 16
# 8. The width rule by layer role: the input layer's weights at power 0.5 of (48 / fan-in), the
#    hidden and output layers' at power 1 (chosen on the validation tasks with raw 784-wide and
#    projected 100-wide inputs; docs/psd.md, "Width by layer role"; under a second).
$l2o policy scale-steps --policy "$out/es3-warmup.json" --out "$out/psd-mnist-multi-60min.json" --rule fan_in --power 1 \
  --input-power 0.5 --max-factor 1
echo "wrote $out/psd-mnist-multi-60min.json"
