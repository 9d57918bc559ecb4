#include "l2o/bench/bench_run.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

#include "l2o/bench/plots.hpp"
#include "l2o/bench/report.hpp"
#include "l2o/bench/results_io.hpp"
#include "l2o/core/atomic_file.hpp"
#include "l2o/core/distributed.hpp"
#include "l2o/core/error.hpp"
#include "l2o/optim/registry.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o {

std::vector<std::string> default_bench_optimizers() {
  std::vector<std::string> names = hand_designed_names();
  std::error_code ec;
  for (const auto& kind : learned_optimizer_names())
    if (std::filesystem::exists(shipped_policy_path(kind), ec)) names.push_back(kind);
  return names;
}

namespace {
// The learned kind a policy label names: the label itself or its prefix before '-', '_' or ':',
// the longest such kind ("psd-small-2" is a psd-small label, "psd-2" a psd one).
std::string learned_kind_of(const std::string& label) {
  std::string best;
  for (const auto& kind : learned_optimizer_names()) {
    if (label == kind) return kind;
    if (label.size() > kind.size() && label.compare(0, kind.size(), kind) == 0 &&
        (label[kind.size()] == '-' || label[kind.size()] == '_' || label[kind.size()] == ':') && kind.size() > best.size())
      best = kind;
  }
  return best;
}
}  // namespace

std::pair<std::string, std::string> parse_policy_arg(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    throw Error(fmt::format("--policy: expected NAME=FILE (e.g. psd=policies/psd-mnist.json), got '{}'", arg));
  std::string name = arg.substr(0, eq), file = arg.substr(eq + 1);
  if (learned_kind_of(name).empty())
    throw Error(fmt::format("--policy: '{}' does not name a learned optimizer (NAME must be psd, psd-small or l2l, optionally "
                            "followed by -LABEL)",
                            name));
  return {name, file};
}

std::vector<BenchEntry> bench_entries(const std::vector<std::string>& names,
                                      const std::vector<std::pair<std::string, std::string>>& policies,
                                      const TunedTable* tuned) {
  std::vector<BenchEntry> entries;
  auto has_label = [&](const std::string& label) {
    return std::any_of(entries.begin(), entries.end(), [&](const BenchEntry& e) { return e.label == label; });
  };
  auto has_policy = [&](const std::string& label) {
    return std::any_of(policies.begin(), policies.end(), [&](const auto& p) { return p.first == label; });
  };
  for (std::size_t i = 0; i < policies.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (policies[j].first == policies[i].first)
        throw Error(fmt::format("--policy: '{}' is given twice", policies[i].first));
  // Names first, so that a typo is reported as such whatever else is missing.
  for (const auto& name : names)
    if (learned_kind_of(name).empty() && !is_hand_designed_optimizer(name))
      throw Error(fmt::format("--optimizers: unknown optimizer '{}' (known: {})", name,
                              fmt::join(known_optimizer_names(), ", ")));
  for (const auto& name : names) {
    if (has_label(name)) throw Error(fmt::format("--optimizers: '{}' is listed twice", name));
    if (!learned_kind_of(name).empty()) {
      if (has_policy(name)) {
        for (const auto& [label, file] : policies)
          if (label == name) entries.push_back({label, {learned_kind_of(label), nlohmann::json::object(), file}});
        continue;
      }
      if (!is_learned_optimizer(name))
        throw Error(fmt::format("--optimizers: optimizer '{}' needs a policy file (give --policy {}=FILE)", name, name));
      // A bare "psd" / "l2l" runs the project's shipped policy.
      entries.push_back({name, {name, nlohmann::json::object(), shipped_policy_path(name)}});
      continue;
    }
    if (!tuned) throw Error(fmt::format("optimizer '{}' needs tuned hyper-parameters (give --tuned FILE)", name));
    entries.push_back({name, {name, tuned->hyper(name), ""}});
  }
  for (const auto& [label, file] : policies) {
    if (has_label(label)) continue;  // placed where --optimizers names it
    entries.push_back({label, {learned_kind_of(label), nlohmann::json::object(), file}});
  }
  return entries;
}

namespace {

nlohmann::json settings_json(const BenchConfig& c) {
  nlohmann::json opts = nlohmann::json::array();
  for (const auto& e : c.optimizers)
    opts.push_back({{"name", e.label}, {"optimizer", e.spec.name}, {"hyper", e.spec.hyper},
                    {"policy_file", e.spec.policy_file}});
  nlohmann::json s{{"command", c.command},
                   {"experiment", c.experiment},
                   {"datasets", c.datasets},
                   {"seeds", c.settings.seeds},
                   {"first_seed", c.settings.first_seed},
                   {"eval_every", c.settings.eval_every},
                   {"projection_seed", c.settings.projection_seed},
                   {"train_size", c.settings.train_size},
                   {"subset_seed", c.settings.subset_seed},
                   {"speedup_reference", c.settings.reference},
                   {"divergence_factor", c.settings.divergence_factor},
                   {"optimizers", opts},
                   {"tuned_file", c.tuned_file},
                   {"tune_per_task", c.tune_per_task}};
  if (c.tuned.is_object() && c.tuned.contains("settings")) s["tuned_settings"] = c.tuned["settings"];
  if (c.tune_per_task) {
    TuneSettings t = c.tune;
    t.iters = 0;  // each panel's
    t.batch = 0;
    s["per_task_tuning"] = tune_settings_json(t, {{"note", "batch and iters are each panel's own"}});
  }
  return s;
}

// The task of a panel in task_spec.hpp's terms (the bench uses ReLU and no weight decay).
nlohmann::json panel_task_json(const BenchConfig& c, const PanelSpec& spec, const MlpConfig& mc) {
  return {{"dataset", spec.dataset},         {"arch", arch_to_string(mc.arch)},
          {"activation", to_string(mc.activation)}, {"weight_decay", mc.weight_decay},
          {"train_size", c.settings.train_size},    {"subset_seed", c.settings.subset_seed},
          {"projection_seed", c.settings.projection_seed}};
}

// ", 12 reused from earlier runs" when a resumed bench skipped runs.
std::string reused_note(long reused) {
  return reused > 0 ? fmt::format(" ({} reused from an earlier run of this command)", reused) : "";
}

// The panel CSV and, apart because seconds differ between runs of the same command, the data of
// its objective-vs-seconds figure.
void write_panel_csvs(const std::filesystem::path& out, const PanelResult& panel) {
  write_panel_csv((out / (panel.file_stem() + ".csv")).string(), panel);
  write_panel_seconds_csv((out / (panel.seconds_stem() + ".csv")).string(), panel);
}

struct LoadedData {
  std::shared_ptr<ProjectedDataset> data;
  std::string error;
};
}  // namespace

PanelResult run_panel_tuned_per_task(const PanelSpec& spec, const ProjectedDataset& data,
                                     const std::vector<BenchEntry>& optimizers, const BenchSettings& settings,
                                     TuneSettings tune, std::vector<TuneResult>* tuned, bool progress,
                                     const RunStore& store) {
  const auto start = std::chrono::steady_clock::now();
  MlpConfig mc;
  mc.arch = spec.arch(data.num_classes);
  const MlpTask task(data, mc, settings.train_size, settings.subset_seed);
  tune.iters = spec.iters;
  tune.batch = spec.batch;
  tune.jobs = settings.jobs;
  tune.divergence_factor = settings.divergence_factor;
  std::vector<std::string> names;
  std::map<std::string, nlohmann::json> centres;  // a local grid is centred on the values they run with
  for (const auto& e : optimizers)
    if (!is_learned_optimizer(e.spec.name) &&
        std::find(names.begin(), names.end(), e.spec.name) == names.end()) {
      names.push_back(e.spec.name);
      centres[e.spec.name] = e.spec.hyper;
    }
  const long reused_before = store.reused();
  const std::vector<TuneResult> results = tune_on_task(task, names, tune, progress, store, centres);
  std::vector<BenchEntry> entries = optimizers;
  for (auto& e : entries)
    for (const auto& r : results)
      if (r.optimizer == e.spec.name) e.spec.hyper = r.best_hyper();
  PanelResult panel = run_panel(spec, data, entries, settings, progress, store);
  panel.reused_runs = store.reused() - reused_before;
  panel.tuning = "per-task";
  panel.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (tuned) *tuned = results;
  return panel;
}

BenchOutcome run_bench(const BenchConfig& config) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<PanelSpec> specs = panels_of(select_experiments(config.experiment), config.datasets);
  if (config.optimizers.empty()) throw Error("--optimizers: no optimizers to run");
  for (const auto& e : config.optimizers) make_optimizer(e.spec);  // bad names, values or policy files fail now
  if (config.out_dir.empty()) throw Error("--out: an output directory is required");
  check_output_dir(config.out_dir, "--out", kMinFreeOutputBytes);
  const std::filesystem::path out(config.out_dir);
  const RunStore store((out / "runs").string(), "--out");

  const bool root = dist::is_root();
  BenchOutcome outcome;
  std::map<std::pair<std::string, int>, LoadedData> cache;
  nlohmann::json panel_seconds = nlohmann::json::object();
  for (const auto& spec : specs) {
    auto key = std::make_pair(spec.dataset, spec.width);
    if (!cache.count(key)) {
      LoadedData loaded;
      try {
        loaded.data = std::make_shared<ProjectedDataset>(
            load_projected(spec.dataset, spec.width, config.settings.projection_seed, config.data));
      } catch (const Error& e) {
        loaded.error = e.what();
      }
      // Under MPI every rank must agree on which panels run (each panel is a collective step): a
      // data set that some ranks can load and others cannot (a host without it) ends the job.
      const std::vector<std::string> errors = dist::allgather(loaded.error);
      for (std::size_t r = 0; r < errors.size(); ++r)
        if (errors[r].empty() != loaded.error.empty())
          for (std::size_t q = 0; q < errors.size(); ++q)
            if (!errors[q].empty())
              throw dist::CollectiveError(static_cast<int>(q), fmt::format("{} (other ranks loaded it)", errors[q]));
      cache[key] = loaded;
    }
    const LoadedData& loaded = cache[key];
    if (!loaded.data) {
      PanelResult missing;
      missing.spec = spec;
      missing.missing = true;
      missing.missing_reason = loaded.error;
      if (root) fmt::print(stderr, "{} {}: missing ({})\n", spec.experiment, spec.dataset, loaded.error);
      outcome.panels.push_back(missing);
      if (config.tune_per_task) {
        missing.tuning = "per-task";
        outcome.panels.push_back(missing);
      }
      continue;
    }
    PanelResult panel = run_panel(spec, *loaded.data, config.optimizers, config.settings, config.progress, store);
    if (root) write_panel_csvs(out, panel);
    panel_seconds[panel.file_stem()] = panel.wall_seconds;
    if (root) fmt::print(stderr, "{} {} ({}): {} runs in {:.1f} s{}\n", spec.experiment, spec.dataset,
               arch_to_string(panel.arch), panel.optimizers.size() * panel.seeds.size(), panel.wall_seconds,
               reused_note(panel.reused_runs));
    outcome.panels.push_back(std::move(panel));

    if (config.tune_per_task) {
      std::vector<TuneResult> tuned;
      TuneSettings ts = config.tune;
      PanelResult per_task = run_panel_tuned_per_task(spec, *loaded.data, config.optimizers, config.settings, ts,
                                                      &tuned, config.progress, store);
      if (root) write_panel_csvs(out, per_task);
      ts.iters = spec.iters;
      ts.batch = spec.batch;
      MlpConfig mc;
      mc.arch = per_task.arch;
      if (root) write_text_file((out / (per_task.file_stem() + "_tuning.json")).string(),
                      nlohmann::json{{"settings", tune_settings_json(ts, panel_task_json(config, spec, mc))},
                                     {"optimizers", tune_results_json(tuned)}}
                              .dump(2) +
                          "\n");
      panel_seconds[per_task.file_stem()] = per_task.wall_seconds;
      if (root) fmt::print(stderr, "{} {} tuned per task: {:.1f} s{}\n", spec.experiment, spec.dataset, per_task.wall_seconds,
                 reused_note(per_task.reused_runs));
      outcome.panels.push_back(std::move(per_task));
    }
  }

  const long reused = dist::sum(store.reused());  // every rank's (a collective call)
  if (!root) {  // rank 0 alone writes the plots, summary and report (docs/distributed.md)
    outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return outcome;
  }
  if (reused > 0) fmt::print(stderr, "resumed: {} finished runs reused from {}\n", reused, store.dir());
  const nlohmann::json settings = settings_json(config);
  ReportInfo info;
  info.command = config.command;
  info.settings = settings;
  info.tuned = config.tuned;
  info.tuned_file = config.tuned_file;
  info.jobs = config.settings.jobs;
  info.plots = write_plots(config.out_dir, outcome.panels, config.plots);
  for (const auto& w : info.plots.warnings) fmt::print(stderr, "warning: {}\n", w);
  outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  info.wall_seconds = outcome.wall_seconds;
  const nlohmann::json timing{{"wall_seconds", outcome.wall_seconds}, {"jobs", config.settings.jobs},
                              {"panels", panel_seconds}};
  outcome.summary = summary_json(outcome.panels, settings, timing);
  write_text_file((out / "summary.json").string(), outcome.summary.dump(2) + "\n");
  write_text_file((out / "report.md").string(), render_report(outcome.panels, info));
  return outcome;
}
}  // namespace l2o
