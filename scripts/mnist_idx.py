"""Reading and writing MNIST's IDX files for the scripts that derive validation data sets from
MNIST alone (make_mnist_pairs.py, make_mnist_noisy.py). Errors exit naming the file."""
import gzip
import os
import struct
import sys

import numpy as np

SPLITS = [("train-images-idx3-ubyte", "train-labels-idx1-ubyte"), ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801


def fail(script, msg):
    sys.exit(f"{script}: {msg}")


def read_idx(script, folder, name, magic):
    """The array in folder/name (or folder/name.gz) and the path it came from."""
    for path in (os.path.join(folder, name), os.path.join(folder, name + ".gz")):
        if os.path.exists(path):
            opener = gzip.open if path.endswith(".gz") else open
            try:
                with opener(path, "rb") as fh:
                    data = fh.read()
            except (OSError, EOFError) as e:
                fail(script, f"{path}: cannot read ({e})")
            break
    else:
        fail(script, f"{os.path.join(folder, name)} (or .gz) not found; `l2o data prepare` downloads MNIST into data/mnist")
    dims = magic & 0xFF
    if len(data) < 4 + 4 * dims or struct.unpack(">I", data[:4])[0] != magic:
        fail(script, f"{path}: not an IDX file of the expected kind (magic {magic:#010x})")
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims)
    if body.size != int(np.prod(shape)):
        fail(script, f"{path}: {body.size} bytes of data, the header says {int(np.prod(shape))}")
    return body.reshape(shape), path


def read_split(script, folder, split, max_label=9):
    """Images and labels of split 0 (train) or 1 (test), checked to be MNIST-like (labels up to
    max_label: 9 for MNIST, 99 where MNIST-pairs is accepted too)."""
    images_name, labels_name = SPLITS[split]
    images, ipath = read_idx(script, folder, images_name, IMAGES_MAGIC)
    labels, lpath = read_idx(script, folder, labels_name, LABELS_MAGIC)
    if images.shape[0] != labels.shape[0]:
        fail(script, f"{ipath} has {images.shape[0]} images but {lpath} has {labels.shape[0]} labels")
    if labels.max(initial=0) > max_label:
        fail(script, f"{lpath}: labels above {max_label}; not MNIST" + (" or MNIST-pairs" if max_label > 9 else ""))
    return images, labels


def write_split(folder, split, images, labels):
    images_name, labels_name = SPLITS[split]
    write_idx(os.path.join(folder, images_name), images, IMAGES_MAGIC)
    write_idx(os.path.join(folder, labels_name), labels, LABELS_MAGIC)


def write_idx(path, array, magic):
    with open(path, "wb") as fh:
        fh.write(struct.pack(">I", magic))
        fh.write(struct.pack(">" + "I" * array.ndim, *array.shape))
        fh.write(np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def parse_seed(script, args, index):
    try:
        seed = int(args[index]) if len(args) > index else 0
    except ValueError:
        fail(script, f"SEED must be an integer, got '{args[index]}'")
    if seed < 0:
        fail(script, f"SEED must be >= 0, got {seed}")
    return seed


def split_generator(seed, split):
    """One generator per split, so the training split does not depend on the test split."""
    return np.random.Generator(np.random.PCG64([seed, split]))
