#!/usr/bin/env python3
"""Per-step cost of l2o.torch.PSD, l2o.torch.PSDSmall, l2o.torch.Adam and torch.optim.Adam on a model
of about 100k parameters (an MLP 784-128-10: 101,770 parameters), on one thread.

    OMP_NUM_THREADS=1 PYTHONPATH=build/python /usr/bin/python3 python/benchmarks/step_overhead.py

PSD's step is about a second at this size (a 128-cell LSTM per coordinate), so it gets fewer
timed steps (--psd-steps) than the Adams (--steps).

Only opt.step() is timed (forward and backward are the same for every optimizer), in CPU time of
this process (time.process_time: on one thread that is the wall time of an idle machine, and it
does not count the time other processes take on a shared one); the wall time is printed beside. For the l2o
optimizers the C++ step alone (l2o.Optimizer.step_buffers on the same layout) is timed too: the
difference is what the binding costs (flattening into the C++ buffer, checks, writing back).
"""
import argparse
import os
import statistics
import tempfile
import time

import numpy as np
import torch

import l2o
import l2o.torch


def model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))


def time_steps(make, steps, warmup, dtype):
    m = model().to(dtype)
    opt = make(m)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(64, 784, generator=g, dtype=dtype)
    y = torch.randint(0, 10, (64,), generator=g)
    cpu, wall = [], []
    for t in range(warmup + steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(m(x), y)
        loss.backward()
        c0, w0 = time.process_time(), time.perf_counter()
        if isinstance(opt, (l2o.torch.PSD, l2o.torch.PSDSmall)):
            opt.step(loss=loss)
        else:
            opt.step()
        if t >= warmup:
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
    return 1000 * statistics.median(cpu), 1000 * statistics.median(wall)


def time_native(name, steps, warmup):
    m = model()
    layout = l2o.torch.SGD(m).layout  # the same coordinate groups as l2o.torch builds
    opt = l2o.make_optimizer(name)
    opt.init(layout)
    rng = np.random.default_rng(0)
    opt.x[:] = rng.normal(scale=0.05, size=layout.dim)
    cpu, wall = [], []
    for t in range(warmup + steps):
        opt.grad[:] = rng.normal(scale=1e-3, size=layout.dim)
        c0, w0 = time.process_time(), time.perf_counter()
        opt.step_buffers(2.3 - 1e-3 * t)
        if t >= warmup:
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
    return 1000 * statistics.median(cpu), 1000 * statistics.median(wall)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--psd-steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    a = ap.parse_args()
    torch.set_num_threads(1)
    dtype = getattr(torch, a.dtype)
    print(f"MLP 784-128-10 ({sum(p.numel() for p in model().parameters())} parameters, {a.dtype}), "
          f"{a.steps} timed steps ({a.psd_steps} for PSD) after {a.warmup}, 1 thread; ms per opt.step(), median: CPU (wall)")
    # psd-small's cost does not depend on its weights: without the shipped policy, an
    # Adam-equivalent one of the same architecture is timed.
    small = l2o.policy_path("psd-small")
    if not os.path.exists(small):
        small = os.path.join(tempfile.mkdtemp(), "psd-small.json")
        l2o.write_psd_small_policy(small, lr=1e-3)
    rows = [
        ("torch.optim.Adam", lambda m: torch.optim.Adam(m.parameters(), lr=1e-3)),
        ("l2o.torch.Adam", lambda m: l2o.torch.Adam(m.parameters(), lr=1e-3)),
        ("l2o.torch.PSDSmall", lambda m: l2o.torch.PSDSmall(m, policy=small)),
        ("l2o.torch.PSD", lambda m: l2o.torch.PSD(m)),
    ]
    times = {}
    for label, make in rows:
        steps = a.psd_steps if label == "l2o.torch.PSD" else a.steps
        med, mean = time_steps(make, steps, a.warmup, dtype)
        times[label] = med
        print(f"  {label:<22} {med:8.3f} ({mean:.3f})")
    print(f"  PSDSmall / torch.optim.Adam: {times['l2o.torch.PSDSmall'] / times['torch.optim.Adam']:.2f}x "
          "(docs/psd-small.md: target <= 3x)")
    for name in ("adam", "psd"):
        med, mean = time_native(name, a.psd_steps if name == "psd" else a.steps, a.warmup)
        print(f"  C++ {name} step alone    {med:8.3f} ({mean:.3f})")


if __name__ == "__main__":
    main()
