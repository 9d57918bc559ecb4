"""python3 -m l2o.suite: is an optimizer better than Adam tuned for the model, per step and per second?

    PYTHONPATH=build/python /usr/bin/python3 -m l2o.suite --list
    PYTHONPATH=build/python /usr/bin/python3 -m l2o.suite --optimizers adam,sgd-momentum,adam-default,psd,l2l \\
        --seeds 3 --out results/suite            # add --resume to continue a killed run

Writes OUT/report.md, OUT/summary.json, OUT/runs.csv, OUT/plots/ and the per-run records OUT/runs/.
docs/suite.md has the tasks, the protocol and the metrics.
"""
import argparse
import os
import platform
import shlex
import sys
import time

import torch

import l2o

from . import EVAL_SEED_BASE, TUNING_SEEDS
from . import optimizers as suite_optimizers
from . import report, tasks as suite_tasks
from .runner import Suite
from .store import StaleRecord, Store, write_atomic

DEFAULT_OPTIMIZERS = "adam,sgd-momentum,adam-default,psd,l2l"


def parser():
    ap = argparse.ArgumentParser(prog="python3 -m l2o.suite", description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Tuning seeds %s; evaluation seeds %d, %d, ... Every run uses one thread "
                                        "(torch.set_num_threads(1)). The tasks and evaluation seeds are for reporting "
                                        "only: never meta-train or choose a policy on them." %
                                        (", ".join(map(str, TUNING_SEEDS)), EVAL_SEED_BASE, EVAL_SEED_BASE + 1))
    ap.add_argument("--list", action="store_true", help="list the tasks (parameters, steps, batch) and optimizers, then exit")
    ap.add_argument("--optimizers", default=DEFAULT_OPTIMIZERS,
                    help="comma-separated: adam, sgd-momentum, adam-default, psd, l2l, psd-small (where l2o has it), "
                         "l2o:NAME (any l2o optimizer, e.g. l2o:adam); tuned adam is always run (the reference). "
                         f"Default: {DEFAULT_OPTIMIZERS}")
    ap.add_argument("--seeds", default="3", help="number of evaluation seeds (1000, 1001, ...); default 3")
    ap.add_argument("--tasks", default=None, help="comma-separated task names (default: all; see --list)")
    ap.add_argument("--out", default=None, help="output folder (created; must be writable)")
    ap.add_argument("--resume", action="store_true",
                    help="continue the suite in --out: finished runs are read back, not redone")
    ap.add_argument("--tiny", action="store_true",
                    help="test scale (10 steps of batch 8 on 256 examples): for tests and smoke checks, not for numbers")
    ap.add_argument("--data-dir", default=None, help="l2o's data folder (default: $L2O_DATA, ./data, the source tree's data/)")
    ap.add_argument("--no-plots", action="store_true", help="skip the figures")
    ap.add_argument("--kill-after", type=int, default=None, help=argparse.SUPPRESS)  # tests: SIGKILL mid-run
    return ap


def _names(value, flag, ap):
    names = [n.strip() for n in value.split(",")]
    if not value.strip() or any(not n for n in names):
        ap.error(f"{flag}: expected a comma-separated list of names, got {value!r}")
    return list(dict.fromkeys(names))  # order kept, duplicates dropped


def parse(argv):
    ap = parser()
    a = ap.parse_args(argv)
    try:
        a.seeds = int(a.seeds)
    except ValueError:
        ap.error(f"--seeds: expected a positive integer (the number of evaluation seeds), got {a.seeds!r}")
    if not 1 <= a.seeds <= 1000:
        ap.error(f"--seeds: expected between 1 and 1000 evaluation seeds, got {a.seeds}")
    try:
        a.task_list = suite_tasks.select(_names(a.tasks, "--tasks", ap) if a.tasks is not None else None, a.tiny)
    except KeyError as e:
        ap.error(f"--tasks: unknown task {e.args[0]!r}; the tasks are: {', '.join(suite_tasks.BY_NAME)}")
    specs = []
    for n in _names(a.optimizers, "--optimizers", ap):
        try:
            specs.append(suite_optimizers.get(n))
        except KeyError:
            ap.error(f"--optimizers: unknown optimizer {n!r}; known: {', '.join(suite_optimizers.known_names())}")
    if "adam" not in [s.name for s in specs]:
        specs.insert(0, suite_optimizers.get("adam"))  # the reference of every speed-up
    a.specs = specs
    if a.list:
        return a
    if not a.out:
        ap.error("--out: required (the folder for the report and the run records), unless --list")
    try:
        os.makedirs(a.out, exist_ok=True)
        write_atomic(os.path.join(a.out, ".write-test"), "ok\n")
        os.unlink(os.path.join(a.out, ".write-test"))
    except OSError as e:
        ap.error(f"--out: cannot write to {a.out!r}: {e.strerror or e}")
    if Store(a.out).has_runs() and not a.resume:
        ap.error(f"--out: {a.out!r} already holds runs of the suite; pass --resume to continue them, "
                 "or choose another --out")
    return a


def list_tasks(a, out):
    out.write(f"{'task':20s} {'data set':14s} {'params':>7s} {'steps':>6s} {'batch':>5s}  {'loss':13s} model\n")
    for t in a.task_list:
        out.write(f"{t.name:20s} {t.dataset:14s} {t.params():7d} {t.steps:6d} {t.batch:5d}  {t.loss:13s} {t.model}\n")
    out.write(f"total steps per run of every task: {sum(t.steps for t in a.task_list)}\n\n")
    out.write("optimizers: " + ", ".join(suite_optimizers.known_names()) + "\n")


def main(argv=None, out=None):
    out = sys.stdout if out is None else out
    a = parse(sys.argv[1:] if argv is None else argv)
    torch.set_num_threads(1)  # one thread per run: comparable timings; runs can be spread over processes
    if a.list:
        list_tasks(a, out)
        return 0
    store = Store(a.out)
    suite = Suite(a.task_list, a.specs, range(EVAL_SEED_BASE, EVAL_SEED_BASE + a.seeds), store, a.data_dir,
                  out=out, kill_after=a.kill_after)
    meta = {"command": "python3 -m l2o.suite " + " ".join(shlex.quote(x) for x in (sys.argv[1:] if argv is None else argv)),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"), "host": platform.node(), "torch": torch.__version__,
            "threads": 1, "eval_seeds": list(suite.eval_seeds), "tasks": [t.name for t in a.task_list],
            "optimizers": [s.name for s in a.specs], "tiny": a.tiny, "invocation": suite.invocation}
    try:
        suite.check_data()
    except l2o.Error as e:
        out.write(f"l2o.suite: error: a task's data set cannot be loaded: {e}\n")
        return 1
    out.write(f"l2o.suite: {len(a.task_list)} tasks x {len(a.specs)} optimizers, {a.seeds} evaluation seeds; "
              f"{suite.planned} runs planned (before grid extensions); output in {a.out}\n")
    out.flush()

    def on_task_done(results):
        left = [t.name for t in a.task_list[len(results):]]
        report.write(a.out, results, dict(meta, written=time.strftime("%Y-%m-%d %H:%M:%S"),
                                          elapsed=time.monotonic() - suite.start,
                                          partial=f"tasks not run yet: {', '.join(left)}" if left else None),
                     plots=not a.no_plots)

    try:
        suite.run(on_task_done)
    except StaleRecord as e:
        out.write(f"l2o.suite: error: --resume: {e}; use another --out for the changed suite\n")
        return 1
    out.write(f"l2o.suite: done in {report.hms(time.monotonic() - suite.start)} ({suite.computed} runs computed, "
              f"{suite.done - suite.computed} read back); report: {os.path.join(a.out, 'report.md')}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
