"""The protocol: per task, tune the baselines' learning rates on the tuning seeds, then run every
optimizer on the evaluation seeds; every run is recorded (store.py) and reused by --resume.
Prints one progress line per run (task, optimizer, seed, elapsed, ETA) and rewrites the report
after each task, so a long suite can be read while it runs.
"""
import os
import platform
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, List

import torch

from . import TUNING_SEEDS
from . import data as suite_data
from . import train
from .optimizers import config_id, lr_of
from .report import hms
from .tuning import TuneResult, mean_or_inf, tune

# Rough per-parameter cost of a learned optimizer's step (seconds), for the ETA until measured:
# PSD's 128-cell LSTM 2-4 us per coordinate in float32 (docs/python.md; ~4 us measured on the
# shared 2-core machine), L2L's 2x20 cells about 1 us.
_PER_PARAM_GUESS = {"psd": 4e-6, "psd-small": 2e-6, "l2l": 1e-6}
_BASE_STEP_GUESS = 0.005


@dataclass
class Evaluation:
    spec: object
    lr: object
    records: List[dict]


@dataclass
class TaskResult:
    task: object
    params: int
    data_name: str = ""  # the data set's display name (e.g. "CIFAR-10 (JPEG copy)")
    tuning: Dict[str, TuneResult] = field(default_factory=dict)
    tuning_records: Dict[str, List[dict]] = field(default_factory=dict)  # spec name -> its tuning runs
    evals: Dict[str, Evaluation] = field(default_factory=dict)


class Suite:
    def __init__(self, tasks, specs, eval_seeds, store, data_dir=None, out=None, kill_after=None):
        self.tasks, self.specs, self.eval_seeds = tasks, specs, list(eval_seeds)
        self.store, self.data_dir, self.out = store, data_dir, sys.stdout if out is None else out
        self.kill_after = kill_after  # tests: SIGKILL this process halfway through run kill_after + 1
        self.invocation = uuid.uuid4().hex[:12]
        self.computed = 0
        self.done = 0
        self.start = time.monotonic()
        self.rates = {}  # (task, kind) -> measured wall seconds per step, for the ETA
        self.data_names = {}  # data set -> its display name, filled by check_data
        self.params = {t.name: t.params() for t in tasks}
        # The plan, for the progress count and the ETA: (task, spec, role) -> runs; tuning-grid
        # extensions add to it when they happen.
        self.plan = {}
        for t in tasks:
            for spec in specs:
                if spec.tuned:
                    self.plan[(t.name, spec.name, "tune")] = (spec.grid[1] - spec.grid[0] + 1) * len(TUNING_SEEDS)
                self.plan[(t.name, spec.name, "eval")] = len(self.eval_seeds)
        self.counts = {k: 0 for k in self.plan}

    @property
    def planned(self):
        return sum(self.plan.values())

    @staticmethod
    def _kind(spec):
        return spec.family if spec.family in _PER_PARAM_GUESS else "baseline"

    def _rate(self, task, spec):
        kind = self._kind(spec)
        if (task.name, kind) in self.rates:
            return self.rates[(task.name, kind)]
        base = self.rates.get((task.name, "baseline"), _BASE_STEP_GUESS)
        if kind == "baseline":
            return base
        per_param = [(r - self.rates.get((t, "baseline"), _BASE_STEP_GUESS)) / self.params[t]
                     for (t, k), r in self.rates.items() if k == kind]
        guess = max(per_param) if per_param else _PER_PARAM_GUESS[kind]
        return base + guess * self.params[task.name]

    # ----------------------------------------------------------------------------- one run
    def record(self, task, spec, lr, seed, role, signature):
        config = config_id(spec, lr)
        rec = self.store.load(task.name, config, seed, signature)
        cached = rec is not None
        if rec is None:
            wall = time.monotonic()
            on_step = None
            if self.kill_after is not None and self.computed >= self.kill_after:
                def on_step(t, half=max(1, task.steps // 2)):
                    if t == half:  # a real kill in the middle of a run: nothing of it may survive
                        sys.stdout.flush()
                        os.kill(os.getpid(), signal.SIGKILL)
            rec = train.run(task, spec, lr, seed, self.data_dir, on_step)
            rec.update({
                "task": task.name, "task_signature": signature, "config": config, "family": spec.family,
                "lr": lr, "seed": seed, "role": role, "wall_seconds": time.monotonic() - wall,
                "invocation": self.invocation, "host": platform.node(), "torch": torch.__version__,
                "threads": torch.get_num_threads(), "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            })
            self.store.save(rec)
            self.computed += 1
        if rec["steps_done"]:
            self.rates[(task.name, self._kind(spec))] = rec["wall_seconds"] / max(1, rec["steps_done"])
        self.done += 1
        self.counts[(task.name, spec.name, role)] += 1
        self._progress(task, spec, lr, seed, role, rec, cached)
        return rec

    def _progress(self, task, spec, lr, seed, role, rec, cached):
        name = spec.family if spec.tuned and role == "tune" else spec.name
        label = f"{name}" + (f" lr={lr:.2e}" if lr is not None else "")
        if rec["diverged"]:
            outcome = f"diverged ({rec['divergence'][:60]})"
        else:
            outcome = f"final {rec['final_loss']:.4f}"
        how = "recorded earlier" if cached else f"{rec['wall_seconds']:.1f} s"
        elapsed = time.monotonic() - self.start
        eta = self._eta()
        self.out.write(f"[{self.done:4d}/{self.planned}] {task.name:18s} {label:26s} {role:4s} "
                       f"seed {seed:<5d} {how:>16s}  {outcome:28s} | elapsed {hms(elapsed)}  ETA ~{hms(eta)}\n")
        self.out.flush()

    def _eta(self):
        # The runs left in the plan, each costed at the rate measured for its task and optimizer
        # (or guessed from the others); grid extensions still to come are not foreseen.
        by_name = {t.name: t for t in self.tasks}
        specs = {s.name: s for s in self.specs}
        total = 0.0
        for (task, spec, role), n in self.plan.items():
            left = max(0, n - self.counts[(task, spec, role)])
            if left:
                total += left * by_name[task].steps * self._rate(by_name[task], specs[spec])
        return total

    # ----------------------------------------------------------------------------- the protocol
    def check_data(self):
        """Loads every data set the chosen tasks need, first, so that a missing one fails at once."""
        for t in self.tasks:
            self.data_names[t.dataset] = suite_data.load(t.dataset, self.data_dir).display_name

    def run_task(self, task):
        signature = task.signature()
        result = TaskResult(task=task, params=self.params[task.name],
                            data_name=self.data_names.get(task.dataset, task.dataset))
        for spec in [s for s in self.specs if s.tuned]:
            runs = []

            def score(e, spec=spec, runs=runs):
                if not spec.grid[0] <= e <= spec.grid[1]:
                    self.plan[(task.name, spec.name, "tune")] += len(TUNING_SEEDS)  # a grid extension
                recs = [self.record(task, spec, lr_of(e), s, "tune", signature) for s in TUNING_SEEDS]
                runs.extend(recs)
                return mean_or_inf([r["final_loss"] for r in recs])

            def say(note, spec=spec):
                self.out.write(f"       {task.name}: {spec.name}: {note}\n")
            res = tune(spec.grid[0], spec.grid[1], score, on_note=say)
            result.tuning[spec.name] = res
            result.tuning_records[spec.name] = runs
        for spec in self.specs:
            lr = result.tuning[spec.name].lr if spec.tuned else spec.lr
            recs = [self.record(task, spec, lr, s, "eval", signature) for s in self.eval_seeds]
            result.evals[spec.name] = Evaluation(spec, lr, recs)
        return result

    def run(self, on_task_done=None):
        results = []
        for task in self.tasks:
            results.append(self.run_task(task))
            if on_task_done is not None:
                on_task_done(results)
        return results

