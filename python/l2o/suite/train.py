"""One run: a task, an optimizer (and learning rate), a seed -> its record (a plain dict).

The seed fixes the model's initialisation and the minibatch order, so every optimizer at a seed
starts from the same point and sees the same minibatches, and a run repeated gives the same
losses (one thread, CPU). The clock covers forward, backward and the optimizer step only: not
building the minibatch (the same for every optimizer) nor the end-of-run evaluation.
"""
import math
import time

import numpy as np
import torch

import l2o

from . import data as suite_data
from . import metrics

DIVERGENCE_FACTOR = 100.0  # a minibatch loss above 100x the first one stops the run as diverged


def _evaluate(task, model, sample, d):
    """(mean loss, accuracy or None) over a fixed sample, in eval mode, without gradients."""
    if sample is None:
        return None, None
    pixels, labels = sample
    total, correct = 0.0, 0
    model.eval()
    with torch.no_grad():
        for i in range(0, len(labels), 512):
            x = task.inputs(d.images(pixels[i:i + 512]))
            out = model(x)
            total += task.loss_of(out, x, labels[i:i + 512]).item() * len(x)
            if task.loss == "cross-entropy":
                correct += int((out.argmax(dim=1) == labels[i:i + 512]).sum())
    model.train()
    acc = correct / len(labels) if task.loss == "cross-entropy" else None
    return metrics.finite_or_none(total / len(labels)), acc


def run(task, spec, lr, seed, data_dir=None, on_step=None):
    """Train `task` with `spec` at `lr` from `seed`; returns the run's record (without the
    bookkeeping fields the store adds). `on_step(t)`, if given, is called after each step."""
    torch.set_num_threads(1)
    d = suite_data.load(task.dataset, data_dir)
    n = suite_data.pool_size(d, task.pool)
    order = suite_data.minibatch_indices(seed, n, task.batch, task.steps)
    torch.manual_seed(seed)
    model = task.build(d.num_classes)
    model.train()
    opt = spec.make(model, lr, task)

    losses, seconds, per_step = [], [], []
    divergence, initial, clock = None, None, 0.0
    for t in range(1, task.steps + 1):
        idx = order[t - 1]
        x = task.inputs(d.images(d.train[idx]))
        y = d.train_labels[idx]
        start = time.perf_counter()
        try:
            if spec.needs_closure:
                def closure():
                    opt.zero_grad()
                    out_loss = task.loss_of(model(x), x, y)
                    out_loss.backward()
                    return out_loss
                loss = opt.step(closure)
                value = float(loss)
            else:
                opt.zero_grad()
                loss = task.loss_of(model(x), x, y)
                value = loss.item()
                if not math.isfinite(value):
                    raise l2o.DivergenceError(f"non-finite minibatch loss ({value}) at step {t}")
                loss.backward()
                if spec.needs_loss:
                    opt.step(loss=loss)
                else:
                    opt.step()
        except l2o.DivergenceError as e:  # l2o's optimizers raise it on non-finite losses/gradients
            divergence = f"step {t}: {e}"
            break
        elapsed = time.perf_counter() - start
        if initial is None:
            initial = value
        if not math.isfinite(value) or value > DIVERGENCE_FACTOR * initial:
            divergence = f"step {t}: minibatch loss {value:.4g} (> {DIVERGENCE_FACTOR:g}x the first, {initial:.4g})"
            break
        clock += elapsed
        losses.append(value)
        seconds.append(clock)
        per_step.append(elapsed)
        if on_step is not None:
            on_step(t)

    record = {
        "steps": task.steps, "steps_done": len(losses), "diverged": divergence is not None,
        "divergence": divergence, "losses": losses, "seconds": [round(s, 7) for s in seconds],
        "initial_loss": initial, "seconds_per_step": float(np.median(per_step)) if per_step else None,
        "total_seconds": clock, "final_loss": None, "auc": None, "eval_loss": None, "test_loss": None,
        "test_accuracy": None,
    }
    if divergence is None:
        record["final_loss"] = metrics.final_loss(losses)
        record["auc"] = metrics.auc(losses)
        record["eval_loss"], _ = _evaluate(task, model, suite_data.eval_sample(d, "train", task.eval_train, task.pool), d)
        record["test_loss"], record["test_accuracy"] = _evaluate(
            task, model, suite_data.eval_sample(d, "test", task.eval_test, None), d)
    return record
