"""Optimizer names -> constructors, and the learning-rate grids of the tuned baselines.

Learning rates live on a half-decade grid, lr = 10^(e/2) for integer e (1e-4, 3.16e-4, 1e-3, ...:
a factor of about 3 between neighbours), so that a grid extended at either edge stays on it and a
learning rate has one exact name. Runs with the same `family` and learning rate are the same runs
(adam-default is Adam at 1e-3, shared with the grid's 1e-3).
"""
import inspect
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import torch

import l2o
import l2o.torch as l2o_torch


@dataclass(frozen=True)
class OptSpec:
    name: str
    description: str
    make: Callable  # (model, lr, task) -> a torch.optim.Optimizer
    family: str     # the records' key: the same family and lr are the same runs
    grid: Optional[Tuple[int, int]] = None  # tuned: the initial grid, exponents e of lr = 10^(e/2)
    lr: Optional[float] = None              # a fixed learning rate (None: tuned, or none at all)
    needs_loss: bool = False                # step(loss=loss): PSD reads the loss
    needs_closure: bool = False             # step(closure): l2o's CG and L-BFGS line searches

    @property
    def tuned(self):
        return self.grid is not None


def lr_of(e):
    """The learning rate of grid exponent e: 10^(e/2)."""
    return 10.0 ** (e / 2)


def config_id(spec, lr):
    """The folder name of a configuration's runs: family, and the learning rate if it has one."""
    return spec.family if lr is None else f"{spec.family}_lr{lr:.3e}"


def _adam(model, lr, task):
    return torch.optim.Adam(model.parameters(), lr=lr)


def _sgd_momentum(model, lr, task):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


BASELINES = [
    # Five rates each, centred where small nets usually want them; an edge extends automatically.
    OptSpec("adam", "torch.optim.Adam, lr tuned per task", _adam, "adam", grid=(-7, -3)),  # 3.16e-4 .. 3.16e-2
    OptSpec("sgd-momentum", "torch.optim.SGD(momentum=0.9), lr tuned per task", _sgd_momentum, "sgd-momentum",
            grid=(-5, -1)),  # 3.16e-3 .. 0.316
    OptSpec("adam-default", "torch.optim.Adam at torch's default lr 1e-3", _adam, "adam", lr=1e-3),
]

# The learned optimizers: suite name -> l2o.torch class name. One line per optimizer; a class this
# build of l2o lacks is not offered. They get the model itself (so the output layer is exact) and,
# where the constructor takes it, the task's batch size (PSD's batch-aware steps).
LEARNED = {
    "psd": "PSD",
    "psd-small": "PSDSmall",
    "l2l": "L2L",
}


def _learned(name, cls):
    takes_batch = "batch_size" in inspect.signature(cls).parameters

    def make(model, lr, task):
        return cls(model, batch_size=task.batch) if takes_batch else cls(model)
    return OptSpec(name, f"l2o.torch.{cls.__name__} (shipped policy, nothing to tune)", make, name,
                   needs_loss=getattr(cls, "needs_loss", False))


def _l2o_classes():
    """l2o's optimizer name -> its l2o.torch class (l2o:adam -> l2o.torch.Adam, ...)."""
    out = {}
    for attr in l2o_torch.__all__:
        cls = getattr(l2o_torch, attr)
        if isinstance(cls, type) and getattr(cls, "l2o_name", None):
            out[cls.l2o_name] = cls
    return out


def _l2o_named(name):
    cls = _l2o_classes()[name]
    if name in l2o.learned_optimizer_names():
        spec = _learned(f"l2o:{name}", cls)
    else:
        def make(model, lr, task):
            return cls(model, tuned=True)  # the shipped configs/tuned.json (tuned on the paper's MNIST MLP)
        spec = OptSpec(f"l2o:{name}", f"l2o.torch.{cls.__name__} at configs/tuned.json's values", make, f"l2o-{name}",
                       needs_loss=cls.needs_loss, needs_closure=cls.needs_closure)
    return spec


def registry():
    """Every plain name the suite knows -> its OptSpec (l2o:NAME is resolved by `get`)."""
    out = {s.name: s for s in BASELINES}
    for name, cls_name in LEARNED.items():
        if hasattr(l2o_torch, cls_name):
            out[name] = _learned(name, getattr(l2o_torch, cls_name))
    return out


def known_names():
    return list(registry()) + [f"l2o:{n}" for n in _l2o_classes()]


def get(name):
    """The OptSpec of `name`; a KeyError for an unknown one."""
    reg = registry()
    if name in reg:
        return reg[name]
    if name.startswith("l2o:") and name[4:] in _l2o_classes():
        return _l2o_named(name[4:])
    raise KeyError(name)
