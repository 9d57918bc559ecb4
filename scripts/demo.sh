#!/usr/bin/env bash
# The main job: sets up l2o (scripts/setup.sh, building only the command-line tool) and runs the
# paper's whole comparison with the shipped policies: all five experiments of LM17 (fig1-fig5)
# plus the MNIST and Fashion-MNIST panels, with PSD (policies/psd-mnist-multi-60min.json), the small
# learned optimizer psd-small (policies/psd-small.json), L2LBGDBGD (policies/l2l-mnist.json) and the
# seven hand-designed optimizers at their values tuned on MNIST (configs/tuned.json) and tuned again
# on each panel. Writes CSVs, summary.json, plots, report.md and RESULTS.md's tables (tables.md), and
# says where they are.
#
#   L2O_DEMO_SEEDS   runs per optimizer and panel (default 5)
#   L2O_DEMO_OUT     results folder (default results/paper)
#   L2O_DEMO_JOBS    parallel runs (default: all cores)
#
# All 20 panels (fig1-fig5 and narrow on TFD*, CIFAR-10, CIFAR-100; MNIST; Fashion-MNIST); the
# measured time on a 2-core machine is in the README (measured with the 17 panels before `narrow`,
# whose 16-16-p nets add about a minute). scripts/reproduce.sh re-runs everything from scratch,
# meta-training included.
set -euo pipefail
cd "$(dirname "$0")/.."
L2O_SETUP_PROFILE="${L2O_SETUP_PROFILE-tool}" L2O_BUILD_TARGETS="${L2O_BUILD_TARGETS-l2o_cli}" scripts/setup.sh
seeds="${L2O_DEMO_SEEDS:-5}"
out="${L2O_DEMO_OUT:-results/paper}"
jobs="${L2O_DEMO_JOBS:-$(nproc)}"
# --tune-per-task: the hand-designed optimizers also tuned on each panel itself (a local learning-rate
# grid around their MNIST-tuned values, docs/experiments.md), the baseline a user would pick.
./build/l2o bench --experiment all --seeds "$seeds" --jobs "$jobs" --tune-per-task --tune-seeds 2 --tune-eval-every 5 \
  --out "$out"
# RESULTS.md's tables, from this run's numbers.
python3 scripts/results_tables.py "$out/summary.json" > "$out/tables.md"
echo
echo "The report is $out/report.md (figures in $out/plots/, numbers in $out/summary.json); RESULTS.md's"
echo "tables are in $out/tables.md (scripts/results_tables.py $out/summary.json --update RESULTS.md puts them there)."
echo "RESULTS.md in the repository compares these numbers with the paper's claims."
