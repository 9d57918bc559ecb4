"""Shared helpers: seeded synthetic data, a small MLP in torch, and an l2o MLP task on the same data."""
import numpy as np
import pytest
import torch

import l2o

torch.set_num_threads(1)


def synthetic_data(count=120, width=8, classes=3, seed=0):
    """A seeded, learnable classification set as an l2o.ProjectedDataset (x is (count, width))."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, width))
    y = rng.integers(0, classes, size=count).astype(np.int32)
    x = centres[y] + 0.8 * rng.normal(size=(count, width))
    return l2o.ProjectedDataset(x, y, num_classes=classes, name="synthetic")


def small_mlp(dtype=torch.float64, seed=0, sizes=(8, 16, 3)):
    torch.manual_seed(seed)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers).to(dtype)


def batches(n_steps, batch=16, width=8, classes=3, dtype=torch.float64, seed=1):
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(classes, width, generator=g, dtype=dtype)
    out = []
    for _ in range(n_steps):
        y = torch.randint(0, classes, (batch,), generator=g)
        x = centres[y] + 0.8 * torch.randn(batch, width, generator=g, dtype=dtype)
        out.append((x, y))
    return out


@pytest.fixture
def task():
    return l2o.MlpTask(synthetic_data(), arch=[8, 6, 3], activation="tanh", train_size=-1)
