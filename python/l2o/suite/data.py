"""The suite's data: only what l2o already reads, through its own loader (l2o.load_dataset).

Images stay uint8 in memory (CIFAR-10 as float32 would be 600 MB) and are converted per minibatch.
Every random draw is from an explicit seed: the minibatch order from the run's seed, the fixed
evaluation samples from a constant seed shared by every run.
"""
import os

import numpy as np
import torch

import l2o

EVAL_SAMPLE_SEED = 12345  # the same evaluation examples for every run, optimizer and seed
_cache = {}


def resolve_data_dir(data_dir=None):
    """--data-dir, else $L2O_DATA, else ./data, else data/ in the source tree the module was built
    from (so the suite finds `l2o data prepare`'s data from any working directory, e.g. ctest's)."""
    if data_dir:
        return data_dir
    if os.environ.get("L2O_DATA"):
        return os.environ["L2O_DATA"]
    if os.path.isdir("data"):
        return "data"
    tree = os.path.join(getattr(l2o._native, "source_dir", ""), "data")
    return tree if os.path.isdir(tree) else "data"  # l2o's own error then says what is missing


class ImageData:
    """One data set as uint8 tensors (count, channels, height, width), labels int64, and the
    per-channel mean and standard deviation of its training split (for standardising)."""

    def __init__(self, name, raw):
        self.name, self.display_name, self.num_classes = name, raw.display_name, raw.num_classes
        # Copies: the arrays are views of the C++ object, which may be freed after this.
        self.train = torch.from_numpy(np.array(raw.train_images)).permute(0, 3, 1, 2).contiguous()
        self.train_labels = torch.from_numpy(np.array(raw.train_labels, dtype=np.int64))
        self.test = torch.from_numpy(np.array(raw.test_images)).permute(0, 3, 1, 2).contiguous()
        self.test_labels = torch.from_numpy(np.array(raw.test_labels, dtype=np.int64))
        total = torch.zeros(self.train.shape[1], dtype=torch.float64)
        squares = torch.zeros_like(total)
        for i in range(0, len(self.train), 5000):  # in chunks: a float copy of CIFAR-10 is large
            chunk = self.train[i:i + 5000].to(torch.float64) / 255.0
            total += chunk.sum(dim=(0, 2, 3))
            squares += (chunk * chunk).sum(dim=(0, 2, 3))
        count = len(self.train) * self.train.shape[2] * self.train.shape[3]
        mean = total / count
        std = (squares / count - mean * mean).clamp_min(1e-12).sqrt()
        self.mean = mean.to(torch.float32).view(1, -1, 1, 1)
        self.std = std.to(torch.float32).view(1, -1, 1, 1)

    def images(self, pixels):
        """Standardised float32 images from uint8 ones."""
        return (pixels.to(torch.float32) / 255.0 - self.mean) / self.std


def load(name, data_dir=None):
    """The data set `name` (mnist, fashion-mnist, cifar10, ...) as ImageData, loaded once per process.
    A missing data set raises l2o.Error with the loader's message (what is missing, how to get it)."""
    key = (name, resolve_data_dir(data_dir))
    if key not in _cache:
        _cache[key] = ImageData(name, l2o.load_dataset(name, data_dir=key[1]))
    return _cache[key]


def pool_size(data, pool):
    """The number of training examples minibatches are drawn from: the first `pool` (None: all)."""
    n = len(data.train)
    return n if pool is None else min(pool, n)


def minibatch_indices(seed, n, batch, steps):
    """(steps, batch) indices into the first n training examples: shuffled with the run's seed,
    drawn without replacement, reshuffled every epoch (as l2o's MinibatchSampler does). Two
    optimizers with the same seed see the same minibatches."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 1])))
    need = steps * batch
    order = np.concatenate([rng.permutation(n) for _ in range(-(-need // n))])[:need]
    return torch.from_numpy(order.reshape(steps, batch).astype(np.int64))


def eval_sample(data, split, size, pool):
    """A fixed sample of `size` examples: of the minibatch pool ("train": the training objective,
    estimated) or of the test split ("test"). The same for every run (seed EVAL_SAMPLE_SEED)."""
    if split == "train":
        n, pixels, labels = pool_size(data, pool), data.train, data.train_labels
    else:
        n, pixels, labels = len(data.test), data.test, data.test_labels
    if n == 0:
        return None
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([EVAL_SAMPLE_SEED, split == "test"])))
    idx = torch.from_numpy(np.sort(rng.choice(n, size=min(size, n), replace=False)).astype(np.int64))
    return pixels[idx], labels[idx]
