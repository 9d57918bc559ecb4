// `l2o tune`: grid-search the hand-designed optimizers on the meta-training objective and write
// configs/tuned.json (the tuned defaults of `l2o train` and `l2o bench`).
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <cmath>
#include <memory>

#include "l2o/bench/optimizer_factory.hpp"
#include "l2o/bench/parallel.hpp"
#include "l2o/bench/tune.hpp"
#include "l2o/cli/commands.hpp"
#include "l2o/cli/common_options.hpp"
#include "l2o/core/atomic_file.hpp"
#include "l2o/core/distributed.hpp"
#include "l2o/core/error.hpp"
#include "l2o/optim/registry.hpp"
#include "l2o/task/task_spec.hpp"

namespace l2o::cli {

namespace {

struct TuneFlags {
  DataFlags data;
  TaskFlags task;
  std::vector<std::string> optimizers = hand_designed_names();
  TuneSettings settings;
  double lr_min = 1e-5, lr_max = 10.0;
  std::string out = "configs/tuned.json";
  bool quiet = false;
};

// Where `l2o tune --out FILE` keeps its finished runs: FILE.runs/ beside it.
std::string runs_dir_of(const std::string& out) { return out + ".runs"; }

void run_tune(const TuneFlags& f, const std::string& command) {
  TuneSettings s = f.settings;
  if (!(f.lr_min <= f.lr_max)) throw Error(fmt::format("--lr-min ({}) must not exceed --lr-max ({})", f.lr_min, f.lr_max));
  s.step_sizes = half_decade_grid(f.lr_min, f.lr_max);
  if (s.step_sizes.empty())
    throw Error(fmt::format("--lr-min/--lr-max: no half-decade 10^(k/2) lies in [{}, {}]", f.lr_min, f.lr_max));
  // Names first: a typo should not wait for the data to load.
  for (const auto& name : f.optimizers)
    if (!is_hand_designed(name))
      throw Error(fmt::format("--optimizers: '{}' is not a hand-designed optimizer (tunable: {})", name,
                              fmt::join(hand_designed_names(), ", ")));
  // Before any data are loaded: an unwritable --out (or a full disk) is reported now, not after hours.
  check_output_file(f.out, "--out", kMinFreeOutputBytes);
  const RunStore store(runs_dir_of(f.out), "--out");
  const TaskSpec spec = f.task.resolve();
  const MlpTask task = make_task(spec, f.data.resolve());
  if (!f.quiet) {
    std::size_t points = 0;
    for (const auto& name : f.optimizers) points += tuning_grid(tunable_keys(name), s).size();
    fmt::print("tuning {} on {} ({}, {} training examples), batch {}, {} iterations, {} seeds from {}: {} grid points, "
               "{} runs on {} threads\n",
               fmt::join(f.optimizers, ", "), spec.dataset, spec.arch, task.train_count(), s.batch, s.iters, s.seeds,
               s.first_seed, points, points * static_cast<std::size_t>(s.seeds), s.jobs);
  }
  const std::vector<TuneResult> results = tune_on_task(task, f.optimizers, s, !f.quiet, store);
  const long reused = dist::sum(store.reused());  // every rank's (a collective call)
  if (reused > 0 && !f.quiet) fmt::print("resumed: {} finished runs reused from {}\n", reused, store.dir());
  if (!dist::is_root()) return;  // rank 0 writes and reports (docs/distributed.md)
  write_tuned_file(f.out, results, tune_settings_json(s, to_json(spec)), command);
  if (f.quiet) return;
  fmt::print("  {:<10} {:<36} {:>14} {:>9}\n", "optimizer", "chosen hyper-parameters", "meta-loss", "diverged");
  for (const auto& r : results) {
    const GridPoint& b = r.grid[r.best];
    fmt::print("  {:<10} {:<36} {:>14.4f} {:>6}/{}{}\n", r.optimizer, b.hyper.dump(), b.meta_loss_mean, b.diverged_runs,
               b.meta_losses.size(), r.all_diverged() ? "  (every grid point diverged)" : "");
  }
  fmt::print("  written to {}\n", f.out);
}
}  // namespace

void add_tune_command(CLI::App& app) {
  auto flags = std::make_shared<TuneFlags>();
  flags->settings.jobs = default_jobs();
  CLI::App* cmd = app.add_subcommand(
      "tune", "Tune the hand-designed optimizers on the training objective (grid search) and write configs/tuned.json");
  add_task_flags(cmd, flags->task);
  add_data_flags(cmd, flags->data);
  cmd->add_option("--optimizers", flags->optimizers, "Optimizers to tune (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  add_batch_flag(cmd, flags->settings.batch);
  cmd->add_option("--iters", flags->settings.iters, "Iterations per run (the meta-loss horizon)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  cmd->add_option("--seeds", flags->settings.seeds, "Runs per grid point (seeds first-seed, first-seed+1, ...)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--first-seed", flags->settings.first_seed, "First tuning seed (evaluation seeds start at 1000)")
      ->capture_default_str();
  add_eval_every_flag(cmd, flags->settings.eval_every,
                      "Evaluate the true objective every k iterations (the meta-loss interpolates between them)");
  add_divergence_factor_flag(cmd, flags->settings.divergence_factor);
  cmd->add_option("--lr-min", flags->lr_min, "Smallest step size of the half-decade grid")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--lr-max", flags->lr_max, "Largest step size of the half-decade grid")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--momenta", flags->settings.momenta, "Values of the momentum-like parameter (comma-separated)")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.999999));
  cmd->add_option("--out", flags->out, "Where to write the tuned values")->capture_default_str();
  add_jobs_flag(cmd, flags->settings.jobs);
  add_quiet_flag(cmd, flags->quiet);
  cmd->callback([flags, cmd] { run_tune(*flags, reproducible_command(*cmd)); });
}
}  // namespace l2o::cli
