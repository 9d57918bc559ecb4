#include "l2o/gps/policy/policy_fit.hpp"

#include <fmt/core.h>

#include "l2o/core/error.hpp"

namespace l2o::gps {

namespace {
void check_inputs(const std::vector<Mat>& states, const std::vector<Mat>& actions, const char* what) {
  const auto T = actions.size();
  if (T == 0) throw Error(fmt::format("{}: no time steps", what));
  if (states.size() != T && states.size() != T + 1)
    throw Error(fmt::format("{}: {} state steps for {} action steps", what, states.size(), T));
  const Index N = actions[0].rows(), dX = states[0].cols(), dU = actions[0].cols();
  if (N == 0 || dX == 0 || dU == 0) throw Error(fmt::format("{}: empty sample matrices", what));
  for (size_t t = 0; t < T; ++t) {
    if (states[t].rows() != N || states[t].cols() != dX || actions[t].rows() != N || actions[t].cols() != dU)
      throw Error(fmt::format("{}: inconsistent shapes at step {}", what, t));
    if (!states[t].allFinite() || !actions[t].allFinite())
      throw Error(fmt::format("{}: non-finite value at step {}", what, t));
  }
}

Mat tuples_at(const std::vector<Mat>& states, const std::vector<Mat>& actions, size_t t) {
  Mat y(actions[t].rows(), states[t].cols() + actions[t].cols());
  y << states[t], actions[t];
  return y;
}
}  // namespace

Mat policy_tuples(const std::vector<Mat>& states, const std::vector<Mat>& mean_actions) {
  check_inputs(states, mean_actions, "policy tuples");
  const Index N = mean_actions[0].rows();
  const auto T = static_cast<Index>(mean_actions.size());
  Mat all(N * T, states[0].cols() + mean_actions[0].cols());
  for (Index t = 0; t < T; ++t) all.middleRows(t * N, N) = tuples_at(states, mean_actions, static_cast<size_t>(t));
  return all;
}

LinearGaussianPolicy fit_policy_linearisation(const std::vector<Mat>& states, const std::vector<Mat>& mean_actions,
                                              const Mat& policy_cov, const PolicyFitOptions& options,
                                              const GmmPrior* prior) {
  check_inputs(states, mean_actions, "policy linearisation");
  const auto T = mean_actions.size();
  const Index dX = states[0].cols(), dU = mean_actions[0].cols();
  if (policy_cov.rows() != dU || policy_cov.cols() != dU || !policy_cov.allFinite())
    throw Error(fmt::format("policy linearisation: policy covariance must be a finite {}x{} matrix", dU, dU));
  if (prior != nullptr && prior->dim() != dX + dU)
    throw Error(fmt::format("policy linearisation: prior has dimension {}, tuples have {}", prior->dim(), dX + dU));
  std::vector<Mat> K(T), cov(T);
  std::vector<Vec> k(T);
  for (size_t t = 0; t < T; ++t) {
    const Mat y = tuples_at(states, mean_actions, t);
    NiwPrior p;
    if (prior != nullptr) p = prior->eval(y);
    const Gaussian joint = map_joint_gaussian(y, prior != nullptr ? &p : nullptr);
    const LinearGaussianConditional c = condition_gaussian(joint, dX, options.regularization, options.min_variance,
                                                           fmt::format("policy linearisation, step {}", t));
    K[t] = c.gain;
    k[t] = c.offset;
    cov[t] = c.cov + symmetrize(policy_cov);
  }
  return LinearGaussianPolicy::make(std::move(K), std::move(k), std::move(cov), "policy linearisation");
}

}  // namespace l2o::gps
