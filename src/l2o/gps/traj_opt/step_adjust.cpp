#include "l2o/gps/traj_opt/step_adjust.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/gps/traj_opt/lqg.hpp"

namespace l2o::gps {

double CostEstimate::objective(const Vec& nu) const {
  double total = cost.sum();
  if (nu.size() != 0) {
    if (nu.size() != kl.size()) throw Error("cost estimate: nu and KL have different lengths");
    total += nu.dot(kl);
  }
  return total;
}

CostEstimate estimate_cost(const LinearGaussianPolicy& psi, const LinearGaussianDynamics& dynamics,
                           const QuadraticCost& cost, const LinearGaussianPolicy& global) {
  const StateActionMarginals m = lqg_forward(dynamics, psi);
  CostEstimate e;
  e.cost = expected_cost(m, cost);
  e.kl = expected_policy_kl(m, psi, global);
  return e;
}

double trust_region_epsilon(double kl_step, Index T, double step_mult) {
  const double eps = kl_step * static_cast<double>(T) * step_mult;
  if (!(eps > 0.0) || !std::isfinite(eps))
    throw Error(fmt::format("trust region: epsilon = {} * {} * {} is not positive", kl_step, T, step_mult));
  return eps;
}

StepAdjustment adjust_step_mult(double previous_objective, double predicted_new_objective, double actual_new_objective,
                                double step_mult, const StepSizeOptions& options, double realised_kl,
                                double kl_step_times_T) {
  if (!std::isfinite(previous_objective) || !std::isfinite(predicted_new_objective) ||
      !std::isfinite(actual_new_objective) || !std::isfinite(step_mult))
    throw Error("step adjustment: non-finite objective or step multiplier");
  StepAdjustment a;
  if (options.limit_to_realised_kl && realised_kl >= 0.0 && kl_step_times_T > 0.0) {
    const double actual_step = realised_kl / kl_step_times_T;
    if (actual_step < step_mult) step_mult = std::max(actual_step, options.min_step_mult);
  }
  a.predicted_improvement = previous_objective - predicted_new_objective;
  a.actual_improvement = previous_objective - actual_new_objective;
  const double mult = a.predicted_improvement /
                      (2.0 * std::max(options.min_improvement_gap, a.predicted_improvement - a.actual_improvement));
  a.multiplier = std::clamp(mult, options.min_mult_change, options.max_mult_change);
  a.step_mult = std::clamp(a.multiplier * step_mult, options.min_step_mult, options.max_step_mult);
  return a;
}

}  // namespace l2o::gps
