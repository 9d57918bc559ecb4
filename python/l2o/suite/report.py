"""What the suite writes from its records: summary.json, report.md, runs.csv and one figure per task.

Everything here is a pure function of the run records, so a resumed suite reports the same
numbers as an uninterrupted one (timings aside) and the report can be rebuilt at any time.
"""
import csv
import io
import json
import os

import numpy as np

from . import TUNING_SEEDS, metrics
from .optimizers import lr_of
from .store import write_atomic

REFERENCE = "adam"  # tuned torch.optim.Adam: every speed-up is measured against it

NOTE = ("The suite's tasks and evaluation seeds are for reporting only: meta-training and any choice of "
        "policy must never use them.")


def _mean(values):
    v = [x for x in values if x is not None]
    return float(np.mean(v)) if v else None


def _sd(values):
    v = [x for x in values if x is not None]
    return float(np.std(v, ddof=1)) if len(v) > 1 else None


def _curves(records):
    """(mean smoothed loss per step, mean cumulative seconds per step) over the finished runs."""
    ok = [r for r in records if not r["diverged"]]
    if not ok:
        return None, None
    loss = np.mean([metrics.smooth(r["losses"]) for r in ok], axis=0)
    secs = np.mean([r["seconds"] for r in ok], axis=0)
    return loss, secs


def task_summary(result):
    """The per-task entry of summary.json (and what the tables and the per-seed CSV show)."""
    task = result.task
    ref_loss, ref_secs = _curves(result.evals[REFERENCE].records)
    invocations_ref = {r["invocation"] for r in result.evals[REFERENCE].records}
    rows = []
    for name, ev in result.evals.items():
        ok = [r for r in ev.records if not r["diverged"]]
        entry = {
            "name": name, "lr": ev.lr, "runs": len(ev.records), "diverged_runs": len(ev.records) - len(ok),
            "final_loss": _mean([r["final_loss"] for r in ok]), "final_loss_sd": _sd([r["final_loss"] for r in ok]),
            "eval_loss": _mean([r["eval_loss"] for r in ok]), "test_loss": _mean([r["test_loss"] for r in ok]),
            "test_accuracy": _mean([r["test_accuracy"] for r in ok]), "auc": _mean([r["auc"] for r in ok]),
            "seconds_per_step": _mean([r["seconds_per_step"] for r in ok]),
            "total_seconds": _mean([r["total_seconds"] for r in ok]),
            "speedup_steps": None, "speedup_seconds": None, "speedup_lower_bound": None,
            "beats_tuned_adam": False, "per_seed": [],
            "timed_in_other_invocation": bool({r["invocation"] for r in ev.records} - invocations_ref),
        }
        if ok and ref_loss is not None:
            sp = metrics.speedup(ref_loss, ref_secs, entry["final_loss"], task.steps, entry["total_seconds"])
            entry.update(speedup_steps=sp.steps, speedup_seconds=sp.seconds, speedup_lower_bound=sp.lower_bound,
                         adam_reaches_at_step=sp.reference_step)
        ref_final = _mean([r["final_loss"] for r in result.evals[REFERENCE].records if not r["diverged"]])
        if entry["final_loss"] is not None and ref_final is not None:
            entry["beats_tuned_adam"] = entry["final_loss"] < ref_final
        for r in ev.records:
            seed = {"seed": r["seed"], "final_loss": r["final_loss"], "diverged": r["diverged"]}
            if not r["diverged"] and ref_loss is not None:
                sp = metrics.speedup(ref_loss, ref_secs, r["final_loss"], task.steps, r["total_seconds"])
                seed.update(speedup_steps=sp.steps, speedup_seconds=sp.seconds, speedup_lower_bound=sp.lower_bound)
            entry["per_seed"].append(seed)
        rows.append(entry)
    tuning = {}
    for name, res in result.tuning.items():
        tuning[name] = {"grid": [lr_of(e) for e in res.grid], "initial_grid": [lr_of(e) for e in res.initial],
                        "scores": {f"{lr_of(e):.3e}": metrics.finite_or_none(s) for e, s in sorted(res.scores.items())},
                        "best_lr": res.lr, "extended": len(res.grid) > len(res.initial), "at_edge": res.at_edge,
                        "notes": res.notes}
    t = task
    return {"name": t.name, "dataset": t.dataset, "data": result.data_name, "model": t.model, "params": result.params, "loss": t.loss,
            "batch": t.batch, "steps": t.steps, "held_out": t.held_out, "tiny": t.tiny, "tuning": tuning,
            "optimizers": rows}


def overall(tasks):
    """Per optimizer, over tasks: the fraction beating tuned Adam, median and IQM speed-ups. A task
    where every evaluation run of the optimizer diverged counts as speed-up 0 and as not beating."""
    names = []
    for t in tasks:
        for o in t["optimizers"]:
            if o["name"] not in names:
                names.append(o["name"])
    out = []
    for name in names:
        entries = [o for t in tasks for o in t["optimizers"] if o["name"] == name]
        compared = [o for o in entries if o["runs"] > 0]

        def speeds(key):
            return [0.0 if o["final_loss"] is None else o[key] for o in compared]
        beating = sum(1 for o in compared if o["beats_tuned_adam"])
        out.append({
            "name": name, "tasks_compared": len(compared),
            "tasks_beating_tuned_adam": beating / len(compared) if compared else None,
            "tasks_beating_tuned_adam_count": beating,
            "median_speedup_steps": metrics.median(speeds("speedup_steps")),
            "median_speedup_seconds": metrics.median(speeds("speedup_seconds")),
            "iqm_speedup_steps": metrics.iqm(speeds("speedup_steps")),
            "iqm_speedup_seconds": metrics.iqm(speeds("speedup_seconds")),
            "speedup_lower_bounds": sum(1 for o in compared if o["speedup_lower_bound"]),
            "diverged_runs": sum(o["diverged_runs"] for o in compared),
            "runs": sum(o["runs"] for o in compared),
        })
    return out


def run_seconds(results):
    """The summed wall time of every distinct run in the results (tuning and evaluation)."""
    seen = {}
    for r in results:
        for recs in list(r.tuning_records.values()) + [ev.records for ev in r.evals.values()]:
            for rec in recs:
                seen[(rec["task"], rec["config"], rec["seed"])] = rec["wall_seconds"]
    return sum(seen.values())


def summary(results, meta):
    tasks = [task_summary(r) for r in results]
    meta = dict(meta, run_seconds=run_seconds(results))
    return {"suite": dict(meta, note=NOTE, tuning_seeds=list(TUNING_SEEDS), reference=REFERENCE,
                          smoothing="trailing mean over max(1, steps // 10) steps"),
            "tasks": tasks, "optimizers": overall(tasks)}


# ----------------------------------------------------------------------------- files
def _fmt(x, digits=4):
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}g}" if abs(x) < 1e4 else f"{x:.3e}"
    return str(x)


def _speed(o, key):
    if o[key] is None:
        return "–"
    return ("≥" if o["speedup_lower_bound"] else "") + f"{o[key]:.3g}×"


def hms(seconds):
    """h:mm:ss, for elapsed times and ETAs."""
    t = int(round(seconds))
    return f"{t // 3600}:{t % 3600 // 60:02d}:{t % 60:02d}"


def report_md(s):
    m = s["suite"]
    lines = ["# l2o.suite: held-out tasks", "",
             f"**{NOTE}**", "",
             f"Command: `{m.get('command', '')}`  ",
             f"Started {m.get('started', '')}, written {m.get('written', '')}; host {m.get('host', '')}, "
             f"torch {m.get('torch', '')}, one thread per run (`torch.set_num_threads(1)`).  ",
             f"Wall time of this invocation: {hms(m.get('elapsed', 0))}; the runs' own wall times add up to "
             f"{hms(m['run_seconds'])} (tuning and evaluation, whichever invocation ran them).  ",
             f"Tuning seeds {', '.join(map(str, TUNING_SEEDS))}; evaluation seeds "
             f"{', '.join(map(str, m.get('eval_seeds', [])))}. Learning rates of `adam` and `sgd-momentum` chosen "
             "per task on the tuning seeds by the final loss; everything below is on the evaluation seeds.",
             "",
             "Final loss: mean minibatch loss over the last 10 % of steps. Speed-up: steps (seconds) tuned Adam "
             "needs to first reach the optimizer's final loss on its smoothed curve, divided by the optimizer's "
             "steps (seconds); ≥ marks a lower bound (tuned Adam never got there). Objective: loss on a fixed "
             "sample of the training pool at the end. See docs/suite.md.", ""]
    if m.get("tiny"):
        lines += ["**Test scale (--tiny): these numbers mean nothing.**", ""]
    if m.get("partial"):
        lines += [f"**Partial: {m['partial']}**", ""]
    lines += ["## Summary over tasks", "",
              "| optimizer | beats tuned Adam | median speed-up (steps) | IQM (steps) | median speed-up (s) | IQM (s) | "
              "diverged runs |", "|---|---|---|---|---|---|---|"]
    for o in s["optimizers"]:
        lines.append(f"| {o['name']} | {o['tasks_beating_tuned_adam_count']}/{o['tasks_compared']} | "
                     f"{_fmt(o['median_speedup_steps'], 3)} | {_fmt(o['iqm_speedup_steps'], 3)} | "
                     f"{_fmt(o['median_speedup_seconds'], 3)} | {_fmt(o['iqm_speedup_seconds'], 3)} | "
                     f"{o['diverged_runs']}/{o['runs']} |")
    lines += ["", "Speed-ups that are lower bounds enter the median and IQM at their bound; a task where every run "
              "of an optimizer diverged enters as 0.", ""]
    for t in s["tasks"]:
        lines += [f"## {t['name']}", "",
                  f"{t['model']}; {t['data']}, {t['loss']}; {t['params']:,} parameters; {t['steps']} steps of "
                  f"batch {t['batch']}. Held out: {t['held_out']}.", ""]
        for name, tu in t["tuning"].items():
            scores = ", ".join(f"{k}: {'diverged' if v is None else _fmt(v)}" for k, v in tu["scores"].items())
            lines.append(f"- tuning `{name}`: best lr {tu['best_lr']:.3g} (scores {scores})")
            lines += [f"  - {n}" for n in tu["notes"]]
        lines += ["", "| optimizer | lr | final loss (sd) | objective | test loss | test acc. | AUC | speed-up "
                  "(steps) | speed-up (s) | diverged | ms/step |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for o in t["optimizers"]:
            sd = f" ({_fmt(o['final_loss_sd'], 2)})" if o["final_loss_sd"] is not None else ""
            flag = " †" if o["timed_in_other_invocation"] else ""
            lines.append(
                f"| {o['name']} | {_fmt(o['lr'], 3)} | {_fmt(o['final_loss'])}{sd} | {_fmt(o['eval_loss'])} | "
                f"{_fmt(o['test_loss'])} | {_fmt(o['test_accuracy'], 3)} | {_fmt(o['auc'])} | "
                f"{_speed(o, 'speedup_steps')} | {_speed(o, 'speedup_seconds')}{flag} | "
                f"{o['diverged_runs']}/{o['runs']} | {_fmt(None if o['seconds_per_step'] is None else 1000 * o['seconds_per_step'], 3)} |")
        if any(o["timed_in_other_invocation"] for o in t["optimizers"]):
            lines += ["", "† timed in another invocation of the suite than tuned Adam (a resumed run): its seconds "
                      "compare across processes."]
        lines += ["", f"![{t['name']}](plots/{t['name']}.png)", ""]
    return "\n".join(lines) + "\n"


def runs_csv(results, s):
    """Every run, tuning and evaluation, one row per (optimizer name, seed); per-seed speed-ups."""
    speed = {(t["name"], o["name"], p["seed"]): p for t in s["tasks"] for o in t["optimizers"] for p in o["per_seed"]}
    cols = ["task", "role", "optimizer", "lr", "seed", "diverged", "divergence", "steps_done", "final_loss", "auc",
            "eval_loss", "test_loss", "test_accuracy", "total_seconds", "seconds_per_step", "speedup_steps",
            "speedup_seconds", "speedup_lower_bound", "invocation"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in results:
        for name, recs in r.tuning_records.items():
            for rec in recs:
                w.writerow(dict(rec, optimizer=name, role="tune"))
        for name, ev in r.evals.items():
            for rec in ev.records:
                w.writerow(dict(rec, **speed.get((r.task.name, name, rec["seed"]), {}), optimizer=name, role="eval"))
    return buf.getvalue()


def plot(result, path):
    import matplotlib
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for name, ev in result.evals.items():
        loss, secs = _curves(ev.records)
        if loss is None:
            continue
        steps = np.arange(1, len(loss) + 1)
        ax1.plot(steps, loss, label=name)
        ax2.plot(secs, loss, label=name)
    for ax, xl in ((ax1, "step"), (ax2, "seconds (forward, backward, step; one thread)")):
        ax.set_xlabel(xl)
        ax.set_ylabel("minibatch loss (trailing mean, 10 % of steps)")
        ax.set_yscale("log")
        # plain numbers on the log axis, not powers of ten
        ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%.3g"))
        ax.yaxis.set_minor_locator(matplotlib.ticker.LogLocator(subs=(2.0, 5.0)))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%.3g"))
        ax.grid(alpha=0.3)
    ax2.set_xscale("log")
    ax1.legend(fontsize=8)
    fig.suptitle(f"{result.task.name}: {result.task.model} (mean over evaluation seeds)", fontsize=10)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    os.replace(tmp, path)


def write(out, results, meta, plots=True):
    """Writes summary.json, report.md, runs.csv and plots/<task>.png; returns the summary."""
    s = summary(results, meta)
    write_atomic(os.path.join(out, "summary.json"), json.dumps(s, indent=1, allow_nan=False) + "\n")
    write_atomic(os.path.join(out, "report.md"), report_md(s))
    write_atomic(os.path.join(out, "runs.csv"), runs_csv(results, s))
    if plots:
        os.makedirs(os.path.join(out, "plots"), exist_ok=True)
        for r in results:
            plot(r, os.path.join(out, "plots", f"{r.task.name}.png"))
    return s
