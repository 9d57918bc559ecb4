#!/usr/bin/env python3
"""Trains a small PyTorch conv net with l2o's PSD beside torch.optim.Adam and plots both curves.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/psd_vs_adam.py [--steps 300] [--out psd_vs_adam.png]

Both runs start from the same seeded initialisation and see the same minibatches. The curve is
the training objective (mean cross-entropy over the training subset), evaluated every
--eval-every steps. The data come from l2o's own loaders (Fashion-MNIST by default: Debian's
dataset-fashion-mnist; --dataset mnist after `l2o data prepare`).
"""
import argparse
import time

import matplotlib
import numpy as np
import torch

import l2o
import l2o.torch

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402


def load(dataset, count, seed, data_dir):
    d = l2o.load_dataset(dataset, data_dir=data_dir)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(d.train_labels), size=min(count, len(d.train_labels)), replace=False)
    images = torch.from_numpy(d.train_images[idx].astype(np.float32) / 255.0).permute(0, 3, 1, 2).contiguous()
    labels = torch.from_numpy(d.train_labels[idx].astype(np.int64))
    return images, labels, d.num_classes, d.display_name


def conv_net(channels, side, classes, seed):
    torch.manual_seed(seed)
    s = ((side - 4) // 2 - 4) // 2  # two 5x5 convolutions, each followed by 2x2 pooling
    return torch.nn.Sequential(
        torch.nn.Conv2d(channels, 8, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(16 * s * s, classes))


def objective(model, x, y):
    with torch.no_grad():
        return torch.nn.functional.cross_entropy(model(x), y).item()


def train(model, opt, x, y, steps, batch, eval_every, seed, needs_loss):
    g = torch.Generator().manual_seed(seed)  # the same minibatch sequence for every optimizer
    iters, curve = [0], [objective(model, x, y)]
    start = time.perf_counter()
    for t in range(1, steps + 1):
        idx = torch.randint(0, len(y), (batch,), generator=g)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
        loss.backward()
        opt.step(loss=loss) if needs_loss else opt.step()
        if t % eval_every == 0 or t == steps:
            iters.append(t)
            curve.append(objective(model, x, y))
    seconds = time.perf_counter() - start
    return iters, curve, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="fashion-mnist")
    ap.add_argument("--data-dir", default="", help="l2o's data directory (default: $L2O_DATA or ./data)")
    ap.add_argument("--train", type=int, default=2000, help="training examples (a seeded subset)")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--eval-every", type=int, default=10)
    ap.add_argument("--adam-lr", type=float, default=1e-3, help="torch.optim.Adam's learning rate (its default)")
    ap.add_argument("--policy", default=None, help="PSD policy file (default: policies/psd-mnist.json)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="psd_vs_adam.png")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    x, y, classes, name = load(a.dataset, a.train, a.seed, a.data_dir)
    model = conv_net(x.shape[1], x.shape[2], classes, a.seed)
    print(f"{name}: {len(y)} training images {tuple(x.shape[1:])}, conv net of "
          f"{sum(p.numel() for p in model.parameters())} parameters, {a.steps} steps of batch {a.batch}")
    init = {k: v.clone() for k, v in model.state_dict().items()}

    runs = {}
    total, total_cpu = time.perf_counter(), time.process_time()
    for label, make, needs_loss in [
        ("PSD (l2o.torch.PSD)", lambda m: l2o.torch.PSD(m, policy=a.policy), True),
        (f"Adam (torch.optim, lr {a.adam_lr:g})", lambda m: torch.optim.Adam(m.parameters(), lr=a.adam_lr), False),
    ]:
        model.load_state_dict(init)
        runs[label] = train(model, make(model), x, y, a.steps, a.batch, a.eval_every, a.seed, needs_loss)
        it, curve, sec = runs[label]
        print(f"  {label:<32} objective {curve[0]:.4f} -> {curve[-1]:.4f} in {sec:.2f} s "
              f"({1000 * sec / a.steps:.2f} ms/step incl. forward, backward and evaluation)")
    print(f"  total {time.perf_counter() - total:.2f} s wall, {time.process_time() - total_cpu:.2f} s CPU")

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, (it, curve, _) in runs.items():
        ax.plot(it, curve, label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel("training objective (cross-entropy)")
    ax.set_title(f"conv net on {name}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(a.out, dpi=120)
    print(f"  plot written to {a.out}")


if __name__ == "__main__":
    main()
