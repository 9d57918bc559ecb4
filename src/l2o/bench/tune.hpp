#pragma once
// Tuning of the hand-designed optimizers, as LM17 §4 did it: "all algorithms are tuned on the
// training objective function" (MNIST, 48-48-10, minibatch 64, 400 iterations).
//
// Grid (docs/experiments.md): the step size ("lr") on half-decades 1e-5, 3.16e-5, ..., 10; the
// momentum-like parameter in {0.5, 0.9, 0.95, 0.99} where the optimizer has one; everything else
// at its default. Which keys those are comes from the optim registry (tunable_keys): "momentum"
// for momentum and RMSprop, "beta1" for Adam, none for SGD, CG, L-BFGS and AdaGrad.
//
// Criterion: the mean over seeds of the meta-loss sum_{t=1..T} f(x_t). Grid points are ordered by
// (diverged runs, mean meta-loss of the converged runs): a divergence ranks a point below every
// point without one. Ties keep grid order.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/bench/run_store.hpp"
#include "l2o/optim/registry.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o {

// 10^(k/2) for the integers k with lo <= 10^(k/2) <= hi (lo, hi > 0).
std::vector<double> half_decade_grid(double lo, double hi);

struct TuneSettings {
  int iters = 400;
  int batch = 64;
  int seeds = 5;                  // seeds first_seed, first_seed+1, ...
  std::uint64_t first_seed = 0;   // tuning seeds 0..4; evaluation seeds start at 1000
  int eval_every = 1;             // true objective every k iterations; the meta-loss interpolates
  int jobs = 1;
  double divergence_factor = 100.0;  // objective > factor x initial counts as diverged (mark_blow_up)
  std::vector<double> step_sizes = half_decade_grid(1e-5, 10.0);
  std::vector<double> momenta{0.5, 0.9, 0.95, 0.99};
  // A local grid instead of the full one (`l2o bench --tune-per-task`, docs/experiments.md): the
  // step size at half-decade multiples of a centre (2 * local_half_decades + 1 values, a factor
  // 10^0.5 ~ 3.2 apart), the other hyper-parameters at the centre's values; while the best value is
  // at an edge of what has been run, the grid is extended past that edge, half a decade at a time,
  // up to max_extensions times per optimizer (and never beyond [local_min, local_max]).
  // 0 = the full grid above.
  int local_half_decades = 0;
  int max_extensions = 6;
  double local_min = 1e-7, local_max = 100.0;
};

// The local grid's step sizes (TuneSettings::local_half_decades) around `centre`.
std::vector<double> local_step_sizes(double centre, int half_decades);

// The grid over an optimizer's tunable keys (optim/registry.hpp: tunable_keys): the step sizes
// times the momenta when it has a momentum-like key, else the step sizes alone. Points are ordered
// by momentum, then step size.
std::vector<nlohmann::json> tuning_grid(const TunableKeys& keys, const TuneSettings& settings);

struct TrialOutcome {
  double meta_loss = 0.0;  // +inf when diverged
  bool diverged = false;
  std::string divergence;
};
// One run of `optimizer` with `hyper` and `seed`.
using TrialFn = std::function<TrialOutcome(const std::string& optimizer, const nlohmann::json& hyper,
                                           std::uint64_t seed)>;

struct GridPoint {
  nlohmann::json hyper;
  std::vector<double> meta_losses;  // one per seed; +inf for diverged runs
  int diverged_runs = 0;
  double meta_loss_mean = 0.0;      // over converged runs (NaN if none)
  double meta_loss_std = 0.0;
  std::vector<std::string> divergences;
};

struct TuneResult {
  std::string optimizer;
  std::vector<GridPoint> grid;
  std::size_t best = 0;
  const nlohmann::json& best_hyper() const { return grid.at(best).hyper; }
  bool all_diverged() const;
};

struct TuneJob {
  std::string optimizer;
  std::vector<nlohmann::json> grid;
};

// Evaluates every grid point of every job with every seed (in parallel over settings.jobs
// threads; results do not depend on the number of threads) and picks the best point of each.
std::vector<TuneResult> tune_grid(const std::vector<TuneJob>& jobs, const TuneSettings& settings,
                                  const TrialFn& trial, bool progress = false);

// One run on the task; the meta-loss is over the evaluated points (curve_meta_loss). With an
// enabled `store`, the run is taken from it if there (task_fingerprint: the task's
// MlpTask::fingerprint, computed once by the caller) and kept in it otherwise.
TrialOutcome run_trial(const MlpTask& task, const std::string& optimizer, const nlohmann::json& hyper,
                       std::uint64_t seed, const TuneSettings& settings, const RunStore& store = RunStore(),
                       const std::string& task_fingerprint = "");

// Tunes the named hand-designed optimizers on the task. Throws l2o::Error for names that are not
// hand-designed (learned optimizers have no hyper-parameters to tune). Finished runs go to `store`
// as they complete and runs already there are reused (run_store.hpp). With a local grid
// (settings.local_half_decades > 0), `centres` gives each optimizer's centre hyper-parameters (its
// values tuned elsewhere, e.g. configs/tuned.json); the result's grid is then sorted by step size.
std::vector<TuneResult> tune_on_task(const MlpTask& task, const std::vector<std::string>& optimizers,
                                     const TuneSettings& settings, bool progress = false,
                                     const RunStore& store = RunStore(),
                                     const std::map<std::string, nlohmann::json>& centres = {});

// tune_grid on a local grid that grows past an edge while the best point lies there
// (TuneSettings::local_half_decades). `step_key` names each job's step-size hyper-parameter.
std::vector<TuneResult> tune_local_grid(const std::vector<TuneJob>& jobs, const std::vector<std::string>& step_keys,
                                        const TuneSettings& settings, const TrialFn& trial, bool progress = false);

// {"sgd": {"hyper": {...}, "meta_loss_mean", "meta_loss_std", "diverged_runs", "grid": [...]}, ...}
nlohmann::json tune_results_json(const std::vector<TuneResult>& results);

// The settings block of configs/tuned.json: the task's description (task_spec.hpp: to_json) plus
// batch, iterations, seeds, evaluation frequency, grid and criterion.
nlohmann::json tune_settings_json(const TuneSettings& settings, nlohmann::json task);

// Writes configs/tuned.json: {"command", "settings", "optimizers": tune_results_json(...)}. If the
// file exists with identical settings, the entries of optimizers not in `results` are kept (so
// optimizers can be tuned one at a time); otherwise it is replaced. Throws l2o::Error naming the
// file if it cannot be written.
void write_tuned_file(const std::string& path, const std::vector<TuneResult>& results, const nlohmann::json& settings,
                      const std::string& command);
}  // namespace l2o
