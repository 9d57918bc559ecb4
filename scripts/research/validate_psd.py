#!/usr/bin/env python3
"""Validation of PSD policies on meta-training validation seeds (never the evaluation seeds 1000+).

usage: scripts/research/validate_psd.py NAME=POLICY ... [--l2o build/l2o] [--out DIR] [--jobs 2] [--only TEXT] [--max-seeds N]
                              [--pairs DIR] [--noisy DIR] [--noisy-pairs DIR] [--narrow]
                              [--long] [--raw] [--baselines adam,adagrad] [--list]

Runs `l2o train` for each policy on the four validation tasks of docs/meta-training.md (MNIST
48-48-10 and 100-200-10, minibatch 64 and 10, 400 iterations, objective every iteration; seeds
900-909 for the first task, 900-904 for the others), and the tuned Adam and AdaGrad on the same
runs. Prints each optimizer's mean meta-loss (sum of f over iterations 1..400) per task and the
criterion: the mean over the four tasks of its meta-loss over the best tuned baseline's there.
Runs are kept in DIR (one CSV per run) and reused. --only keeps the tasks whose name contains TEXT
(or any of several, comma-separated); --max-seeds N the first N seeds of each task.
--pairs DIR adds the two many-class tasks: MNIST-pairs (scripts/make_mnist_pairs.py DIR) on the
48-48-100 net at minibatch 64 and 10, seeds 900-904 (docs/history/meta-training.md, "Many-class output
layers"); the criterion is then over all the tasks run. --noisy DIR adds MNIST-noisy
(scripts/make_mnist_noisy.py DIR) on the 48-48-10 net at minibatch 64 and 10 ("High-loss tasks"),
--noisy-pairs DIR noisy MNIST-pairs (make_mnist_noisy.py on MNIST-pairs) on the 48-48-100 net at
minibatch 64 and 10 (many classes and a high loss, as CIFAR-100), and
--narrow five MNIST tasks on nets narrower than 48-48 (docs/psd.md, "Narrow nets"; `--only narrow` runs just those),
seeds 900-904 each; with --pairs or --noisy-pairs, --narrow also adds that data set on the 16-16-100 net at
minibatch 64 (the `narrow` experiment's CIFAR-100 panel, made from MNIST).
--raw adds MNIST on raw, unstandardised pixels (`l2o train --inputs raw`): 784-48-10 at minibatch 64
(seeds 900-904) and 10, and 784-100-10 at 64 (seeds 900-902).
--long adds MNIST 100-200-10 at minibatch 64 over 800 iterations, seeds 900-904 (the horizon of the
paper's Fig. 5, twice the meta-training horizon; docs/history/meta-training.md, "One recipe within 60 minutes").
--baselines names the tuned hand-designed optimizers run beside the policies (default adam,adagrad; the
criterion is over the best of them on each task). --list prints the tasks (name, data, net, batch, seeds)
and runs nothing.
"""
import argparse
import concurrent.futures as cf
import csv
import os
import subprocess
import sys

TASKS = [("mnist-48-48-10-b64", "mnist", "48-48-10", 64, range(900, 910)),
         ("mnist-48-48-10-b10", "mnist", "48-48-10", 10, range(900, 905)),
         ("mnist-100-200-10-b64", "mnist", "100-200-10", 64, range(900, 905)),
         ("mnist-100-200-10-b10", "mnist", "100-200-10", 10, range(900, 905))]


NARROW_TASKS = [(f"narrow-{arch}-b{batch}", "mnist", arch, batch, range(900, 905))
                for arch, batch in (("16-48-10", 64), ("8-48-10", 64), ("48-16-10", 64), ("32-32-10", 64),
                                    ("16-48-10", 10))]


# Raw, unstandardised pixels (`--inputs raw`): the input layer is 784 wide (issue 41's validation of
# the width rule by layer role; docs/psd.md, "Width by layer role").
RAW_TASKS = [("raw-784-48-10-b64", "mnist", "784-48-10", 64, range(900, 905)),
             ("raw-784-100-10-b64", "mnist", "784-100-10", 64, range(900, 903)),
             ("raw-784-48-10-b10", "mnist", "784-48-10", 10, range(900, 903))]


LONG_TASKS = [("mnist-100-200-10-b64-i800", "mnist", "100-200-10", 64, range(900, 905))]
ITERATIONS = {"mnist-100-200-10-b64-i800": 800}  # every other task runs 400 iterations


def iterations(task_name):
    return ITERATIONS.get(task_name, 400)


def idx_spec(flag, folder, script):
    files = [os.path.join(folder, f) for f in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]
    for f in files:
        if not os.path.exists(f):
            sys.exit(f"validate_psd.py: {flag}: {f} does not exist (make it with scripts/{script})")
    return "idx:" + ",".join(files)


def pairs_tasks(folder):
    spec = idx_spec("--pairs", folder, "make_mnist_pairs.py")
    return [("pairs-48-48-100-b64", spec, "48-48-100", 64, range(900, 905)),
            ("pairs-48-48-100-b10", spec, "48-48-100", 10, range(900, 905))]


def noisy_tasks(folder):
    spec = idx_spec("--noisy", folder, "make_mnist_noisy.py")
    return [("noisy-48-48-10-b64", spec, "48-48-10", 64, range(900, 905)),
            ("noisy-48-48-10-b10", spec, "48-48-10", 10, range(900, 905))]


def noisy_pairs_tasks(folder):
    spec = idx_spec("--noisy-pairs", folder, "make_mnist_noisy.py (on MNIST-pairs)")
    return [("noisypairs-48-48-100-b64", spec, "48-48-100", 64, range(900, 905)),
            ("noisypairs-48-48-100-b10", spec, "48-48-100", 10, range(900, 905))]


def narrow_many_class_tasks(tasks):
    """The data set of each 48-48-100 task (MNIST-pairs, noisy MNIST-pairs) on the 16-16-100 net at
    minibatch 64, once per data set."""
    narrow = {}
    for name, spec, arch, _, _ in tasks:
        if arch == "48-48-100" and spec not in narrow:
            narrow[spec] = (f"narrow{name.split('-')[0]}-16-16-100-b64", spec, "16-16-100", 64, range(900, 905))
    return list(narrow.values())


KNOWN_BASELINES = ("sgd", "momentum", "adagrad", "adam", "rmsprop")


def run(l2o, out, name, opt_args, task, seed):
    task_name, dataset, arch, batch, _ = task
    prefix = "" if dataset == "mnist" and not task_name.startswith("raw-") else task_name.split("-")[0] + "-"
    iters = iterations(task_name)
    suffix = "" if iters == 400 else f"-i{iters}"  # the 400-iteration runs keep their file names
    f = os.path.join(out, f"{prefix}{name}-{arch}-b{batch}{suffix}-s{seed}.csv")
    if not os.path.exists(f):
        cmd = [l2o, "train", *opt_args, "--dataset", dataset, "--arch", arch, "--batch", str(batch), "--iters", str(iters),
               "--seed", str(seed), "--eval-every", "1", "--quiet", "--out", f + ".part"]
        if task_name.startswith("raw-"):
            cmd += ["--inputs", "raw"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
        os.replace(f + ".part", f)
    with open(f) as fh:
        vals = [float(r["objective"]) for r in csv.DictReader(fh) if int(r["iter"]) >= 1]
    if len(vals) != iters or any(v != v for v in vals):
        return float("inf")  # diverged (reported, ranks last)
    return sum(vals)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("policies", nargs="+", metavar="NAME=POLICY")
    ap.add_argument("--l2o", default="build/l2o")
    ap.add_argument("--out", default="results/validation")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="")
    ap.add_argument("--pairs", default="", metavar="DIR")
    ap.add_argument("--noisy", default="", metavar="DIR")
    ap.add_argument("--noisy-pairs", default="", metavar="DIR")
    ap.add_argument("--narrow", action="store_true")
    ap.add_argument("--long", action="store_true")
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--max-seeds", type=int, default=0)
    ap.add_argument("--baselines", default="adam,adagrad")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    baselines = [b for b in a.baselines.split(",") if b]
    for b in baselines:
        if b not in KNOWN_BASELINES:
            sys.exit(f"validate_psd.py: --baselines: '{b}' is not one of {','.join(KNOWN_BASELINES)}")
    if not baselines or len(set(baselines)) != len(baselines):
        sys.exit(f"validate_psd.py: --baselines: '{a.baselines}': give each optimizer once, at least one")
    opts = [(b, ["--optimizer", b]) for b in baselines]
    for p in a.policies:
        if "=" not in p:
            sys.exit(f"validate_psd.py: '{p}' is not NAME=POLICY")
        name, path = p.split("=", 1)
        if not os.path.exists(path):
            sys.exit(f"validate_psd.py: policy file '{path}' does not exist")
        opts.append((name, ["--optimizer", "psd", "--policy", path]))
    tasks = TASKS + (pairs_tasks(a.pairs) if a.pairs else []) + (noisy_tasks(a.noisy) if a.noisy else []) \
        + (noisy_pairs_tasks(a.noisy_pairs) if a.noisy_pairs else [])
    narrow = NARROW_TASKS + narrow_many_class_tasks(tasks) if a.narrow else []
    only = a.only.split(",")
    tasks = [t for t in tasks + narrow + (LONG_TASKS if a.long else []) + (RAW_TASKS if a.raw else [])
             if any(o in t[0] for o in only)]
    if a.max_seeds:
        tasks = [(n, d, arch, b, seeds[:a.max_seeds]) for n, d, arch, b, seeds in tasks]
    if a.list:
        for name, data, arch, batch, seeds in tasks:
            print(f"{name} {data} {arch} {batch} {seeds.start}-{seeds.stop - 1} {iterations(name)}")
        return
    os.makedirs(a.out, exist_ok=True)
    with cf.ThreadPoolExecutor(a.jobs) as ex:
        jobs = {(n, t[0], s): ex.submit(run, a.l2o, a.out, n, args, t, s)
                for n, args in opts for t in tasks for s in t[4]}
        try:
            res = {k: f.result() for k, f in jobs.items()}
        except RuntimeError as e:
            sys.exit(f"validate_psd.py: {e}")
    mean = {(n, t[0]): sum(res[(n, t[0], s)] for s in t[4]) / len(t[4]) for n, _ in opts for t in tasks}
    best = {t[0]: min(mean[(n, t[0])] for n in baselines) for t in tasks}
    width = {t[0]: max(22, len(t[0]) + 2) for t in tasks}  # long task names stay apart
    print("optimizer".ljust(16) + "".join(t[0].rjust(width[t[0]]) for t in tasks) + "criterion".rjust(11))
    for n, _ in opts:
        crit = sum(mean[(n, t[0])] / best[t[0]] for t in tasks) / len(tasks)
        print(n.ljust(16) + "".join(f"{mean[(n, t[0])]:{width[t[0]]}.2f}" for t in tasks) + f"{crit:11.3f}")


if __name__ == "__main__":
    main()
