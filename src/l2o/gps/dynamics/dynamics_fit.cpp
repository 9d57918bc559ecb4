#include "l2o/gps/dynamics/dynamics_fit.hpp"

#include <fmt/core.h>

#include <limits>

#include "l2o/core/error.hpp"

namespace l2o::gps {

Mat dynamics_tuples(const GroupSamples& samples, Index t) {
  if (t < 0 || t >= samples.transitions())
    throw Error(fmt::format("dynamics fit: no transition at step {} ({} observed)", t, samples.transitions()));
  const Index N = samples.count(), dX = samples.state_dim(), dU = samples.action_dim();
  Mat y(N, 2 * dX + dU);
  y << samples.states[t], samples.actions[t], samples.states[t + 1];
  return y;
}

Mat dynamics_tuples(const GroupSamples& samples) {
  samples.validate("dynamics tuples");
  const Index T1 = samples.transitions(), N = samples.count();
  if (T1 == 0) throw Error("dynamics tuples: the samples have no transitions (need T+1 states or T >= 2)");
  Mat all(N * T1, 2 * samples.state_dim() + samples.action_dim());
  for (Index t = 0; t < T1; ++t) all.middleRows(t * N, N) = dynamics_tuples(samples, t);
  return all;
}

LinearGaussianDynamics fit_dynamics(const GroupSamples& samples, const DynamicsFitOptions& options,
                                    const GmmPrior* prior) {
  samples.validate("dynamics fit");
  const Index T1 = samples.transitions(), N = samples.count(), dX = samples.state_dim(), dU = samples.action_dim();
  if (T1 == 0) throw Error("dynamics fit: the samples have no transitions (need T+1 states or T >= 2)");
  if (prior != nullptr && prior->dim() != 2 * dX + dU)
    throw Error(fmt::format("dynamics fit: prior has dimension {}, tuples have {}", prior->dim(), 2 * dX + dU));
  LinearGaussianDynamics dyn;
  dyn.A.resize(T1);
  dyn.B.resize(T1);
  dyn.c.resize(T1);
  dyn.F.resize(T1);
  for (Index t = 0; t < T1; ++t) {
    const Mat y = dynamics_tuples(samples, t);
    NiwPrior p;
    if (prior != nullptr) p = prior->eval(y);
    const Gaussian joint = map_joint_gaussian(y, prior != nullptr ? &p : nullptr);
    const LinearGaussianConditional cond = condition_gaussian(
        joint, dX + dU, options.regularization, options.min_variance, fmt::format("dynamics fit, step {}", t));
    dyn.A[t] = cond.gain.leftCols(dX);
    dyn.B[t] = cond.gain.rightCols(dU);
    dyn.c[t] = cond.offset;
    dyn.F[t] = cond.cov;
  }
  // Initial state: empirical moments, NIW-shrunk toward the prior's state block when there is
  // one, then diagonal (GPS-code) or full, with variances floored.
  const Mat& s0 = samples.states[0];
  dyn.x0_mean = s0.colwise().mean().transpose();
  const Mat centred = s0.rowwise() - dyn.x0_mean.transpose();
  Mat cov = symmetrize(centred.transpose() * centred / static_cast<double>(N));
  if (prior != nullptr) {
    const NiwPrior p = prior->eval(dynamics_tuples(samples, 0));
    const double n = static_cast<double>(N);
    const Vec diff = dyn.x0_mean - p.mu0.head(dX);
    const double shrink = p.m > 0.0 ? n * p.m / (n + p.m) : 0.0;
    cov = symmetrize((n * cov + p.phi.topLeftCorner(dX, dX) + shrink * diff * diff.transpose()) / (n + p.n0));
  }
  if (options.full_initial_covariance)
    dyn.x0_cov = clamp_eigenvalues(cov, options.initial_state_var, std::numeric_limits<double>::infinity());
  else
    dyn.x0_cov = cov.diagonal().cwiseMax(options.initial_state_var).asDiagonal();
  require_finite(dyn.x0_mean, "dynamics fit: initial-state mean");
  require_finite(dyn.x0_cov, "dynamics fit: initial-state covariance");
  return dyn;
}

}  // namespace l2o::gps
