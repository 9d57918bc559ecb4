// `l2o bench`: the experiments of LM17 §4 with every optimizer and seed; writes CSVs,
// summary.json, plots and report.md into --out.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <memory>
#include <optional>

#include "l2o/bench/bench_run.hpp"
#include "l2o/bench/optimizer_factory.hpp"
#include "l2o/bench/parallel.hpp"
#include "l2o/cli/commands.hpp"
#include "l2o/cli/common_options.hpp"
#include "l2o/core/error.hpp"

namespace l2o::cli {

namespace {

struct BenchFlags {
  DataFlags data;
  std::string experiment;
  std::vector<std::string> datasets;
  std::vector<std::string> optimizers = default_bench_optimizers();
  std::vector<std::string> policies;
  std::string tuned;
  std::string out;
  BenchSettings settings;
  std::string train_size = "10000";
  bool tune_per_task = false;
  TuneSettings tune;
  std::string tune_grid = "local";
  int tune_half_decades = 2;
  std::string precision = "float32";
  bool no_plots = false;
  bool quiet = false;
};

void run_bench_command(const BenchFlags& f, const std::string& command) {
  // Names of experiments and data sets fail before anything else is read.
  panels_of(select_experiments(f.experiment), f.datasets);
  BenchConfig c;
  c.experiment = f.experiment;
  c.datasets = f.datasets;
  c.settings = f.settings;
  if (f.train_size == "all") {
    c.settings.train_size = -1;
  } else {
    char* end = nullptr;
    const long v = std::strtol(f.train_size.c_str(), &end, 10);
    if (f.train_size.empty() || *end != '\0' || v < 1)
      throw Error(fmt::format("--train-size: expected a positive number or 'all', got '{}'", f.train_size));
    c.settings.train_size = v;
  }
  std::vector<std::pair<std::string, std::string>> policies;
  for (const auto& p : f.policies) policies.push_back(parse_policy_arg(p));
  bool needs_tuned = false;
  for (const auto& name : f.optimizers) needs_tuned |= is_hand_designed_optimizer(name);
  std::optional<TunedTable> tuned;
  if (needs_tuned) {
    tuned = TunedTable::load(resolve_tuned_path(f.tuned));
    c.tuned_file = tuned->path();
    c.tuned = tuned->json();
  }
  c.optimizers = bench_entries(f.optimizers, policies, tuned ? &*tuned : nullptr);
  for (auto& e : c.optimizers) e.spec.precision = parse_precision(f.precision, "--precision");
  c.data = f.data.resolve();
  c.out_dir = f.out;
  c.tune_per_task = f.tune_per_task;
  c.tune = f.tune;
  c.tune.local_half_decades = f.tune_grid == "local" ? f.tune_half_decades : 0;
  c.plots = !f.no_plots;
  c.progress = !f.quiet;
  c.command = command;
  const BenchOutcome outcome = run_bench(c);

  int done = 0, missing = 0;
  for (const auto& p : outcome.panels) (p.missing ? missing : done)++;
  if (!f.quiet)
    fmt::print("{} panels in {:.1f} s ({} missing); results in {}/ (summary.json, report.md, plots/)\n", done,
               outcome.wall_seconds, missing, f.out);
  if (done == 0)
    throw Error(fmt::format("no panel could run: every data set is missing (reasons in {}/summary.json)", f.out));
}
}  // namespace

void add_bench_command(CLI::App& app) {
  auto flags = std::make_shared<BenchFlags>();
  flags->settings.jobs = default_jobs();
  CLI::App* cmd = app.add_subcommand("bench", "Run the paper's experiments (fig1..fig5, mnist, fashion-mnist) and ours (narrow), or all");
  cmd->add_option("--experiment", flags->experiment, "fig1, fig2, fig3, fig4, fig5, mnist, fashion-mnist, narrow or all")
      ->required();
  cmd->add_option("--seeds", flags->settings.seeds, "Runs per optimizer and panel")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--first-seed", flags->settings.first_seed,
                  "First evaluation seed (seeds first-seed, first-seed+1, ...; tuning uses 0..4)")
      ->capture_default_str();
  cmd->add_option("--out", flags->out,
                  "Results directory: CSVs, summary.json (ranks; speed-ups over Adam in iterations and in seconds), "
                  "plots (objective vs iteration and vs seconds), report.md, runs/ (finished runs, for resuming)")
      ->required();
  cmd->add_option("--optimizers", flags->optimizers,
                  "Optimizers (comma-separated): sgd, momentum, cg, lbfgs, adagrad, adam, rmsprop, psd, l2l (the "
                  "shipped policies unless --policy names another file), and learned ones named by --policy")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--policy", flags->policies,
                  "A learned optimizer NAME=FILE (NAME: psd, psd-small or l2l, optionally -LABEL); repeatable; added to the "
                  "optimizers");
  cmd->add_option("--datasets", flags->datasets, "Only these data sets (comma-separated): tfd, cifar10, cifar100, ...")
      ->delimiter(',');
  add_tuned_flag(cmd, flags->tuned);
  add_eval_every_flag(cmd, flags->settings.eval_every,
                      "Evaluate the true objective every k iterations (and at 0 and the last)");
  add_divergence_factor_flag(cmd, flags->settings.divergence_factor);
  add_precision_flag(cmd, flags->precision);
  add_jobs_flag(cmd, flags->settings.jobs,
                "Runs in parallel (when fewer runs remain, the spare cores go inside the PSD runs). The seconds "
                "the bench measures (gradients and steps, not objective evaluations) depend on it and on the machine");
  add_data_flags(cmd, flags->data);
  cmd->add_option("--projection-seed", flags->settings.projection_seed, "Seed of the random projections")
      ->capture_default_str();
  cmd->add_option("--train-size", flags->train_size, "Examples in each task's training set (a number or 'all')")
      ->capture_default_str();
  cmd->add_flag("--tune-per-task", flags->tune_per_task,
                "Also tune the hand-designed optimizers on each panel's own task and report those runs separately");
  cmd->add_option("--tune-seeds", flags->tune.seeds, "Seeds per grid point for --tune-per-task")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--tune-eval-every", flags->tune.eval_every, "--eval-every of --tune-per-task")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  cmd->add_option("--tune-grid", flags->tune_grid,
                  "Grid of --tune-per-task: local (the step size at half-decade multiples of the tuned value, "
                  "--tune-half-decades each side, extended past an edge while the best lies there; the other "
                  "hyper-parameters at their tuned values) or full (l2o tune's grid of 208 points)")
      ->capture_default_str()
      ->check(CLI::IsMember({"local", "full"}));
  cmd->add_option("--tune-half-decades", flags->tune_half_decades, "Half decades each side of the local grid's centre")
      ->capture_default_str()
      ->check(CLI::Range(1, 10));
  cmd->add_flag("--no-plots", flags->no_plots, "Write the gnuplot scripts but do not render them");
  add_quiet_flag(cmd, flags->quiet, "No progress output");
  cmd->callback([flags, cmd] { run_bench_command(*flags, reproducible_command(*cmd)); });
}
}  // namespace l2o::cli
