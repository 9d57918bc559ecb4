#include "l2o/bench/experiment.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "l2o/bench/parallel.hpp"
#include "l2o/core/distributed.hpp"
#include "l2o/core/error.hpp"
#include "l2o/core/progress.hpp"
#include "l2o/optim/train_loop.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o {

const std::vector<ExperimentDef>& experiment_catalog() {
  static const std::vector<std::string> test_sets{"tfd", "cifar10", "cifar100"};
  static const std::vector<ExperimentDef> catalog{
      {"fig1", "LM17 Figure 1: the meta-training architecture on the test data sets", 48, {48}, 64, 400, test_sets},
      {"fig2", "LM17 Figure 2: a larger net (about 8x the parameters)", 100, {200}, 64, 400, test_sets},
      {"fig3", "LM17 Figure 3: smaller minibatches (noisier gradients)", 48, {48}, 10, 400, test_sets},
      {"fig4", "LM17 Figure 4: larger net and smaller minibatches", 100, {200}, 10, 400, test_sets},
      {"fig5", "LM17 Figure 5: twice the meta-training horizon", 100, {200}, 64, 800, test_sets},
      {"mnist", "the meta-training task itself (MNIST, 48-48-10)", 48, {48}, 64, 400, {"mnist"}},
      {"fashion-mnist", "Fashion-MNIST with the meta-training architecture", 48, {48}, 64, 400, {"fashion-mnist"}},
      // Beyond the paper: a net narrower than the one meta-trained on, in both fan-ins (a 16-wide
      // projection, 16 hidden units), where width-aware step factors would be above 1.
      {"narrow", "a narrower net than the meta-training one (16-wide projection, 16 hidden units)", 16, {16}, 64,
       400, test_sets},
  };
  return catalog;
}

std::vector<std::string> experiment_names() {
  std::vector<std::string> names;
  for (const auto& e : experiment_catalog()) names.push_back(e.name);
  names.push_back("all");
  return names;
}

std::vector<ExperimentDef> select_experiments(const std::string& name) {
  if (name == "all") return experiment_catalog();
  for (const auto& e : experiment_catalog())
    if (e.name == name) return {e};
  throw Error(fmt::format("--experiment: unknown experiment '{}' (known: {})", name, fmt::join(experiment_names(), ", ")));
}

std::vector<std::string> benchmark_dataset_names() {
  std::vector<std::string> names;
  for (const auto& e : experiment_catalog())
    for (const auto& d : e.datasets)
      if (std::find(names.begin(), names.end(), d) == names.end()) names.push_back(d);
  return names;
}

std::string PanelSpec::arch_template() const {
  // Appended piecewise: GCC 12 gives a spurious -Wrestrict for "-" + std::to_string(h).
  std::string s = std::to_string(width);
  for (int h : hidden) {
    s += '-';
    s += std::to_string(h);
  }
  s += "-p";
  return s;
}

std::vector<int> PanelSpec::arch(int classes) const {
  std::vector<int> a{width};
  a.insert(a.end(), hidden.begin(), hidden.end());
  a.push_back(classes);
  return a;
}

std::vector<PanelSpec> panels_of(const std::vector<ExperimentDef>& experiments,
                                 const std::vector<std::string>& dataset_filter) {
  std::vector<std::string> used;
  for (const auto& e : experiments) used.insert(used.end(), e.datasets.begin(), e.datasets.end());
  for (const auto& d : dataset_filter)
    if (std::find(used.begin(), used.end(), d) == used.end())
      throw Error(fmt::format("--datasets: data set '{}' is not part of the selected experiments (they use: {})", d,
                              fmt::join(benchmark_dataset_names(), ", ")));
  std::vector<PanelSpec> panels;
  for (const auto& e : experiments)
    for (const auto& d : e.datasets) {
      if (!dataset_filter.empty() && std::find(dataset_filter.begin(), dataset_filter.end(), d) == dataset_filter.end())
        continue;
      panels.push_back({e.name, d, e.width, e.hidden, e.batch, e.iters});
    }
  return panels;
}

std::string PanelResult::file_stem() const {
  return fmt::format("{}_{}{}", spec.experiment, spec.dataset, tuning == "per-task" ? "_per-task" : "");
}

PanelResult run_panel(const PanelSpec& spec, const ProjectedDataset& data, const std::vector<BenchEntry>& optimizers,
                      const BenchSettings& settings, bool progress, const RunStore& store) {
  if (settings.seeds < 1) throw Error(fmt::format("--seeds: must be >= 1 (got {})", settings.seeds));
  if (data.width != spec.width)
    throw Error(fmt::format("panel {} {}: the data are projected to width {}, the panel needs {}", spec.experiment,
                            spec.dataset, data.width, spec.width));
  const auto start = std::chrono::steady_clock::now();
  PanelResult panel;
  panel.spec = spec;
  panel.dataset_display = data.display_name.empty() ? data.name : data.display_name;
  panel.arch = spec.arch(data.num_classes);
  panel.eval_every = settings.eval_every;
  for (int s = 0; s < settings.seeds; ++s) panel.seeds.push_back(settings.first_seed + static_cast<std::uint64_t>(s));

  MlpConfig config;
  config.arch = panel.arch;
  const MlpTask task(data, config, settings.train_size, settings.subset_seed);
  panel.train_examples = static_cast<long>(task.train_count());

  // Build each optimizer once up front: bad names, hyper-parameters or policy files fail here,
  // before any run, and hyperparams() gives the values actually used.
  panel.optimizers.resize(optimizers.size());
  std::vector<nlohmann::json> optimizer_keys(optimizers.size());
  const std::string task_fingerprint = store.enabled() ? task.fingerprint() : "";
  for (std::size_t o = 0; o < optimizers.size(); ++o) {
    OptimizerOutcome& out = panel.optimizers[o];
    out.label = optimizers[o].label;
    out.kind = optimizers[o].spec.name;
    out.hyper = make_optimizer(optimizers[o].spec)->hyperparams();
    if (store.enabled())
      optimizer_keys[o] = optimizer_run_key(out.kind, out.hyper, optimizers[o].spec.policy_file);
    out.runs.resize(panel.seeds.size());
    out.test_accuracy.assign(panel.seeds.size(), std::numeric_limits<double>::quiet_NaN());
  }

  const std::size_t n_seeds = panel.seeds.size();
  const long reused_before = store.reused();
  Progress bar(fmt::format("{} {}", spec.experiment, spec.dataset), static_cast<long>(optimizers.size() * n_seeds));
  // The learned optimizers' runs first: their LSTM steps cost tens of hand-designed steps, and a
  // panel should not end waiting for one of them. Runs write their own slots, so the order of
  // execution changes nothing in the result.
  std::vector<std::size_t> order(optimizers.size() * n_seeds);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return is_learned_optimizer(optimizers[a / n_seeds].spec.name) &&
           !is_learned_optimizer(optimizers[b / n_seeds].spec.name);
  });
  const std::size_t total = order.size();
  const std::size_t jobs = static_cast<std::size_t>(std::max(1, settings.jobs));
  // Under MPI each rank runs the positions k of `order` with k % ranks == rank (so the learned
  // runs are spread too) on its own --jobs threads; the stored runs then go to every rank.
  auto run_positions = [&](const std::vector<std::size_t>& mine, std::vector<StoredRun>& got) {
    const dist::LoopTimer timer;
    got.assign(mine.size(), StoredRun());
    parallel_for(
        mine.size(), settings.jobs,
        [&](std::size_t m) {
          const std::size_t i = order[mine[m]];
          const std::size_t o = i / n_seeds, s = i % n_seeds;
          // Once fewer runs remain than jobs, the spare cores go inside the run (the PSD step's
          // column blocks; bit-identical for any thread count).
          OptimizerSpec ospec = optimizers[o].spec;
          const std::size_t remaining = mine.size() - m;
          if (remaining < jobs) ospec.threads = std::max(ospec.threads, static_cast<int>(jobs / remaining));
          RunOptions ro;
          ro.iters = spec.iters;
          ro.batch = spec.batch;
          ro.seed = panel.seeds[s];
          ro.eval_every = settings.eval_every;
          const nlohmann::json key =
              store.enabled() ? run_key(task_fingerprint, optimizer_keys[o], ro) : nlohmann::json();
          got[m] = run_or_reuse(task, ospec, key, ro, store);
        },
        [&](std::size_t done) {
          if (progress) bar.update(static_cast<long>(done));
        });
  };
  std::vector<StoredRun> runs;
  if (dist::size() == 1) {
    std::vector<std::size_t> all(total);
    std::iota(all.begin(), all.end(), std::size_t{0});
    run_positions(all, runs);
  } else {
    const std::vector<std::string> bytes =
        dist::exchange(total, [&](const std::vector<std::size_t>& mine, std::vector<std::string>& out) {
          std::vector<StoredRun> got;
          run_positions(mine, got);
          for (const StoredRun& r : got) out.push_back(encode_stored_run(r));
        });
    for (const std::string& b : bytes) runs.push_back(decode_stored_run(b));
  }
  for (std::size_t k = 0; k < total; ++k) {
    const std::size_t i = order[k];
    const std::size_t o = i / n_seeds, s = i % n_seeds;
    RunCurve curve = runs[k].curve;
    mark_blow_up(curve, settings.divergence_factor);
    if (!curve.diverged) panel.optimizers[o].test_accuracy[s] = runs[k].test_accuracy;
    panel.optimizers[o].runs[s] = std::move(curve);
  }
  bar.finish();
  panel.reused_runs = dist::sum(store.reused() - reused_before);
  summarize_panel(panel, settings.reference);
  panel.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return panel;
}

namespace {
// Why an optimizer has an iteration speed-up but no seconds speed-up: runs kept in the run store by
// an l2o that did not record seconds, its own or the reference's.
std::string seconds_note(const OptimizerOutcome& o, const OptimizerOutcome* ref) {
  const bool iterations = o.speedup.value || o.speedup.lower_bound;
  if (!iterations || o.speedup_seconds.value || o.speedup_seconds.lower_bound) return "";
  const std::string kept = "kept in runs/ by an l2o that did not record seconds";
  const std::string rerun = "(delete runs/ and rerun to measure them)";
  if (o.runs_without_seconds > 0)
    return fmt::format("{} of its {} runs were {}, so its seconds are unknown {}", o.runs_without_seconds,
                       o.runs.size(), kept, rerun);
  if (ref && ref->runs_without_seconds > 0)
    return fmt::format("{} of the {} runs of {} were {}, so its seconds are unknown {}", ref->runs_without_seconds,
                       ref->runs.size(), ref->label, kept, rerun);
  return "the seconds are unknown";
}
}  // namespace

void summarize_panel(PanelResult& panel, const std::string& reference) {
  const int iters = panel.spec.iters;
  std::vector<RankKey> keys;
  for (auto& o : panel.optimizers) {
    o.meta_losses.clear();
    std::vector<double> finals, peaks;
    o.diverged_runs = 0;
    for (const auto& r : o.runs) {
      o.meta_losses.push_back(curve_meta_loss(r, iters));
      peaks.push_back(early_peak_ratio(r));
      if (r.diverged)
        ++o.diverged_runs;
      else
        finals.push_back(r.objective.back());
    }
    o.stats = aggregate_curves(o.runs);
    o.final_objective = mean_std(finals);
    o.final_objective_median = quantile(finals, 0.5);
    o.early_peak = mean_std(peaks);
    o.meta_loss = mean_std(o.meta_losses);  // the infinite (diverged) values are left out
    o.seconds_mean = mean_total_seconds(o.runs);
    o.runs_without_seconds = static_cast<int>(
        std::count_if(o.runs.begin(), o.runs.end(), [](const RunCurve& r) { return !r.has_seconds(); }));
    keys.push_back({o.diverged_runs, o.meta_loss.mean});
  }
  const std::vector<int> ranks = rank_by_meta_loss(keys);
  const OptimizerOutcome* ref = nullptr;
  for (const auto& o : panel.optimizers)
    if (o.label == reference) ref = &o;
  for (std::size_t i = 0; i < panel.optimizers.size(); ++i) {
    OptimizerOutcome& o = panel.optimizers[i];
    o.rank = ranks[i];
    o.has_reference = ref != nullptr;
    o.speedup = ref ? speedup_over(ref->stats, iters, o.final_objective.mean, iters) : Speedup{};
    o.speedup_seconds =
        ref ? seconds_speedup_over(ref->stats, ref->seconds_mean, o.final_objective.mean, o.seconds_mean) : Speedup{};
    o.seconds_note = seconds_note(o, ref);
  }
}
}  // namespace l2o
