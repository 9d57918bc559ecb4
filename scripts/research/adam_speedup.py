#!/usr/bin/env python3
"""Speed-up of a PSD policy over tuned Adam where Adam never reaches PSD's final objective within
the panel's iterations (the bench then reports only a lower bound): runs Adam longer with
`l2o train` on the same task and seeds and finds where its mean curve reaches PSD's final mean.

usage: scripts/research/adam_speedup.py SUMMARY.json [--policy psd] [--factor 4] [--l2o build/l2o] [--out DIR]

speed-up = (first iteration at which Adam's mean objective, over the panel's seeds, is at or below
PSD's final mean objective; linear interpolation between evaluations) / the panel's iterations.
Adam runs factor x the panel's iterations (objective every 5); '> factor' if it still never gets
there. Checks that the first `iters` iterations of these runs are the bench's: their meta-loss
(the bench's rule, curve_meta_loss) must equal the bench's Adam mean to 1e-9, relative.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys


def mean_curve(files):
    curves = []
    for f in files:
        with open(f) as fh:
            rows = [r for r in csv.DictReader(fh) if r["objective"] not in ("", "nan")]
        curves.append({int(r["iter"]): float(r["objective"]) for r in rows})
    iters = sorted(set.intersection(*(set(c) for c in curves)))
    return iters, [statistics.fmean(c[i] for c in curves) for i in iters], curves


def meta_loss(curve, total):
    """Sum of f at t = 1..total, linear between evaluated iterations (bench/curve_stats.cpp)."""
    pts = sorted((i, v) for i, v in curve.items() if i <= total)
    if not pts or pts[0][0] != 0 or pts[-1][0] != total:
        raise ValueError(f"the curve is not evaluated at 0 and {total}")
    return sum(gap * fa + (fb - fa) * (gap + 1) / 2.0
               for (a, fa), (b, fb) in zip(pts, pts[1:]) for gap in [b - a])


def reach(iters, curve, target):
    for k, (i, v) in enumerate(zip(iters, curve)):
        if v <= target:
            if k == 0:
                return float(i)
            i0, v0 = iters[k - 1], curve[k - 1]
            return i0 + (i - i0) * (v0 - target) / (v0 - v)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("summary")
    ap.add_argument("--policy", default="psd")
    ap.add_argument("--factor", type=int, default=4)
    ap.add_argument("--l2o", default="build/l2o")
    ap.add_argument("--out", default="results/adam-longer")
    a = ap.parse_args()
    try:
        panels = json.load(open(a.summary))["panels"]
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"adam_speedup.py: cannot read a bench summary from {a.summary}: {e}")
    os.makedirs(a.out, exist_ok=True)
    speedups = []
    for p in panels:
        opts = {o["name"]: o for o in p["optimizers"]}
        if a.policy not in opts or "adam" not in opts:
            sys.exit(f"adam_speedup.py: panel {p['experiment']} {p['dataset']} lacks '{a.policy}' or 'adam'")
        me, adam = opts[a.policy], opts["adam"]
        name = f"{p['experiment']} {p['dataset']}"
        if me.get("speedup_over_adam") is not None:
            speedups.append(me["speedup_over_adam"])
            print(f"{name}: {me['speedup_over_adam']:.2f}x (from the bench)")
            continue
        target, iters = me["final_objective_mean"], p["iters"]
        files = []
        for s in p["seed_values"]:
            f = os.path.join(a.out, f"{p['experiment']}_{p['dataset']}_adam_x{a.factor}_s{s}.csv")
            if not os.path.exists(f):
                cmd = [a.l2o, "train", "--optimizer", "adam", "--dataset", p["dataset"], "--arch", p["arch"],
                       "--batch", str(p["batch"]), "--iters", str(a.factor * iters), "--seed", str(s),
                       "--eval-every", str(p["eval_every"]), "--train-size", str(p["train_examples"]),
                       "--quiet", "--out", f]
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    sys.exit(f"adam_speedup.py: {' '.join(cmd)} failed: {r.stderr.strip()}")
            files.append(f)
        its, curve, curves = mean_curve(files)
        # The first `iters` iterations must be the bench's runs (same task, seeds, tuned values).
        prefix = statistics.fmean(meta_loss(c, iters) for c in curves)
        if abs(prefix / adam["meta_loss_mean"] - 1.0) > 1e-9:
            sys.exit(f"adam_speedup.py: {name}: Adam's first {iters} iterations here give meta-loss {prefix:.6f}, "
                     f"the bench's {adam['meta_loss_mean']:.6f}: not the same runs")
        at = reach(its, curve, target)
        sp = at / iters if at is not None else None
        speedups.append(sp if sp is not None else float(a.factor))
        print(f"{name}: Adam reaches PSD's final {target:.4f} at iteration "
              f"{'%.0f' % at if at is not None else 'never (> %d)' % (a.factor * iters)} -> "
              f"{'%.2fx' % sp if sp is not None else '> %dx' % a.factor} "
              f"(Adam's first {iters} iterations: meta-loss {prefix:.2f}, as in the bench)")
    print(f"median speed-up over Adam across {len(speedups)} panels: {statistics.median(speedups):.2f}x")


if __name__ == "__main__":
    main()
