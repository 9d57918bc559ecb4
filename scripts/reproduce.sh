#!/usr/bin/env bash
# Re-runs everything from scratch: tunes the seven hand-designed optimizers on the MNIST
# objective, meta-trains L2LBGDBGD and PSD on it, and runs the whole comparison with what it
# produced (nothing shipped in the repository is used; the shipped files are not touched).
#
#   L2O_REPRO_OUT    folder for everything (default results/from-scratch)
#   L2O_REPRO_SEEDS  runs per optimizer and panel of the comparison (default 10)
#   L2O_PSD_SEED     meta-training seed of PSD (default 1)
#
# About 7 hours on a 2-core machine: tuning ~13 min, L2LBGDBGD ~20 min, the PSD policies ~10 and
# ~20 min plus ~30-45 min of ES fine-tuning, ~50 min of ES with MNIST-pairs members, ~45 min with
# MNIST-noisy ones and ~50 min with noisy MNIST-pairs ones, comparison with 10 seeds and seven PSD
# policies ~3.5-4 hours (docs/experiments.md, docs/meta-training.md, docs/l2l.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
out="${L2O_REPRO_OUT:-results/from-scratch}"
seeds="${L2O_REPRO_SEEDS:-10}"
mkdir -p "$out"
./build/l2o tune --jobs "$(nproc)" --out "$out/tuned.json"
./build/l2o meta-train --method l2l --dataset mnist --arch 48-48-10 --batch 64 --horizon 400 --epochs 110 \
  --seed 1 --out "$out/l2l-mnist.json"
# The two PSD policies (docs/meta-training.md, "The shipped policies"): the paper's protocol
# (LM17 features, one task) and the default, over a family of nets with the moment features and
# width-aware steps applied after meta-training. Seed 2 was the validation choice of both.
./build/l2o meta-train --method psd --dataset mnist --arch 48-48-10 --batch 64 --horizon 400 --iterations 8 \
  --samples 8 --seed "${L2O_PSD_SEED:-2}" --config policies/psd-mnist.config.json --tuned "$out/tuned.json" \
  --out "$out/psd-mnist.json"
./build/l2o meta-train --method psd --dataset mnist --arch 48-48-10 --batch 64 --horizon 400 --iterations 8 \
  --samples 8 --seed "${L2O_PSD_SEED:-2}" --config policies/psd-mnist-multi.config.json --tuned "$out/tuned.json" \
  --out "$out/psd-mnist-multi-unscaled.json"
./build/l2o policy scale-steps --policy "$out/psd-mnist-multi-unscaled.json" --out "$out/psd-mnist-multi.json" \
  --rule fan_in --power 1
# The family policy fine-tuned by ES on its own meta-loss (docs/meta-training.md,
# "Fine-tuning π on its own meta-loss: ES"; ~30-45 min).
./build/l2o meta-train --method psd-es --init-policy "$out/psd-mnist-multi.json" --dataset mnist --arch 48-48-10 \
  --batch 64 --horizon 400 --member 48-48-10/10 --updates 40 --pairs 8 --seed 1 --out "$out/psd-mnist-multi-es.json"
# The ES policy with batch-aware steps (docs/psd.md, "Batch-aware steps"; seconds).
./build/l2o policy scale-batch --policy "$out/psd-mnist-multi-es.json" --out "$out/psd-mnist-multi-es-batch.json" \
  --power 0.2
# The default: those read-outs fine-tuned again by ES with 100-class MNIST-pairs members, first every
# network's, then the output layer's (docs/meta-training.md, "Many-class output layers"; ~50 min).
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3  # Debian's, with python3-numpy
"$py" scripts/make_mnist_pairs.py data/mnist "$out/mnist-pairs" 0
pd="$out/mnist-pairs"
pairs="idx:$pd/train-images-idx3-ubyte,$pd/train-labels-idx1-ubyte,$pd/t10k-images-idx3-ubyte,$pd/t10k-labels-idx1-ubyte"
./build/l2o meta-train --method psd-es --init-policy "$out/psd-mnist-multi-es-batch.json" --dataset mnist \
  --arch 48-48-10 --batch 64 --horizon 400 --member 48-48-10/10 --member "48-48-100/64@$pairs" \
  --member "48-48-100/10@$pairs" --updates 30 --pairs 8 --seed 3 --out "$out/psd-mnist-multi-es-pairs-1.json"
./build/l2o meta-train --method psd-es --init-policy "$out/psd-mnist-multi-es-pairs-1.json" \
  --es-config policies/psd-mnist-multi-es-pairs.es-config.json --dataset mnist --arch 48-48-10 --batch 64 \
  --horizon 400 --member 48-48-10/10 --member "48-48-100/64@$pairs" --member "48-48-100/10@$pairs" \
  --member "48-48-100/10@$pairs" --updates 50 --pairs 8 --seed 4 --out "$out/psd-mnist-multi-es-pairs.json"
# The default: every read-out fine-tuned once more by ES with high-loss MNIST-noisy members beside
# the MNIST and MNIST-pairs ones (docs/meta-training.md, "High-loss tasks"; ~45 min), then its
# width-aware factors capped at 1 (docs/psd.md, "Narrow nets"; seconds).
"$py" scripts/make_mnist_noisy.py data/mnist "$out/mnist-noisy" 0.5 0
nd="$out/mnist-noisy"
noisy="idx:$nd/train-images-idx3-ubyte,$nd/train-labels-idx1-ubyte,$nd/t10k-images-idx3-ubyte,$nd/t10k-labels-idx1-ubyte"
./build/l2o meta-train --method psd-es --init-policy "$out/psd-mnist-multi-es-pairs.json" --dataset mnist \
  --arch 48-48-10 --batch 64 --horizon 400 --member 48-48-10/10 --member "48-48-100/64@$pairs" \
  --member "48-48-100/10@$pairs" --member "48-48-10/64@$noisy" --member "48-48-10/10@$noisy" \
  --updates 60 --pairs 12 --seed 5 --out "$out/psd-mnist-multi-es-noisy-uncapped.json"
./build/l2o policy scale-steps --policy "$out/psd-mnist-multi-es-noisy-uncapped.json" \
  --out "$out/psd-mnist-multi-es-noisy.json" --max-factor 1
# The default: every read-out fine-tuned twice more by ES with noisy MNIST-pairs members (100
# classes and a high loss), the second time with narrow-net members too (docs/meta-training.md,
# "Many classes at minibatch 10"; ~50 min).
"$py" scripts/make_mnist_noisy.py "$out/mnist-pairs" "$out/mnist-noisy-pairs" 0.5 0
npd="$out/mnist-noisy-pairs"
noisy_pairs="idx:$npd/train-images-idx3-ubyte,$npd/train-labels-idx1-ubyte,$npd/t10k-images-idx3-ubyte,$npd/t10k-labels-idx1-ubyte"
family=(--member 48-48-10/10 --member "48-48-100/64@$pairs" --member "48-48-100/10@$pairs"
  --member "48-48-10/64@$noisy" --member "48-48-10/10@$noisy" --member "48-48-100/64@$noisy_pairs"
  --member "48-48-100/10@$noisy_pairs" --member "48-48-100/10@$noisy_pairs")
./build/l2o meta-train --method psd-es --init-policy "$out/psd-mnist-multi-es-noisy.json" --dataset mnist \
  --arch 48-48-10 --batch 64 --horizon 400 "${family[@]}" --updates 30 --pairs 12 --seed 6 \
  --out "$out/psd-mnist-multi-es-noisy-pairs-1.json"
./build/l2o meta-train --method psd-es --init-policy "$out/psd-mnist-multi-es-noisy-pairs-1.json" --dataset mnist \
  --arch 48-48-10 --batch 64 --horizon 400 "${family[@]}" --member 16-48-10/64 \
  --member "16-16-100/64@$noisy_pairs" --updates 30 --pairs 12 --seed 7 --out "$out/psd-mnist-multi-es-noisy-pairs.json"
./build/l2o bench --experiment all --seeds "$seeds" --tuned "$out/tuned.json" \
  --policy psd="$out/psd-mnist-multi-es-noisy-pairs.json" --policy psd-esn="$out/psd-mnist-multi-es-noisy.json" \
  --policy psd-esp="$out/psd-mnist-multi-es-pairs.json" \
  --policy psd-esb="$out/psd-mnist-multi-es-batch.json" \
  --policy psd-es="$out/psd-mnist-multi-es.json" \
  --policy psd-family="$out/psd-mnist-multi.json" \
  --policy psd-paper="$out/psd-mnist.json" --policy l2l="$out/l2l-mnist.json" \
  --out "$out/bench"
echo
echo "The report is $out/bench/report.md."
