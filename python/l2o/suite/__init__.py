"""l2o.suite: a held-out suite of PyTorch tasks that measures whether an optimizer beats Adam tuned
for the model, per step and per second, on models no learned optimizer was meta-trained on.

    PYTHONPATH=build/python /usr/bin/python3 -m l2o.suite --optimizers adam,psd --seeds 3 --out results/suite

The suite's tasks and evaluation seeds are for reporting only: meta-training and any choice of
policy must never use them (docs/suite.md).

Modules, one purpose each:
    tasks.py       the tasks: model, data set, loss, batch size, steps (and the test-scale variant)
    data.py        data through l2o's own loaders; seeded minibatches; the fixed evaluation samples
    optimizers.py  optimizer names -> constructors; the learning-rate grids of the tuned baselines
    train.py       one run: seeded init, timed steps, divergence, end-of-run evaluation
    store.py       per-run records on disk, written atomically; what --resume reads
    tuning.py      the learning-rate grid search with automatic extension at the edges
    metrics.py     final loss, area under the curve, speed-up over tuned Adam, median and IQM
    report.py      summary.json, report.md, runs.csv and the figures
    runner.py      the whole protocol: tuning, evaluation, progress and ETA
    __main__.py    the command line
"""
SUITE_VERSION = 1  # part of every record's task signature: bump when a task's definition changes

TUNING_SEEDS = (0, 1)    # the baselines' learning rates are chosen on these seeds only
EVAL_SEED_BASE = 1000    # evaluation seeds are 1000, 1001, ...: disjoint from the tuning seeds
