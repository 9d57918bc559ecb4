#include "l2o/bench/tune.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>

#include "l2o/bench/curve_stats.hpp"
#include "l2o/bench/optimizer_factory.hpp"
#include "l2o/bench/parallel.hpp"
#include "l2o/core/atomic_file.hpp"
#include "l2o/core/byte_buffer.hpp"
#include "l2o/core/distributed.hpp"
#include "l2o/core/error.hpp"
#include "l2o/core/progress.hpp"
#include "l2o/optim/train_loop.hpp"

namespace l2o {

std::vector<double> half_decade_grid(double lo, double hi) {
  if (!(lo > 0.0) || !(hi >= lo)) throw Error(fmt::format("step-size grid: need 0 < lo <= hi (got {}, {})", lo, hi));
  // Exponents k/2 with a small tolerance so that 1e-5 and 10 themselves are included.
  const int k_lo = static_cast<int>(std::ceil(2.0 * std::log10(lo) - 1e-9));
  const int k_hi = static_cast<int>(std::floor(2.0 * std::log10(hi) + 1e-9));
  std::vector<double> grid;
  for (int k = k_lo; k <= k_hi; ++k) grid.push_back(std::pow(10.0, k / 2.0));
  return grid;
}

std::vector<nlohmann::json> tuning_grid(const TunableKeys& keys, const TuneSettings& settings) {
  if (keys.step_size.empty()) throw Error("tuning grid: the optimizer has no step-size hyper-parameter");
  std::vector<nlohmann::json> grid;
  const std::vector<double> moms = keys.momentum.empty() ? std::vector<double>{0.0} : settings.momenta;
  for (double m : moms)
    for (double lr : settings.step_sizes) {
      nlohmann::json h = nlohmann::json::object();
      h[keys.step_size] = lr;
      if (!keys.momentum.empty()) h[keys.momentum] = m;
      grid.push_back(std::move(h));
    }
  return grid;
}

namespace {
// The best point of r's grid (rank_by_meta_loss: fewest diverged runs, then the lowest mean; ties
// keep grid order).
void pick_best(TuneResult& r) {
  std::vector<RankKey> keys;
  for (const auto& gp : r.grid) keys.push_back({gp.diverged_runs, gp.meta_loss_mean});
  const std::vector<int> ranks = rank_by_meta_loss(keys);
  r.best = 0;
  for (std::size_t p = 1; p < ranks.size(); ++p)
    if (ranks[p] < ranks[r.best]) r.best = p;
}
}  // namespace

bool TuneResult::all_diverged() const {
  for (const auto& p : grid)
    if (p.diverged_runs < static_cast<int>(p.meta_losses.size())) return false;
  return true;
}

std::vector<TuneResult> tune_grid(const std::vector<TuneJob>& jobs, const TuneSettings& settings,
                                  const TrialFn& trial, bool progress) {
  if (settings.seeds < 1) throw Error(fmt::format("--seeds: must be >= 1 (got {})", settings.seeds));
  // Flatten (job, grid point, seed) so that the threads share one queue.
  struct Cell {
    std::size_t job, point;
    int seed_index;
  };
  std::vector<Cell> cells;
  std::vector<TuneResult> results(jobs.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    results[j].optimizer = jobs[j].optimizer;
    results[j].grid.resize(jobs[j].grid.size());
    for (std::size_t p = 0; p < jobs[j].grid.size(); ++p) {
      results[j].grid[p].hyper = jobs[j].grid[p];
      results[j].grid[p].meta_losses.assign(static_cast<std::size_t>(settings.seeds), 0.0);
      for (int s = 0; s < settings.seeds; ++s) cells.push_back({j, p, s});
    }
  }
  std::vector<TrialOutcome> outcomes(cells.size());
  Progress bar("tune", static_cast<long>(cells.size()));
  // The cells `which` on this process's --jobs threads (under MPI: this rank's share).
  auto run_cells = [&](const std::vector<std::size_t>& which, std::vector<TrialOutcome>& got) {
    const dist::LoopTimer timer;
    got.assign(which.size(), TrialOutcome());
    parallel_for(
        which.size(), settings.jobs,
        [&](std::size_t m) {
          const Cell& c = cells[which[m]];
          got[m] = trial(jobs[c.job].optimizer, jobs[c.job].grid[c.point],
                         settings.first_seed + static_cast<std::uint64_t>(c.seed_index));
        },
        [&](std::size_t done) {
          if (progress) bar.update(static_cast<long>(done), fmt::format("{} runs", done));
        });
  };
  if (dist::size() == 1) {
    std::vector<std::size_t> all(cells.size());
    std::iota(all.begin(), all.end(), std::size_t{0});
    run_cells(all, outcomes);
  } else {
    const std::vector<std::string> bytes =
        dist::exchange(cells.size(), [&](const std::vector<std::size_t>& mine, std::vector<std::string>& out) {
          std::vector<TrialOutcome> got;
          run_cells(mine, got);
          for (const TrialOutcome& t : got) {
            ByteWriter w;
            w.put<double>(t.meta_loss);
            w.put_bool(t.diverged);
            w.put_string(t.divergence);
            out.push_back(w.take());
          }
        });
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      ByteReader r(bytes[i], "tuning run");
      outcomes[i].meta_loss = r.get<double>();
      outcomes[i].diverged = r.get_bool();
      outcomes[i].divergence = r.get_string();
      r.expect_end();
    }
  }
  bar.finish();

  for (std::size_t i = 0; i < cells.size(); ++i) {
    GridPoint& gp = results[cells[i].job].grid[cells[i].point];
    gp.meta_losses[static_cast<std::size_t>(cells[i].seed_index)] = outcomes[i].meta_loss;
    if (outcomes[i].diverged) {
      ++gp.diverged_runs;
      gp.divergences.push_back(outcomes[i].divergence);
    }
  }
  for (auto& r : results) {
    for (auto& gp : r.grid) {
      const MeanStd ms = mean_std(gp.meta_losses);  // infinite (diverged) values are left out
      gp.meta_loss_mean = ms.mean;
      gp.meta_loss_std = ms.std;
    }
    pick_best(r);
  }
  return results;
}

std::vector<double> local_step_sizes(double centre, int half_decades) {
  if (!(centre > 0.0) || !std::isfinite(centre))
    throw Error(fmt::format("local tuning grid: the centre step size must be finite and > 0 (got {})", centre));
  if (half_decades < 1) throw Error(fmt::format("local tuning grid: need >= 1 half decade (got {})", half_decades));
  std::vector<double> out;
  for (int k = -half_decades; k <= half_decades; ++k) out.push_back(centre * std::pow(10.0, k / 2.0));
  return out;
}

std::vector<TuneResult> tune_local_grid(const std::vector<TuneJob>& jobs, const std::vector<std::string>& step_keys,
                                        const TuneSettings& settings, const TrialFn& trial, bool progress) {
  if (step_keys.size() != jobs.size()) throw Error("local tuning grid: one step-size key per job");
  std::vector<TuneResult> results(jobs.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) results[j].optimizer = jobs[j].optimizer;
  std::vector<TuneJob> pending = jobs;
  std::vector<int> extensions(jobs.size(), 0);
  while (true) {
    // Run what is pending (one queue for every optimizer), then merge it in step-size order.
    std::vector<TuneJob> batch;
    std::vector<std::size_t> owner;
    for (std::size_t j = 0; j < pending.size(); ++j)
      if (!pending[j].grid.empty()) batch.push_back(pending[j]), owner.push_back(j);
    if (batch.empty()) break;
    std::vector<TuneResult> got = tune_grid(batch, settings, trial, progress);
    for (std::size_t b = 0; b < got.size(); ++b) {
      const std::size_t j = owner[b];
      const std::string& key = step_keys[j];
      auto& grid = results[j].grid;
      grid.insert(grid.end(), got[b].grid.begin(), got[b].grid.end());
      std::stable_sort(grid.begin(), grid.end(), [&key](const GridPoint& a, const GridPoint& c) {
        return a.hyper.at(key).get<double>() < c.hyper.at(key).get<double>();
      });
      pick_best(results[j]);
      pending[j].grid.clear();
      // Past the edge the best point lies on, half a decade further, within the limits.
      const bool low = results[j].best == 0, high = results[j].best + 1 == grid.size();
      if ((!low && !high) || extensions[j] >= settings.max_extensions) continue;
      const nlohmann::json& edge = grid.at(results[j].best).hyper;
      const double lr = edge.at(key).get<double>() * std::pow(10.0, low ? -0.5 : 0.5);
      if (lr < settings.local_min || lr > settings.local_max) continue;
      nlohmann::json h = edge;
      h[key] = lr;
      pending[j].grid.push_back(std::move(h));
      ++extensions[j];
    }
  }
  return results;
}

TrialOutcome run_trial(const MlpTask& task, const std::string& optimizer, const nlohmann::json& hyper,
                       std::uint64_t seed, const TuneSettings& settings, const RunStore& store,
                       const std::string& task_fingerprint) {
  const OptimizerSpec spec{optimizer, hyper, ""};
  RunOptions ro;
  ro.iters = settings.iters;
  ro.batch = settings.batch;
  ro.seed = seed;
  ro.eval_every = settings.eval_every;
  // The key holds every hyper-parameter the optimizer runs with, defaults included, so that a
  // changed default is a changed setting.
  const nlohmann::json key =
      store.enabled()
          ? run_key(task_fingerprint, optimizer_run_key(optimizer, make_optimizer(spec)->hyperparams(), ""), ro)
          : nlohmann::json();
  RunCurve curve = run_or_reuse(task, spec, key, ro, store).curve;
  mark_blow_up(curve, settings.divergence_factor);
  return {curve_meta_loss(curve, settings.iters), curve.diverged, curve.divergence};
}

std::vector<TuneResult> tune_on_task(const MlpTask& task, const std::vector<std::string>& optimizers,
                                     const TuneSettings& settings, bool progress, const RunStore& store,
                                     const std::map<std::string, nlohmann::json>& centres) {
  std::vector<TuneJob> jobs;
  std::vector<std::string> step_keys;  // local grid: each job's step-size key
  for (const auto& name : optimizers) {
    if (is_learned_optimizer(name))
      throw Error(fmt::format("--optimizers: '{}' is a learned optimizer; only hand-designed ones are tuned", name));
    if (!is_hand_designed(name))
      throw Error(fmt::format("--optimizers: unknown optimizer '{}' (known: {})", name,
                              fmt::join(known_optimizer_names(), ", ")));
    if (settings.local_half_decades > 0) {
      const TunableKeys keys = tunable_keys(name);
      const auto c = centres.find(name);
      if (c == centres.end() || !c->second.is_object() || !c->second.contains(keys.step_size))
        throw Error(fmt::format("local tuning grid: no centre value of '{}' for '{}' (its tuned values)",
                                keys.step_size, name));
      std::vector<nlohmann::json> grid;
      for (double lr : local_step_sizes(c->second.at(keys.step_size).get<double>(), settings.local_half_decades)) {
        nlohmann::json h = c->second;
        h[keys.step_size] = lr;
        grid.push_back(std::move(h));
      }
      jobs.push_back({name, std::move(grid)});
      step_keys.push_back(keys.step_size);
    } else {
      jobs.push_back({name, tuning_grid(tunable_keys(name), settings)});
    }
  }
  // Fail on bad hyper-parameters before any run starts.
  for (const auto& j : jobs)
    for (const auto& h : j.grid) make_optimizer({j.optimizer, h, ""});
  const std::string fingerprint = store.enabled() ? task.fingerprint() : "";
  const TrialFn trial = [&](const std::string& name, const nlohmann::json& hyper, std::uint64_t seed) {
    return run_trial(task, name, hyper, seed, settings, store, fingerprint);
  };
  if (settings.local_half_decades > 0) return tune_local_grid(jobs, step_keys, settings, trial, progress);
  return tune_grid(jobs, settings, trial, progress);
}

namespace {
// JSON has no infinity: diverged meta-losses are written as null.
nlohmann::json tuned_value_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
}  // namespace

nlohmann::json tune_results_json(const std::vector<TuneResult>& results) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& r : results) {
    nlohmann::json grid = nlohmann::json::array();
    for (const auto& gp : r.grid) {
      nlohmann::json losses = nlohmann::json::array();
      for (double v : gp.meta_losses) losses.push_back(tuned_value_or_null(v));
      grid.push_back({{"hyper", gp.hyper},
                      {"meta_loss_mean", tuned_value_or_null(gp.meta_loss_mean)},
                      {"meta_loss_std", tuned_value_or_null(gp.meta_loss_std)},
                      {"diverged_runs", gp.diverged_runs},
                      {"meta_losses", losses}});
    }
    const GridPoint& best = r.grid.at(r.best);
    nlohmann::json entry{{"hyper", best.hyper},
                         {"meta_loss_mean", tuned_value_or_null(best.meta_loss_mean)},
                         {"meta_loss_std", tuned_value_or_null(best.meta_loss_std)},
                         {"diverged_runs", best.diverged_runs},
                         {"grid", grid}};
    if (r.all_diverged()) entry["warning"] = "every grid point diverged at least once; the first point was kept";
    out[r.optimizer] = entry;
  }
  return out;
}

nlohmann::json tune_settings_json(const TuneSettings& s, nlohmann::json task) {
  std::vector<std::uint64_t> seeds;
  for (int i = 0; i < s.seeds; ++i) seeds.push_back(s.first_seed + static_cast<std::uint64_t>(i));
  nlohmann::json out = task.is_object() ? std::move(task) : nlohmann::json::object();
  out["batch"] = s.batch;
  out["iters"] = s.iters;
  out["seeds"] = seeds;
  out["eval_every"] = s.eval_every;
  out["divergence_factor"] = s.divergence_factor;
  if (s.local_half_decades > 0) {
    out["grid"] = fmt::format(
        "local: the step size at the centre (the tuned value) x 10^(k/2) for |k| <= {}, the other "
        "hyper-parameters at the centre's values; extended half a decade past an edge while the best lies "
        "there (at most {} times, within [{}, {}])",
        s.local_half_decades, s.max_extensions, s.local_min, s.local_max);
  } else {
    out["step_sizes"] = s.step_sizes;
    out["momenta"] = s.momenta;
  }
  out["criterion"] =
      "mean over seeds of the meta-loss sum_{t=1..iters} f(x_t) (true objective, linearly interpolated between "
      "evaluated iterations); grid points with diverged runs (non-finite values, or an objective above "
      "divergence_factor x its initial value) rank last";
  return out;
}

void write_tuned_file(const std::string& path, const std::vector<TuneResult>& results, const nlohmann::json& settings,
                      const std::string& command) {
  nlohmann::json optimizers = nlohmann::json::object();
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    // Keep the other optimizers' entries when they were tuned under the same settings.
    try {
      const TunedTable old = TunedTable::load(path);
      if (old.json().value("settings", nlohmann::json()) == settings) optimizers = old.json()["optimizers"];
    } catch (const Error&) {
      // An unreadable or foreign file is replaced.
    }
  }
  nlohmann::json fresh = tune_results_json(results);
  for (auto& [name, entry] : fresh.items()) {
    entry["command"] = command;
    optimizers[name] = entry;
  }
  const nlohmann::json doc{{"command", command}, {"settings", settings}, {"optimizers", optimizers}};
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  write_file_atomically(path, doc.dump(2) + "\n", "--out");
}
}  // namespace l2o
