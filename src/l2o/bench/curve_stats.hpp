#pragma once
// Statistics over runs of one optimizer: the evaluated true-objective curve of each run, their
// per-iteration mean/std/median/quartiles, the meta-loss, ranks and the speed-up over Adam.
//
// Conventions (docs/experiments.md):
// - A curve holds only the iterations where the true objective was evaluated (0, k, 2k, ..., T).
// - The meta-loss of a run is sum_{t=1..T} f(x_t), with f between evaluated iterations linearly
//   interpolated; a diverged run's meta-loss is +infinity.
// - Per-iteration statistics are over the runs that are still alive (not yet diverged) at that
//   iteration; `runs` says how many that is. NaN where no run is alive.
#include <optional>
#include <string>
#include <vector>

#include "l2o/optim/train_loop.hpp"

namespace l2o {

struct RunCurve {
  std::vector<int> iters;          // evaluated iterations, increasing, starting at 0
  std::vector<double> objective;   // true objective there (finite)
  bool diverged = false;
  int diverged_iter = -1;
  std::string divergence;
};

// The evaluated rows of a run's trace.
RunCurve curve_from_result(const RunResult& result);

// The bench's divergence rule on top of the train loop's (which stops only at non-finite values):
// a run whose true objective exceeds `factor` x its initial objective has blown up for any
// practical purpose (cross-entropy 100x its starting value) and counts as diverged from the first
// such evaluation, which is removed with everything after it. factor <= 0 disables the rule.
// Returns true if it marked the run.
bool mark_blow_up(RunCurve& curve, double factor);

// The early blow-up of a run: the highest evaluated objective at iterations 0..window over the
// objective at iteration 0 (1 when it never rises; a diverged run counts what it evaluated).
double early_peak_ratio(const RunCurve& curve, int window = 20);

// sum_{t=1..total_iters} of the piecewise-linear interpolation of the curve; +inf if diverged.
// Throws l2o::Error if a non-diverged curve does not reach total_iters.
double curve_meta_loss(const RunCurve& curve, int total_iters);

struct CurveStats {
  std::vector<int> iters;
  std::vector<double> mean, std, median, q25, q75;  // std: sample standard deviation (0 for one run)
  std::vector<int> runs;                            // runs alive at that iteration
};

// Aggregates runs over the union of their evaluated iterations.
CurveStats aggregate_curves(const std::vector<RunCurve>& runs);

// Mean and sample standard deviation of the finite values (NaN / 0 when there are none).
struct MeanStd {
  double mean = 0.0, std = 0.0;
  int count = 0;
};
MeanStd mean_std(const std::vector<double>& values);
// Linear-interpolation quantile (q in [0,1]) of finite values; NaN if none.
double quantile(std::vector<double> values, double q);

// First (fractional) iteration at which a mean curve reaches `target` (<=), interpolating linearly
// between evaluated iterations; nullopt if it never does. NaN points (no run alive) are skipped.
std::optional<double> iterations_to_reach(const std::vector<int>& iters, const std::vector<double>& curve,
                                          double target);

// speed-up over a reference optimizer = (iterations the reference needs to reach `target`) /
// `iters_used`. When the reference never reaches the target within its `reference_iters`, the
// speed-up is unknown but larger than reference_iters / iters_used: `value` is empty and
// `lower_bound` holds that ratio. Both are empty when the target is not finite.
struct Speedup {
  std::optional<double> value;
  std::optional<double> lower_bound;
};
Speedup speedup_over(const CurveStats& reference, int reference_iters, double target, int iters_used);

// Ranks by (diverged runs, mean meta-loss of the converged runs), 1 = best; equal keys share a
// rank (1, 2, 2, 4). A diverged run's meta-loss is infinite, so any divergence ranks below none.
struct RankKey {
  int diverged_runs = 0;
  double meta_loss_mean = 0.0;  // over converged runs; +inf / NaN if none converged
};
std::vector<int> rank_by_meta_loss(const std::vector<RankKey>& keys);
}  // namespace l2o
