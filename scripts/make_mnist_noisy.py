#!/usr/bin/env python3
"""Writes MNIST-noisy, MNIST with a fraction of its labels replaced by random ones, as four IDX files.

Each label of both splits is, with probability NOISE, replaced by a class drawn uniformly from all
classes (so it may come out unchanged); the images are MNIST's. The classes are 0 .. the largest
training label: ten for MNIST, a hundred for MNIST-pairs (scripts/make_mnist_pairs.py), whose noisy
version is the many-class, high-loss task ("noisy pairs"). The best achievable cross-entropy rises
from near 0 to about 1.7 nats at NOISE 0.5, the level at which the 48-48-10 net ends on CIFAR-10:
a validation and meta-training task for the hard, high-loss regime of the test data sets that keeps
every test data set unseen (docs/history/meta-training.md, "High-loss tasks"). The draws come from numpy's
PCG64([SEED, split]), so the files are the same on every machine for a seed.

usage: scripts/make_mnist_noisy.py MNIST_DIR OUT_DIR [NOISE] [SEED]      (NOISE 0.5, SEED 0 by default)

MNIST_DIR holds the four MNIST (or MNIST-pairs) IDX files, plain or .gz (`l2o data prepare` puts them in
data/mnist). Read the result with `--dataset idx:OUT/train-images-idx3-ubyte,OUT/train-labels-idx1-ubyte,OUT/t10k-images-idx3-ubyte,OUT/t10k-labels-idx1-ubyte`.
"""
import os
import sys

import mnist_idx

SCRIPT = "make_mnist_noisy.py"


def main():
    if len(sys.argv) not in (3, 4, 5):
        mnist_idx.fail(SCRIPT, "usage: scripts/make_mnist_noisy.py MNIST_DIR OUT_DIR [NOISE] [SEED]")
    src, out = sys.argv[1], sys.argv[2]
    try:
        noise = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
    except ValueError:
        mnist_idx.fail(SCRIPT, f"NOISE must be a number in [0, 1], got '{sys.argv[3]}'")
    if not 0.0 <= noise <= 1.0:
        mnist_idx.fail(SCRIPT, f"NOISE must be a number in [0, 1], got {sys.argv[3]}")
    seed = mnist_idx.parse_seed(SCRIPT, sys.argv, 4)
    splits = [mnist_idx.read_split(SCRIPT, src, split, max_label=99) for split in range(len(mnist_idx.SPLITS))]
    classes = int(splits[0][1].max()) + 1
    if int(splits[1][1].max()) >= classes:
        mnist_idx.fail(SCRIPT, f"{src}: the test labels go up to {int(splits[1][1].max())}, the training labels only to {classes - 1}")
    os.makedirs(out, exist_ok=True)
    for split, (images, labels) in enumerate(splits):
        rng = mnist_idx.split_generator(seed, split)
        replaced = rng.random(labels.shape[0]) < noise
        noisy = labels.copy()
        noisy[replaced] = rng.integers(0, classes, int(replaced.sum()))
        mnist_idx.write_split(out, split, images, noisy)
    print(f"wrote MNIST-noisy (noise {noise}, seed {seed}, {classes} classes) to {out}")


if __name__ == "__main__":
    main()
