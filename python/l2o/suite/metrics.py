"""The suite's metrics, on loss curves (one minibatch loss per step) and cumulative seconds.

- smoothing: the trailing mean over w = max(1, steps // 10) steps (fewer at the start), the same
  for every curve, so that one noisy minibatch neither makes nor misses a target;
- final loss: the mean minibatch loss over the last w steps (= the smoothed curve's last value);
- area under the curve: the mean minibatch loss over all steps;
- speed-up over tuned Adam (see `speedup`), median and interquartile mean over tasks.
"""
import math
from dataclasses import dataclass
from typing import Optional

import numpy as np


def window(steps):
    return max(1, steps // 10)


def smooth(losses, w=None):
    """Trailing mean: out[t] = mean(losses[max(0, t - w + 1) : t + 1])."""
    x = np.asarray(losses, dtype=np.float64)
    w = window(len(x)) if w is None else w
    c = np.concatenate([[0.0], np.cumsum(x)])
    t = np.arange(1, len(x) + 1)
    lo = np.maximum(0, t - w)
    return (c[t] - c[lo]) / (t - lo)


def final_loss(losses):
    x = np.asarray(losses, dtype=np.float64)
    return float(x[-window(len(x)):].mean())


def auc(losses):
    return float(np.mean(losses))


@dataclass
class Speedup:
    steps: float            # tuned Adam's steps to the target / this optimizer's steps
    seconds: float          # the same in cumulative seconds
    lower_bound: bool       # tuned Adam never reached the target: its totals, a lower bound
    reference_step: Optional[int]  # the first step (1-based) where tuned Adam reached it


def speedup(ref_smoothed, ref_seconds, target, steps, seconds):
    """Speed-up over a reference (tuned Adam) at reaching `target` (this optimizer's final loss).

    ref_smoothed[t - 1] is the reference's smoothed loss after step t, ref_seconds[t - 1] its
    cumulative seconds then; `steps` and `seconds` are this optimizer's totals. The reference's
    first step t with ref_smoothed <= target gives t / steps and ref_seconds[t - 1] / seconds. If it
    never gets there the result is its totals over this optimizer's, flagged as a lower bound."""
    ref = np.asarray(ref_smoothed, dtype=np.float64)
    hit = np.nonzero(ref <= target)[0]
    if len(hit) == 0:
        return Speedup(len(ref) / steps, float(ref_seconds[-1]) / seconds, True, None)
    t = int(hit[0]) + 1
    return Speedup(t / steps, float(ref_seconds[t - 1]) / seconds, False, t)


def median(values):
    v = [x for x in values if x is not None]
    return float(np.median(v)) if v else None


def iqm(values):
    """Interquartile mean: the mean of the values left after dropping floor(n/4) at each end."""
    v = sorted(x for x in values if x is not None)
    if not v:
        return None
    k = len(v) // 4
    return float(np.mean(v[k:len(v) - k]))


def finite_or_none(x):
    return None if x is None or not math.isfinite(x) else float(x)
