"""l2o.suite (docs/suite.md): the metrics on known curves, the grid search's edge extension, the
command on two tiny tasks, kill-and-resume, and the errors for bad input.

The end-to-end tests run the suite at test scale (--tiny: 10 steps of batch 8) on two
Fashion-MNIST tasks (Debian's dataset-fashion-mnist, read through l2o.load_dataset); they skip
when it is missing.
"""
import io
import json
import math
import os
import subprocess
import sys

import pytest

import l2o
from l2o.suite import EVAL_SEED_BASE, TUNING_SEEDS, metrics, report, runner, tasks, train, tuning
from l2o.suite import __main__ as cli
from l2o.suite import optimizers as opts
from l2o.suite.store import Store

TINY_TASKS = "fmnist-conv-bn,fmnist-autoencoder"
OPTIMIZERS = "adam,sgd-momentum,adam-default,psd,l2l"
# What may differ between an uninterrupted and a resumed suite: timings (every key with "seconds"
# in it) and the bookkeeping of when and by which invocation.
TIMING = {"invocation", "finished", "timed_in_other_invocation", "written", "started", "command", "partial",
          "elapsed"}


# ----------------------------------------------------------------------------- metrics
def test_smoothing_final_loss_and_auc_on_known_curves():
    assert metrics.smooth([4, 2, 6, 0], 2).tolist() == [4, 3, 4, 3]
    assert metrics.window(1000) == 100 and metrics.window(20) == 2 and metrics.window(5) == 1
    losses = [float(x) for x in range(20, 0, -1)]  # 20, 19, ..., 1: window 2
    assert metrics.final_loss(losses) == 1.5
    assert metrics.auc(losses) == 10.5


def test_speedup_on_a_known_pair_of_curves():
    ref = [5.0, 4.0, 3.0, 2.0, 1.0]           # tuned Adam's smoothed curve
    secs = [1.0, 2.0, 3.0, 4.0, 5.0]          # its cumulative seconds
    sp = metrics.speedup(ref, secs, target=2.5, steps=10, seconds=20.0)
    assert (sp.steps, sp.seconds, sp.lower_bound, sp.reference_step) == (0.4, 0.2, False, 4)
    sp = metrics.speedup(ref, secs, target=2.0, steps=2, seconds=1.0)  # reached exactly at step 4
    assert (sp.steps, sp.seconds, sp.lower_bound) == (2.0, 4.0, False)
    sp = metrics.speedup(ref, secs, target=0.5, steps=10, seconds=20.0)  # never reached: a lower bound
    assert (sp.steps, sp.seconds, sp.lower_bound, sp.reference_step) == (0.5, 0.25, True, None)


def test_median_and_interquartile_mean():
    assert metrics.median([3.0, 1.0, 2.0, None]) == 2.0
    assert metrics.iqm([1.0, 2.0, 3.0, 100.0]) == 2.5            # drops 1 at each end of 4
    assert metrics.iqm([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1000.0]) == 3.5  # drops 2 at each end of 8
    assert metrics.iqm([2.0, 4.0]) == 3.0 and metrics.iqm([]) is None


def _record(losses, seconds, seed, invocation="a"):
    return {"losses": losses, "seconds": seconds, "seed": seed, "diverged": False, "divergence": None,
            "final_loss": metrics.final_loss(losses), "auc": metrics.auc(losses), "eval_loss": None,
            "test_loss": None, "test_accuracy": None, "total_seconds": seconds[-1],
            "seconds_per_step": seconds[0], "invocation": invocation, "steps_done": len(losses)}


def test_task_speedup_smooths_both_curves_the_same_way():
    # 10 steps: window 1. Tuned Adam falls by 1 per step at 1 s per step; "fast" ends at 4.0 in 10
    # steps of 0.5 s (= 5 s), which Adam first reaches (smoothed) at step 7 (7 s): 0.7 and 1.4.
    task = tasks.Task("t", "none", "m", None, "cross-entropy", 8, 10, "h")
    adam = [float(11 - t) for t in range(1, 11)]            # 10, 9, ..., 1
    fast = [9.0] * 9 + [4.0]                                # final loss (last 1 step) 4.0
    slow = [10.5] * 10                                      # Adam reaches 10.0 at step 1 (<= 10.5)
    never = [0.5] * 10                                      # below anything Adam reaches
    res = runner.TaskResult(task=task, params=1)
    res.evals = {name: runner.Evaluation(opts.get("adam"), 1e-3, [_record(curve, [dt * (i + 1) for i in range(10)], 1000)])
                 for name, curve, dt in (("adam", adam, 1.0), ("fast", fast, 0.5), ("slow", slow, 2.0),
                                         ("never", never, 1.0))}
    by_name = {o["name"]: o for o in report.task_summary(res)["optimizers"]}
    assert (by_name["fast"]["speedup_steps"], by_name["fast"]["speedup_seconds"]) == (0.7, 1.4)
    assert (by_name["slow"]["speedup_steps"], by_name["slow"]["speedup_seconds"]) == (0.1, 0.05)
    assert by_name["never"]["speedup_lower_bound"] and by_name["never"]["speedup_steps"] == 1.0
    assert by_name["adam"]["speedup_steps"] == 1.0 and not by_name["adam"]["beats_tuned_adam"]
    assert by_name["fast"]["beats_tuned_adam"] is False and by_name["never"]["beats_tuned_adam"] is True
    summary = {o["name"]: o for o in report.overall([report.task_summary(res)])}
    assert summary["never"]["tasks_beating_tuned_adam"] == 1.0 and summary["slow"]["tasks_beating_tuned_adam"] == 0.0


# ----------------------------------------------------------------------------- tuning
def test_grid_extends_past_an_edge_until_the_best_is_inside():
    calls = []

    def score(e):  # a valley at e = -11 (lr 3.16e-6), left of the grid -8..-3
        calls.append(e)
        return (e + 11) ** 2
    res = tuning.tune(-8, -3, score)
    assert res.best == -11 and res.grid == list(range(-12, -2)) and not res.at_edge
    assert calls == [-8, -7, -6, -5, -4, -3, -9, -10, -11, -12]
    assert len(res.notes) == 4 and "low edge" in res.notes[0] and "extended it to 3.16e-05" in res.notes[0]
    res = tuning.tune(-6, 0, lambda e: abs(e - 2))  # valley right of the grid (lr 10)
    assert res.best == 2 and res.grid[-1] == 3 and "high edge" in res.notes[0]
    assert tuning.lr_of(-6) == 1e-3


def test_grid_extension_stops_at_its_limit_and_says_so():
    res = tuning.tune(-8, -3, lambda e: e, max_extensions=2)   # always better lower: never resolved
    assert res.best == -10 and res.at_edge and "still at the low edge after 2 extensions" in res.notes[-1]
    res = tuning.tune(-8, -3, lambda e: math.inf, max_extensions=1)  # all diverged: smaller rates tried
    assert res.best == -9 and res.grid[0] == -9
    assert tuning.mean_or_inf([1.0, 3.0]) == 2.0 and tuning.mean_or_inf([1.0, None]) == math.inf


def test_runner_extends_the_grid_and_reports_it(tmp_path, monkeypatch):
    # Fake runs whose final loss depends only on lr: Adam's best at 1e-5 (below its grid),
    # SGD's inside its grid. The runner must run the extension on the tuning seeds and say so.
    def fake_run(task, spec, lr, seed, data_dir=None, on_step=None):
        e = round(2 * math.log10(lr))
        best = -10 if spec.family == "adam" else -3
        loss = 1.0 + 0.1 * abs(e - best)
        losses = [loss] * task.steps
        return {"steps": task.steps, "steps_done": task.steps, "diverged": False, "divergence": None,
                "losses": losses, "seconds": [0.001 * (i + 1) for i in range(task.steps)], "initial_loss": loss,
                "seconds_per_step": 0.001, "total_seconds": 0.001 * task.steps, "final_loss": loss, "auc": loss,
                "eval_loss": loss, "test_loss": loss, "test_accuracy": 0.5}
    monkeypatch.setattr(train, "run", fake_run)
    chosen = tasks.select(["fmnist-conv-bn"], tiny=True)
    out = io.StringIO()
    suite = runner.Suite(chosen, [opts.get("adam"), opts.get("sgd-momentum")], [EVAL_SEED_BASE], Store(str(tmp_path)),
                         out=out)
    res = suite.run()[0]
    assert res.tuning["adam"].best == -10 and res.tuning["adam"].grid[0] == -11
    assert res.tuning["sgd-momentum"].best == -3 and res.tuning["sgd-momentum"].notes == []
    assert "adam: best lr 0.000316 was at the low edge of the grid; extended it to 0.0001" in out.getvalue()
    assert os.path.exists(os.path.join(tmp_path, "runs", "fmnist-conv-bn", "adam_lr1.000e-05", f"seed{TUNING_SEEDS[1]}.json"))
    assert res.evals["adam"].lr == pytest.approx(1e-5)
    s = report.summary([res], {"eval_seeds": [EVAL_SEED_BASE]})
    assert s["tasks"][0]["tuning"]["adam"]["extended"] is True and s["tasks"][0]["tuning"]["adam"]["at_edge"] is False


# ----------------------------------------------------------------------------- the command, tiny
def _have_fashion_mnist():
    try:
        l2o.load_dataset("fashion-mnist")
        return True
    except l2o.Error:
        return False


needs_data = pytest.mark.skipif(not _have_fashion_mnist(), reason="no Fashion-MNIST (apt install dataset-fashion-mnist)")


def _suite_args(out, *extra):
    return ["--tiny", "--tasks", TINY_TASKS, "--optimizers", OPTIMIZERS, "--seeds", "2", "--out", str(out), *extra]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("suite-full")
    log = io.StringIO()
    assert cli.main(_suite_args(out, "--no-plots"), out=log) == 0
    return out, log.getvalue()


def _load(out):
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


@needs_data
def test_tiny_suite_writes_the_summary_report_and_records(full_run):
    out, log = full_run
    s = _load(out)
    assert [t["name"] for t in s["tasks"]] == TINY_TASKS.split(",")
    for t in s["tasks"]:
        assert [o["name"] for o in t["optimizers"]] == OPTIMIZERS.split(",")
        for o in t["optimizers"]:
            for key in ("name", "final_loss", "speedup_steps", "speedup_seconds", "diverged_runs", "seconds_per_step"):
                assert key in o
            assert o["runs"] == 2
        assert t["tuning"]["adam"]["best_lr"] > 0 and not t["tuning"]["adam"]["at_edge"]
    for o in s["optimizers"]:
        for key in ("name", "tasks_beating_tuned_adam", "median_speedup_steps", "median_speedup_seconds"):
            assert key in o
    psd = next(o for o in s["tasks"][0]["optimizers"] if o["name"] == "psd")
    assert psd["diverged_runs"] == 2 or math.isfinite(psd["final_loss"])
    text = open(os.path.join(out, "report.md")).read()
    assert "for reporting only" in text and "## fmnist-autoencoder" in text
    rows = open(os.path.join(out, "runs.csv")).read().splitlines()
    assert rows[0].startswith("task,role,optimizer,lr,seed")
    assert sum(1 for r in rows if ",eval," in r) == 2 * 5 * 2
    # one progress line per run: task, optimizer, seed, elapsed, ETA
    lines = [ln for ln in log.splitlines() if ln.startswith("[")]
    assert len(lines) == sum(1 for r in rows[1:])
    assert all("seed" in ln and "elapsed" in ln and "ETA" in ln for ln in lines)
    assert any("fmnist-autoencoder" in ln and " psd " in ln and "seed 1001" in ln for ln in lines)
    records = [f for _, _, fs in os.walk(os.path.join(out, "runs")) for f in fs]
    assert records and all(f.startswith("seed") for f in records)  # no temporary file left


def _strip_timing(x):
    if isinstance(x, dict):
        return {k: _strip_timing(v) for k, v in x.items() if k not in TIMING and "seconds" not in k}
    if isinstance(x, list):
        return [_strip_timing(v) for v in x]
    return x


def _records(out):
    recs = {}
    for d, _, fs in os.walk(os.path.join(out, "runs")):
        for f in fs:
            if f.startswith("."):
                continue  # a temporary file: never a record
            with open(os.path.join(d, f)) as fh:
                recs[os.path.relpath(os.path.join(d, f), out)] = _strip_timing(json.load(fh))
    return recs


@needs_data
def test_killed_suite_resumes_to_the_same_numbers(full_run, tmp_path):
    full, _ = full_run
    out = tmp_path / "killed"
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    # SIGKILL in the middle of the 40th run (after 39 have been recorded)
    killed = subprocess.run([sys.executable, "-m", "l2o.suite", *_suite_args(out, "--no-plots", "--kill-after", "39")],
                            capture_output=True, text=True, timeout=300, env=env)
    assert killed.returncode == -9, killed.stdout + killed.stderr
    before = {p: open(os.path.join(out, p)).read() for p in _records(out)}
    assert len(before) == 39 < len(_records(full))
    (out / "runs" / "fmnist-conv-bn" / ".tmp-seed7.json").write_text('{"trunc')  # what a kill mid-write leaves
    log = io.StringIO()
    assert cli.main(_suite_args(out, "--no-plots", "--resume"), out=log) == 0
    assert log.getvalue().count("recorded earlier") >= 39
    for p, text in before.items():  # finished runs were not redone
        assert open(os.path.join(out, p)).read() == text
    assert _records(out) == _records(full)
    assert _strip_timing(_load(out)) == _strip_timing(_load(full))


@needs_data
def test_resume_refuses_records_of_another_task_definition(full_run, tmp_path):
    full, _ = full_run
    out = tmp_path / "stale"
    log = io.StringIO()
    assert cli.main(["--tiny", "--tasks", "fmnist-autoencoder", "--optimizers", "adam", "--seeds", "1", "--out", str(out),
                     "--no-plots"], out=log) == 0
    p = sorted((out / "runs" / "fmnist-autoencoder").glob("adam_lr*/seed0.json"))[0]
    rec = json.loads(p.read_text())
    rec["task_signature"]["steps"] = 99
    p.write_text(json.dumps(rec))
    log = io.StringIO()
    assert cli.main(["--tiny", "--tasks", "fmnist-autoencoder", "--optimizers", "adam", "--seeds", "1", "--out", str(out),
                     "--resume", "--no-plots"], out=log) == 1
    assert "another definition of task 'fmnist-autoencoder'" in log.getvalue()


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("args, message", [
    (["--tasks", "mnist-conv,nope"], "--tasks: unknown task 'nope'"),
    (["--tasks", "mnist-conv,"], "--tasks: expected a comma-separated list"),
    (["--optimizers", "adam,rmsprop"], "--optimizers: unknown optimizer 'rmsprop'; known: adam, sgd-momentum"),
    (["--optimizers", "l2o:nope"], "--optimizers: unknown optimizer 'l2o:nope'"),
    (["--seeds", "three"], "--seeds: expected a positive integer"),
    (["--seeds", "0"], "--seeds: expected between 1 and 1000"),
    ([], "--out: required"),
])
def test_bad_input_names_the_flag(args, message, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(args)
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_out_that_cannot_be_written(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(SystemExit) as e:
        cli.main(["--out", str(blocker / "sub")])
    assert e.value.code == 2
    assert f"--out: cannot write to '{blocker / 'sub'}'" in capsys.readouterr().err


@needs_data
def test_out_with_runs_needs_resume(full_run, capsys):
    full, _ = full_run
    with pytest.raises(SystemExit):
        cli.main(_suite_args(full))
    assert "already holds runs of the suite; pass --resume" in capsys.readouterr().err


def test_list_and_the_optimizer_table(capsys):
    assert cli.main(["--list"]) == 0
    text = capsys.readouterr().out
    for t in tasks.TASKS:
        assert t.name in text
        assert 500 <= t.steps <= 3000 and t.params() <= 200_000
    assert len(tasks.TASKS) >= 8
    known = opts.known_names()
    assert {"adam", "sgd-momentum", "adam-default", "psd", "l2l", "l2o:adam", "l2o:lbfgs"} <= set(known)
    assert ("psd-small" in known) == hasattr(l2o.torch, "PSDSmall")
    assert opts.get("adam-default").family == opts.get("adam").family
    assert opts.config_id(opts.get("adam-default"), 1e-3) == opts.config_id(opts.get("adam"), tuning.lr_of(-6))
    assert opts.get("psd").needs_loss and opts.get("l2o:cg").needs_closure
