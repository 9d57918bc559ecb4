#include "l2o/bench/curve_stats.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "l2o/core/error.hpp"

namespace l2o {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// The index of iteration `it` in the curve, if it was evaluated there.
std::optional<size_t> index_of(const RunCurve& c, int it) {
  const auto pos = std::lower_bound(c.iters.begin(), c.iters.end(), it);
  if (pos == c.iters.end() || *pos != it) return std::nullopt;
  return static_cast<size_t>(pos - c.iters.begin());
}
}  // namespace

RunCurve curve_from_result(const RunResult& result) {
  RunCurve c;
  for (const auto& row : result.trace) {
    if (!std::isfinite(row.objective)) continue;
    c.iters.push_back(row.iter);
    c.objective.push_back(row.objective);
    c.seconds.push_back(row.seconds);
  }
  c.diverged = result.diverged;
  c.diverged_iter = result.diverged_iter;
  c.divergence = result.divergence;
  return c;
}

bool mark_blow_up(RunCurve& curve, double factor) {
  if (factor <= 0.0 || curve.diverged || curve.objective.empty()) return false;
  const double limit = factor * curve.objective.front();
  for (std::size_t k = 1; k < curve.objective.size(); ++k) {
    if (curve.objective[k] <= limit) continue;
    curve.diverged = true;
    curve.diverged_iter = curve.iters[k];
    curve.divergence = fmt::format("blew up at iteration {}: the true objective {:.4g} exceeds {:g} x its initial value {:.4g}",
                                   curve.iters[k], curve.objective[k], factor, curve.objective.front());
    if (curve.has_seconds()) curve.seconds.resize(k);
    curve.iters.resize(k);
    curve.objective.resize(k);
    return true;
  }
  return false;
}

double curve_meta_loss(const RunCurve& curve, int total_iters) {
  if (curve.diverged) return kInf;
  if (curve.iters.empty() || curve.iters.front() != 0 || curve.iters.back() != total_iters)
    throw Error(fmt::format("meta-loss: the curve must be evaluated at iterations 0 and {} (it spans {} to {})",
                            total_iters, curve.iters.empty() ? -1 : curve.iters.front(),
                            curve.iters.empty() ? -1 : curve.iters.back()));
  // Sum of the interpolated values at t = a+1..b over each segment [a, b]: the endpoint b counts
  // once, interior points linearly between f(a) and f(b).
  double sum = 0.0;
  for (size_t i = 1; i < curve.iters.size(); ++i) {
    const int a = curve.iters[i - 1], b = curve.iters[i];
    const double fa = curve.objective[i - 1], fb = curve.objective[i];
    const int gap = b - a;
    for (int k = 1; k <= gap; ++k) sum += fa + (fb - fa) * static_cast<double>(k) / gap;
  }
  return sum;
}

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd r;
  double sum = 0.0;
  for (double v : values)
    if (std::isfinite(v)) {
      sum += v;
      ++r.count;
    }
  if (r.count == 0) {
    r.mean = kNaN;
    r.std = kNaN;
    return r;
  }
  r.mean = sum / r.count;
  double ss = 0.0;
  for (double v : values)
    if (std::isfinite(v)) ss += (v - r.mean) * (v - r.mean);
  r.std = r.count > 1 ? std::sqrt(ss / (r.count - 1)) : 0.0;
  return r;
}

double quantile(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
               values.end());
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

CurveStats aggregate_curves(const std::vector<RunCurve>& runs) {
  CurveStats s;
  for (const auto& r : runs) s.iters.insert(s.iters.end(), r.iters.begin(), r.iters.end());
  std::sort(s.iters.begin(), s.iters.end());
  s.iters.erase(std::unique(s.iters.begin(), s.iters.end()), s.iters.end());
  for (int it : s.iters) {
    std::vector<double> vals, secs;
    bool all_timed = true;  // a mean over some of the runs alive would not match the objective's
    for (const auto& r : runs)
      if (auto k = index_of(r, it)) {
        vals.push_back(r.objective[*k]);
        if (r.has_seconds())
          secs.push_back(r.seconds[*k]);
        else
          all_timed = false;
      }
    const MeanStd ms = mean_std(vals);
    s.mean.push_back(ms.mean);
    s.std.push_back(ms.std);
    s.median.push_back(quantile(vals, 0.5));
    s.q25.push_back(quantile(vals, 0.25));
    s.q75.push_back(quantile(vals, 0.75));
    s.runs.push_back(static_cast<int>(vals.size()));
    s.seconds.push_back(all_timed ? mean_std(secs).mean : kNaN);
  }
  return s;
}

std::optional<double> iterations_to_reach(const std::vector<int>& iters, const std::vector<double>& curve,
                                          double target) {
  std::optional<size_t> prev;
  for (size_t i = 0; i < iters.size() && i < curve.size(); ++i) {
    if (!std::isfinite(curve[i])) continue;
    if (curve[i] <= target) {
      if (!prev) return static_cast<double>(iters[i]);
      const double f0 = curve[*prev], f1 = curve[i];
      const double a = iters[*prev], b = iters[i];
      // f0 > target >= f1 here, so the crossing lies in (a, b].
      return a + (b - a) * (f0 - target) / (f0 - f1);
    }
    prev = i;
  }
  return std::nullopt;
}

Speedup speedup_over(const CurveStats& reference, int reference_iters, double target, int iters_used) {
  Speedup s;
  if (!std::isfinite(target) || iters_used <= 0) return s;
  if (auto needed = iterations_to_reach(reference.iters, reference.mean, target))
    s.value = *needed / iters_used;
  else
    s.lower_bound = static_cast<double>(reference_iters) / iters_used;
  return s;
}

double interpolate_at(const std::vector<int>& iters, const std::vector<double>& values, double x) {
  const std::size_t n = std::min(iters.size(), values.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (iters[i] < x) continue;
    if (iters[i] == x) return values[i];
    if (i == 0) return kNaN;
    const double a = iters[i - 1], b = iters[i];
    return values[i - 1] + (values[i] - values[i - 1]) * (x - a) / (b - a);  // NaN in, NaN out
  }
  return kNaN;
}

double mean_total_seconds(const std::vector<RunCurve>& runs) {
  std::vector<double> totals;
  for (const auto& r : runs) {
    if (r.diverged) continue;
    if (!r.has_seconds() || r.seconds.empty()) return kNaN;
    totals.push_back(r.seconds.back());
  }
  return mean_std(totals).mean;
}

Speedup seconds_speedup_over(const CurveStats& reference, double reference_total_seconds, double target,
                             double seconds_used) {
  Speedup s;
  if (!std::isfinite(target) || !std::isfinite(seconds_used) || !(seconds_used > 0.0)) return s;
  if (auto needed = iterations_to_reach(reference.iters, reference.mean, target)) {
    const double seconds = interpolate_at(reference.iters, reference.seconds, *needed);
    if (std::isfinite(seconds)) s.value = seconds / seconds_used;
  } else if (std::isfinite(reference_total_seconds)) {
    s.lower_bound = reference_total_seconds / seconds_used;
  }
  return s;
}

std::vector<int> rank_by_meta_loss(const std::vector<RankKey>& keys) {
  auto loss = [&](size_t i) { return std::isfinite(keys[i].meta_loss_mean) ? keys[i].meta_loss_mean : kInf; };
  auto less = [&](size_t a, size_t b) {
    if (keys[a].diverged_runs != keys[b].diverged_runs) return keys[a].diverged_runs < keys[b].diverged_runs;
    return loss(a) < loss(b);
  };
  std::vector<int> ranks(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    int better = 0;
    for (size_t j = 0; j < keys.size(); ++j)
      if (less(j, i)) ++better;
    ranks[i] = better + 1;
  }
  return ranks;
}
double early_peak_ratio(const RunCurve& curve, int window) {
  if (curve.objective.empty() || !(curve.objective.front() > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  double peak = curve.objective.front();
  for (std::size_t k = 0; k < curve.iters.size() && curve.iters[k] <= window; ++k)
    peak = std::max(peak, curve.objective[k]);
  return peak / curve.objective.front();
}
}  // namespace l2o
