#!/usr/bin/env python3
"""Writes MNIST-pairs, a 100-class data set made from MNIST alone, as four IDX files.

Example i of a split is MNIST image i beside MNIST image p(i) of the same split (28 x 56 pixels),
labelled 10 * digit(i) + digit(p(i)): the 100 classes of CIFAR-100 without any CIFAR-100 image, a
validation task for PSD on many-class output layers that keeps every test data set unseen
(docs/history/meta-training.md, "Many-class output layers"). p is a random permutation of the split drawn
from SEED (numpy's PCG64), so the files are the same on every machine for a seed.

usage: scripts/make_mnist_pairs.py MNIST_DIR OUT_DIR [SEED]

MNIST_DIR holds the four MNIST IDX files, plain or .gz (`l2o data prepare` puts them in
data/mnist). Read the result with `--dataset idx:OUT/train-images-idx3-ubyte,OUT/train-labels-idx1-ubyte,OUT/t10k-images-idx3-ubyte,OUT/t10k-labels-idx1-ubyte`.
"""
import os
import sys

import numpy as np

import mnist_idx

SCRIPT = "make_mnist_pairs.py"


def main():
    if len(sys.argv) not in (3, 4):
        mnist_idx.fail(SCRIPT, "usage: scripts/make_mnist_pairs.py MNIST_DIR OUT_DIR [SEED]")
    src, out = sys.argv[1], sys.argv[2]
    seed = mnist_idx.parse_seed(SCRIPT, sys.argv, 3)
    os.makedirs(out, exist_ok=True)
    for split in range(len(mnist_idx.SPLITS)):
        images, labels = mnist_idx.read_split(SCRIPT, src, split)
        partner = mnist_idx.split_generator(seed, split).permutation(images.shape[0])
        mnist_idx.write_split(out, split, np.concatenate([images, images[partner]], axis=2),
                              10 * labels.astype(np.int64) + labels[partner])
    print(f"wrote MNIST-pairs (seed {seed}) to {out}")


if __name__ == "__main__":
    main()
