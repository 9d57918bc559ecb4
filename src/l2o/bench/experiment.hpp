#pragma once
// The experiments of LM17 §4 (Figures 1-5) plus MNIST and Fashion-MNIST panels, and the running
// of one panel: every optimizer, every seed, the same initialisations and minibatch sequences.
//
//   fig1: 48-48-p,   batch 64, 400 iterations   on tfd, cifar10, cifar100
//   fig2: 100-200-p, batch 64, 400
//   fig3: 48-48-p,   batch 10, 400
//   fig4: 100-200-p, batch 10, 400
//   fig5: 100-200-p, batch 64, 800
//   mnist, fashion-mnist: 48-48-10, batch 64, 400 (one panel each)
//
// p is the data set's number of classes; the input width is the width of the random projection.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/bench/curve_stats.hpp"
#include "l2o/bench/optimizer_factory.hpp"
#include "l2o/bench/run_store.hpp"
#include "l2o/data/dataset.hpp"

namespace l2o {

struct ExperimentDef {
  std::string name;         // "fig1", ..., "mnist", "fashion-mnist", "narrow"
  std::string description;  // what the paper's figure shows
  int width = 48;           // projection width = input units
  std::vector<int> hidden;  // hidden widths
  int batch = 64;
  int iters = 400;
  std::vector<std::string> datasets;
};

// fig1..fig5, mnist, fashion-mnist, narrow, in that order.
const std::vector<ExperimentDef>& experiment_catalog();
// The catalogue's names plus "all".
std::vector<std::string> experiment_names();
// The named experiment, or every one for "all"; throws l2o::Error (naming --experiment and the
// known names) otherwise.
std::vector<ExperimentDef> select_experiments(const std::string& name);
// The data set names used by the catalogue.
std::vector<std::string> benchmark_dataset_names();

struct PanelSpec {
  std::string experiment;
  std::string dataset;
  int width = 48;
  std::vector<int> hidden;
  int batch = 64;
  int iters = 400;
  std::string arch_template() const;               // "48-48-p"
  std::vector<int> arch(int classes) const;        // {48, 48, classes}
};

// The panels of the experiments, optionally restricted to some data sets (empty = all). Throws
// l2o::Error (naming --datasets) for a data set no selected experiment uses.
std::vector<PanelSpec> panels_of(const std::vector<ExperimentDef>& experiments,
                                 const std::vector<std::string>& dataset_filter = {});

// An optimizer as the benchmark shows it: a label (its name in tables and plots) and how to build it.
struct BenchEntry {
  std::string label;
  OptimizerSpec spec;
};

struct BenchSettings {
  int seeds = 10;
  std::uint64_t first_seed = 1000;  // evaluation seeds 1000, 1001, ...; tuning uses 0..4
  int eval_every = 5;               // true objective every k iterations (and at 0 and the last)
  int jobs = 1;
  std::uint64_t projection_seed = 0;
  long train_size = 10000;          // task training-set size (the true objective's examples)
  std::uint64_t subset_seed = 0;
  std::string reference = "adam";   // the optimizer the speed-up is measured against
  double divergence_factor = 100.0; // objective > factor x initial counts as diverged (mark_blow_up); 0: off
};

struct OptimizerOutcome {
  std::string label;
  std::string kind;                  // the optimizer's registry name ("adam", "psd", ...)
  nlohmann::json hyper;              // the hyper-parameters it ran with (its hyperparams())
  std::vector<RunCurve> runs;        // one per seed, in seed order
  std::vector<double> meta_losses;   // +inf for diverged runs
  std::vector<double> test_accuracy; // NaN for diverged runs
  CurveStats stats;
  MeanStd final_objective;           // over converged runs
  MeanStd meta_loss;                 // over converged runs
  double final_objective_median = 0.0;
  MeanStd early_peak;                // early_peak_ratio (first 20 iterations) over all runs
  int diverged_runs = 0;
  int rank = 0;
  Speedup speedup;
  bool has_reference = false;        // the reference optimizer was in the panel
  // Seconds (curve_stats.hpp): measured, so they differ between runs of the same command.
  double seconds_mean = 0.0;         // mean_total_seconds: over converged runs; NaN if unknown or none
  int runs_without_seconds = 0;      // runs from a run store written before l2o recorded seconds
  Speedup speedup_seconds;           // seconds_speedup_over the reference
  // Why speedup_seconds is empty although `speedup` is not (runs without seconds); else empty.
  std::string seconds_note;
};

struct PanelResult {
  PanelSpec spec;
  std::string tuning = "mnist";      // "mnist": hyper-parameters tuned on MNIST; "per-task": on this task
  bool missing = false;
  std::string missing_reason;
  std::string dataset_display;
  std::vector<int> arch;
  long train_examples = 0;
  std::vector<std::uint64_t> seeds;
  int eval_every = 1;
  std::vector<OptimizerOutcome> optimizers;
  double wall_seconds = 0.0;
  long reused_runs = 0;              // runs taken from the run store instead of being run again
  // "fig1_tfd", "fig1_tfd_per-task": the stem of this panel's files.
  std::string file_stem() const;
  // "fig1_tfd_seconds": the stem of its objective-vs-seconds data and figure.
  std::string seconds_stem() const { return file_stem() + "_seconds"; }
};

// Runs every optimizer with every seed on the panel's task built from `data` (in parallel over
// settings.jobs threads; the result does not depend on the number of threads), then fills the
// statistics (summarize_panel). Throws l2o::Error if the data do not fit the panel (width) or an
// optimizer cannot be built. Each finished run is kept in `store` and runs already there are reused
// (run_store.hpp), which gives results identical to running them.
PanelResult run_panel(const PanelSpec& spec, const ProjectedDataset& data, const std::vector<BenchEntry>& optimizers,
                      const BenchSettings& settings, bool progress = false, const RunStore& store = RunStore());

// Statistics, ranks and speed-ups from the runs (also usable on hand-made runs in tests).
void summarize_panel(PanelResult& panel, const std::string& reference);
}  // namespace l2o
