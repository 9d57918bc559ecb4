#!/usr/bin/env python3
"""Writes MNIST-pairs, a 100-class data set made from MNIST alone, as four IDX files.

Example i of a split is MNIST image i beside MNIST image p(i) of the same split (28 x 56 pixels),
labelled 10 * digit(i) + digit(p(i)): the 100 classes of CIFAR-100 without any CIFAR-100 image, a
validation task for PSD on many-class output layers that keeps every test data set unseen
(docs/meta-training.md, "Many-class output layers"). p is a random permutation of the split drawn
from SEED (numpy's PCG64), so the files are the same on every machine for a seed.

usage: scripts/make_mnist_pairs.py MNIST_DIR OUT_DIR [SEED]

MNIST_DIR holds the four MNIST IDX files, plain or .gz (`l2o data prepare` puts them in
data/mnist). Read the result with `--dataset idx:OUT/train-images-idx3-ubyte,OUT/train-labels-idx1-ubyte,OUT/t10k-images-idx3-ubyte,OUT/t10k-labels-idx1-ubyte`.
"""
import gzip
import os
import struct
import sys

import numpy as np

SPLITS = [("train-images-idx3-ubyte", "train-labels-idx1-ubyte"), ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]


def fail(msg):
    sys.exit(f"make_mnist_pairs.py: {msg}")


def read_idx(folder, name, magic):
    for path in (os.path.join(folder, name), os.path.join(folder, name + ".gz")):
        if os.path.exists(path):
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rb") as fh:
                data = fh.read()
            break
    else:
        fail(f"{os.path.join(folder, name)} (or .gz) not found; `l2o data prepare` downloads MNIST into data/mnist")
    dims = magic & 0xFF
    if len(data) < 4 + 4 * dims or struct.unpack(">I", data[:4])[0] != magic:
        fail(f"{path}: not an IDX file of the expected kind (magic {magic:#010x})")
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims)
    if body.size != int(np.prod(shape)):
        fail(f"{path}: {body.size} bytes of data, the header says {int(np.prod(shape))}")
    return body.reshape(shape), path


def write_idx(path, array, magic):
    with open(path, "wb") as fh:
        fh.write(struct.pack(">I", magic))
        fh.write(struct.pack(">" + "I" * array.ndim, *array.shape))
        fh.write(np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def main():
    if len(sys.argv) not in (3, 4):
        fail("usage: scripts/make_mnist_pairs.py MNIST_DIR OUT_DIR [SEED]")
    src, out = sys.argv[1], sys.argv[2]
    try:
        seed = int(sys.argv[3]) if len(sys.argv) == 4 else 0
    except ValueError:
        fail(f"SEED must be an integer, got '{sys.argv[3]}'")
    if seed < 0:
        fail(f"SEED must be >= 0, got {seed}")
    os.makedirs(out, exist_ok=True)
    for split, (images_name, labels_name) in enumerate(SPLITS):
        images, ipath = read_idx(src, images_name, 0x00000803)
        labels, lpath = read_idx(src, labels_name, 0x00000801)
        if images.shape[0] != labels.shape[0]:
            fail(f"{ipath} has {images.shape[0]} images but {lpath} has {labels.shape[0]} labels")
        if labels.max(initial=0) > 9:
            fail(f"{lpath}: labels above 9; not MNIST")
        # One generator per split, so the training pairs do not depend on the test split.
        partner = np.random.Generator(np.random.PCG64([seed, split])).permutation(images.shape[0])
        write_idx(os.path.join(out, images_name), np.concatenate([images, images[partner]], axis=2), 0x00000803)
        write_idx(os.path.join(out, labels_name), 10 * labels.astype(np.int64) + labels[partner], 0x00000801)
    print(f"wrote MNIST-pairs (seed {seed}) to {out}")


if __name__ == "__main__":
    main()
