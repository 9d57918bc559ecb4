#pragma once
// Statistics over runs of one optimizer: the evaluated true-objective curve of each run, their
// per-iteration mean/std/median/quartiles, the meta-loss, ranks and the speed-up over Adam, in
// iterations and in seconds.
//
// Conventions (docs/experiments.md):
// - A curve holds only the iterations where the true objective was evaluated (0, k, 2k, ..., T).
// - The meta-loss of a run is sum_{t=1..T} f(x_t), with f between evaluated iterations linearly
//   interpolated; a diverged run's meta-loss is +infinity.
// - Per-iteration statistics are over the runs that are still alive (not yet diverged) at that
//   iteration; `runs` says how many that is. NaN where no run is alive.
// - Seconds are the train loop's (TraceRow::seconds): wall time of the minibatch gradients and
//   optimizer steps since the run's start, without the true-objective evaluations. They are
//   measurements, so unlike everything else here they differ between runs of the same command.
#include <optional>
#include <string>
#include <vector>

#include "l2o/optim/train_loop.hpp"

namespace l2o {

struct RunCurve {
  std::vector<int> iters;          // evaluated iterations, increasing, starting at 0
  std::vector<double> objective;   // true objective there (finite)
  // Cumulative seconds there (TraceRow::seconds), or empty when unknown: a run kept in a run
  // store by an l2o that did not record them.
  std::vector<double> seconds;
  bool diverged = false;
  int diverged_iter = -1;
  std::string divergence;
  bool has_seconds() const { return seconds.size() == iters.size(); }
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
  // Mean cumulative seconds over the same runs; NaN where one of them has no seconds.
  std::vector<double> seconds;
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

// The linear interpolation at `x` between the two evaluated iterations around it (values[i] at
// iters[i]); NaN when x is outside them or either value is NaN.
double interpolate_at(const std::vector<int>& iters, const std::vector<double>& values, double x);

// Mean over the runs that did not diverge of their total seconds (the seconds at their last
// iteration). NaN when there are none or one of them has no seconds: never a partial mean.
double mean_total_seconds(const std::vector<RunCurve>& runs);

// The same speed-up in seconds: the seconds the reference's mean curve needs to first reach
// `target` (its fractional iteration from iterations_to_reach, converted by interpolating its mean
// cumulative seconds, reference.seconds) / `seconds_used`. When the reference never reaches the
// target, `lower_bound` is reference_total_seconds / seconds_used. Both are empty when the target
// is not finite or a needed number of seconds is unknown (NaN): a speed-up is never guessed.
Speedup seconds_speedup_over(const CurveStats& reference, double reference_total_seconds, double target,
                             double seconds_used);

// Ranks by (diverged runs, mean meta-loss of the converged runs), 1 = best; equal keys share a
// rank (1, 2, 2, 4). A diverged run's meta-loss is infinite, so any divergence ranks below none.
struct RankKey {
  int diverged_runs = 0;
  double meta_loss_mean = 0.0;  // over converged runs; +inf / NaN if none converged
};
std::vector<int> rank_by_meta_loss(const std::vector<RankKey>& keys);
}  // namespace l2o
