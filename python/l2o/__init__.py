"""l2o: learned optimizers (Li & Malik 2017) and hand-designed baselines, on the C++ of l2o.

    import l2o
    opt = l2o.Optimizer("psd")                 # any of the nine optimizers, on a flat float64 vector
    task = l2o.make_task("mnist", "48-48-10")  # the paper's MLP task
    run = l2o.train(task, "adam", iters=400)   # `l2o train`: trace and outcome

    import l2o.torch                           # torch.optim optimizers: l2o.torch.PSD(model.parameters())

Everything numeric is the C++ library (l2o._native); this package only re-exports it and finds
the shipped policies and tuned values (l2o._paths). See docs/python.md.
"""
from . import _native
from ._native import (
    CoordinateGroup,
    Dataset,
    DivergenceError,
    Error,
    MinibatchSampler,
    MlpTask,
    Optimizer,
    ParamLayout,
    ProjectedDataset,
    RunResult,
    bench_panel,
    default_hyper,
    hand_designed_names,
    learned_optimizer_names,
    load_dataset,
    load_projected,
    make_task,
    write_psd_small_policy,
)
from ._paths import policy_path, tuned_path

__all__ = [
    "CoordinateGroup", "Dataset", "DivergenceError", "Error", "MinibatchSampler", "MlpTask", "Optimizer",
    "ParamLayout", "ProjectedDataset", "RunResult", "bench", "bench_panel", "default_hyper",
    "hand_designed_names", "learned_optimizer_names", "load_dataset", "load_projected", "make_optimizer",
    "make_task", "policy_path", "train", "tuned_hyper", "tuned_path", "write_psd_small_policy",
]


def tuned_hyper(name, path=None):
    """The tuned hyper-parameters of a hand-designed optimizer (configs/tuned.json, see tuned_path)."""
    return _native.tuned_hyper(name, tuned_path(path))


def make_optimizer(name, hyper=None, policy=None, tuned=None):
    """An l2o.Optimizer as `l2o train --optimizer NAME` builds it. Hand-designed: `hyper` over the
    C++ defaults if given, else the tuned values (file `tuned`, see tuned_path). Learned: the policy
    file `policy`, else the shipped one."""
    if name in _native.learned_optimizer_names():
        return Optimizer(name, None, policy_path(name, policy))
    if hyper is None:
        hyper = tuned_hyper(name, tuned)
    return Optimizer(name, hyper)


def train(task, optimizer="sgd", hyper=None, policy=None, tuned=None, iters=400, batch=64, seed=1, eval_every=1):
    """`l2o train` on an l2o.MlpTask; returns an l2o.RunResult (trace, divergence, final parameters)."""
    if isinstance(optimizer, str) and optimizer in _native.learned_optimizer_names():
        policy = policy_path(optimizer, policy)
    return _native.train(task, optimizer, hyper, policy, tuned_path(tuned), iters, batch, seed, eval_every)


def bench(experiment="mnist", datasets=(), optimizers=None, policies=None, tuned=None, out_dir="results/bench",
          seeds=10, jobs=1, eval_every=5, data_dir="", plots=True):
    """`l2o bench`: writes out_dir and returns {"summary", "panels", "wall_seconds"}."""
    return _native.bench(experiment, list(datasets), optimizers, _policies(optimizers, policies), tuned_path(tuned),
                         out_dir, seeds, jobs, eval_every, data_dir, plots)


def _policies(optimizers, policies):
    # Learned optimizers without an explicit policy use the shipped one, found as l2o.policy_path does.
    out = dict(policies or {})
    names = optimizers if optimizers is not None else []
    for n in names:
        if n in _native.learned_optimizer_names() and n not in out:
            out[n] = policy_path(n)
    return out or None
