#pragma once
// `l2o bench` as a library call: selects the panels, loads each data set once, runs the panels
// (optionally re-tuning the hand-designed optimizers on each task), and writes the results
// directory: <panel>.csv, summary.json, plots/ and report.md.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/bench/experiment.hpp"
#include "l2o/bench/optimizer_factory.hpp"
#include "l2o/bench/tune.hpp"
#include "l2o/data/dataset.hpp"

namespace l2o {

// The seven hand-designed optimizers of LM17 (whatever the registry provides), then the learned
// ones whose shipped policy (policies/<kind>-mnist.json) exists.
std::vector<std::string> default_bench_optimizers();

// "NAME=FILE" -> {NAME, FILE}; NAME must start with a learned kind ("psd", "psd-long", "l2l", ...).
// Throws l2o::Error naming --policy otherwise.
std::pair<std::string, std::string> parse_policy_arg(const std::string& arg);

// The optimizers of a benchmark, in the order of `names`: each hand-designed name with its tuned
// hyper-parameters from `tuned` (required for them); "psd" / "l2l" with the --policy of that label
// if given, else the shipped policy; then the remaining policies (label NAME, kind from NAME's
// prefix). Throws l2o::Error for unknown names and missing tuned values.
std::vector<BenchEntry> bench_entries(const std::vector<std::string>& names,
                                      const std::vector<std::pair<std::string, std::string>>& policies,
                                      const TunedTable* tuned);

// --tune-per-task for one panel: tunes the hand-designed optimizers among `optimizers` on the
// panel's own task (`tune`'s grid, seeds and eval_every; the panel's batch and horizon; settings.jobs
// threads), then runs the panel with the chosen values (learned optimizers unchanged). The result
// has tuning "per-task"; the tuning results go to `tuned` if given.
PanelResult run_panel_tuned_per_task(const PanelSpec& spec, const ProjectedDataset& data,
                                     const std::vector<BenchEntry>& optimizers, const BenchSettings& settings,
                                     TuneSettings tune, std::vector<TuneResult>* tuned = nullptr,
                                     bool progress = false, const RunStore& store = RunStore());

struct BenchConfig {
  std::string experiment = "all";
  std::vector<std::string> datasets;  // restrict to these data sets (empty: all)
  std::vector<BenchEntry> optimizers;
  BenchSettings settings;
  DataOptions data;
  std::string out_dir;
  bool tune_per_task = false;
  TuneSettings tune;                  // seeds, grid and eval_every of --tune-per-task
  bool plots = true;
  bool progress = false;
  std::string command;                // for summary.json and report.md
  std::string tuned_file;
  nlohmann::json tuned;               // contents of the tuned-values file (for the report)
};

struct BenchOutcome {
  std::vector<PanelResult> panels;    // in panel order; per-task panels follow their panel
  nlohmann::json summary;
  double wall_seconds = 0.0;
};

// Runs and writes everything. A panel whose data set cannot be loaded is recorded as missing with
// the loader's message. Throws l2o::Error for bad configuration or an unwritable (or full) output
// folder, before any run. Every finished run is kept in <out>/runs as it completes (run_store.hpp);
// a rerun with the same settings reuses those runs and says how many, and writes the same files.
BenchOutcome run_bench(const BenchConfig& config);
}  // namespace l2o
