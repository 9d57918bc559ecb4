"""The suite's tasks: each a PyTorch model, a data set, a loss, a batch size and a number of steps.

They are model families the paper's meta-training and test panels never used (its optimizees are
MLPs on randomly projected, standardised 48-100-wide inputs): convolutions, raw 784-wide pixels,
normalisation layers, residual connections, a recurrent and an attention model, a reconstruction
loss. Sizes are small (5k-30k parameters) and steps 1000-1500 so that the whole suite, with PSD at
about 2 us per parameter and step, fits an hour on one core (docs/suite.md).
"""
import dataclasses
from dataclasses import dataclass
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import nn

from . import SUITE_VERSION


@dataclass(frozen=True)
class Task:
    name: str
    dataset: str                     # an l2o.load_dataset name
    model: str                       # one line: the architecture
    build: Callable[[int], nn.Module]  # num_classes -> the model (initialised from torch's seeded RNG)
    loss: str                        # "cross-entropy" (labels) or "mse" (reconstruct the input)
    batch: int
    steps: int
    held_out: str                    # why no learned optimizer has seen this family
    num_classes: int = 10
    downsample: int = 1              # average-pool the images by this factor first (cheaper steps)
    pool: Optional[int] = None       # minibatches from the first `pool` training examples (None: all)
    eval_train: int = 2048           # the fixed sample of the pool whose loss is the end-of-run objective
    eval_test: int = 2048            # the fixed sample of the test split (generalisation, reported beside)
    tiny: bool = False

    def inputs(self, images):
        """The model's input from standardised images (count, channels, height, width)."""
        if self.downsample > 1:
            images = F.avg_pool2d(images, self.downsample)
        return images

    def loss_of(self, out, inputs, labels):
        if self.loss == "mse":
            return F.mse_loss(out, inputs.flatten(1))
        return F.cross_entropy(out, labels)

    def params(self):
        torch.manual_seed(0)
        return sum(p.numel() for p in self.build(self.num_classes).parameters())

    def signature(self):
        """What a run record must match to be reused by --resume (a changed task is not mixed in)."""
        return {"version": SUITE_VERSION, "name": self.name, "dataset": self.dataset, "model": self.model,
                "params": self.params(), "loss": self.loss, "batch": self.batch, "steps": self.steps,
                "downsample": self.downsample, "pool": self.pool, "eval_train": self.eval_train,
                "eval_test": self.eval_test, "tiny": self.tiny}


# ----------------------------------------------------------------------------- models
class Residual(nn.Module):
    """x + BN(conv(ReLU(BN(conv(x))))), then ReLU: the basic block of He et al. (2016)."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        return F.relu(x + self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


def conv_bn(cin, cout):
    return [nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


class RowGRU(nn.Module):
    """Reads an image row by row (one row of pixels per time step) and classifies from the last state."""

    def __init__(self, width, hidden, classes):
        super().__init__()
        self.gru = nn.GRU(width, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)  # registered last: the output layer for l2o.torch

    def forward(self, x):
        out, _ = self.gru(x.squeeze(1))  # (count, rows, width): rows are the time steps
        return self.head(out[:, -1])


class Attention(nn.Module):
    """A pre-norm transformer block: multi-head self-attention and an MLP, each residual."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, 2 * dim)
        self.fc2 = nn.Linear(2 * dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        # contiguous: batched products of strided views take a slow path in torch 1.13's CPU bmm
        q, k, v = self.qkv(self.norm1(x)).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4).contiguous()
        a = torch.softmax(q @ k.transpose(-1, -2) * (d // self.heads) ** -0.5, dim=-1)
        x = x + self.proj((a @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class PatchTransformer(nn.Module):
    """A small vision transformer: 7x7 patches as 16 tokens, learned positions, mean-pooled."""

    def __init__(self, classes, patch=7, side=28, dim=32, depth=1, heads=4):
        super().__init__()
        self.patch = patch
        self.embed = nn.Linear(patch * patch, dim)
        self.position = nn.Parameter(torch.zeros((side // patch) ** 2, dim))
        self.blocks = nn.Sequential(*[Attention(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        p = self.patch
        tokens = x.unfold(2, p, p).unfold(3, p, p).reshape(x.shape[0], -1, p * p)
        return self.head(self.norm(self.blocks(self.embed(tokens) + self.position)).mean(dim=1))


def _mnist_conv(k):
    return nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
                         nn.Flatten(), nn.Linear(16 * 7 * 7, k))


def _cifar_conv(k):
    return nn.Sequential(nn.Conv2d(3, 12, 3, stride=2, padding=1), nn.ReLU(),
                         nn.Conv2d(12, 24, 3, stride=2, padding=1), nn.ReLU(),
                         nn.Conv2d(24, 24, 3, stride=2, padding=1), nn.ReLU(),
                         nn.Flatten(), nn.Linear(24 * 4 * 4, k))


def _mlp784(k):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 24), nn.ReLU(), nn.Linear(24, k))


def _conv_bn(k):
    return nn.Sequential(*conv_bn(1, 8), *conv_bn(8, 16), nn.Flatten(), nn.Linear(16 * 7 * 7, k))


def _resnet(k):
    return nn.Sequential(*conv_bn(3, 12), Residual(12), *conv_bn(12, 24), Residual(24),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(24, k))


def _autoencoder(_):
    return nn.Sequential(nn.Flatten(), nn.Linear(196, 32), nn.ReLU(), nn.Linear(32, 8), nn.ReLU(),
                         nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 196))


_PAPER = "the paper's optimizees are MLPs on 48-100-wide random projections"
TASKS = [
    Task("mnist-conv", "mnist", "conv 8-16 (3x3, stride 2), linear", _mnist_conv, "cross-entropy", 32, 1000,
         f"convolutions on raw images; {_PAPER}"),
    Task("cifar10-conv", "cifar10", "conv 12-24-24 (3x3, stride 2), linear", _cifar_conv, "cross-entropy", 32, 1500,
         "convolutions on colour images (the paper's CIFAR-10 panels are projected MLPs)"),
    Task("fmnist-mlp784", "fashion-mnist", "MLP 784-24-10 (ReLU) on raw pixels", _mlp784, "cross-entropy", 64, 1000,
         "784 raw pixels, not projected: a first layer 8-16x wider than in any meta-training net"),
    Task("fmnist-conv-bn", "fashion-mnist", "conv-BatchNorm 8-16 (stride 2), linear", _conv_bn, "cross-entropy", 32,
         1000, "BatchNorm: the loss depends on the minibatch's statistics; scale-invariant weights"),
    Task("cifar10-resnet", "cifar10", "ResNet on 16x16 images: conv-BN 12, residual block, conv-BN 24, residual block, pool, linear",
         _resnet, "cross-entropy", 32, 1000, "residual connections, BatchNorm, 7 weight layers", downsample=2),
    Task("fmnist-gru", "fashion-mnist", "GRU (hidden 32) reading 14 rows of 14 pixels, linear",
         lambda k: RowGRU(14, 32, k), "cross-entropy", 32, 1000,
         "a recurrent net (sequential Fashion-MNIST, 2x downsampled): gates, shared weights over time",
         downsample=2),
    Task("mnist-transformer", "mnist", "transformer: 16 patch tokens, width 32, 1 block, 4 heads, LayerNorm",
         lambda k: PatchTransformer(k), "cross-entropy", 16, 1000,
         "attention and LayerNorm; embeddings and positions are parameters of a new kind"),
    Task("fmnist-autoencoder", "fashion-mnist", "autoencoder 196-32-8-32-196 (ReLU) on 14x14 images",
         _autoencoder, "mse", 32, 1500, "a regression (reconstruction) loss; no softmax output layer",
         downsample=2),
]
BY_NAME = {t.name: t for t in TASKS}

# Test scale (--tiny): the same models on a 256-example pool, batch 8, 10 steps; for tests and
# smoke checks only, never for numbers.
TINY = dict(steps=10, batch=8, pool=256, eval_train=64, eval_test=64, tiny=True)


def select(names=None, tiny=False):
    """The tasks named (all if None), in the suite's order; a KeyError names the unknown one."""
    if names is None:
        chosen = list(TASKS)
    else:
        unknown = [n for n in names if n not in BY_NAME]
        if unknown:
            raise KeyError(unknown[0])
        chosen = [t for t in TASKS if t.name in names]
    return [dataclasses.replace(t, **TINY) if tiny else t for t in chosen]
