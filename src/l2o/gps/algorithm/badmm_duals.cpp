#include "l2o/gps/algorithm/badmm_duals.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "l2o/core/error.hpp"

namespace l2o::gps {

namespace {
void check_samples(const std::vector<Mat>& states, const std::vector<Mat>& pi_mean, const LinearGaussianPolicy& psi,
                   const char* what) {
  const auto T = pi_mean.size();
  if (T == 0 || states.size() < T) throw Error(fmt::format("{}: need states and policy means for every step", what));
  if (psi.steps() < static_cast<Index>(T) || psi.inv_cov.size() < T)
    throw Error(fmt::format("{}: psi has fewer (refreshed) steps than the samples", what));
  for (size_t t = 0; t < T; ++t) {
    if (states[t].cols() != psi.state_dim() || pi_mean[t].cols() != psi.action_dim() ||
        states[t].rows() != pi_mean[t].rows() || states[t].rows() == 0)
      throw Error(fmt::format("{}: inconsistent shapes at step {}", what, t));
    if (!states[t].allFinite() || !pi_mean[t].allFinite())
      throw Error(fmt::format("{}: non-finite state or policy mean at step {}", what, t));
  }
}
}  // namespace

BadmmDuals BadmmDuals::initial(Index T, Index dU, const BadmmOptions& options) {
  BadmmDuals d;
  d.lambda.assign(static_cast<size_t>(T), Vec::Zero(dU));
  d.nu = Vec::Constant(T, options.init_nu);
  return d;
}

std::vector<Vec> mean_action_gap(const std::vector<Mat>& states, const std::vector<Mat>& pi_mean,
                                 const LinearGaussianPolicy& psi) {
  check_samples(states, pi_mean, psi, "BADMM action gap");
  std::vector<Vec> gap(pi_mean.size());
  for (size_t t = 0; t < pi_mean.size(); ++t)
    gap[t] = (pi_mean[t] - psi.mean_rows(static_cast<Index>(t), states[t])).colwise().mean().transpose();
  return gap;
}

void lambda_step(BadmmDuals& duals, const std::vector<Vec>& gap, const LinearGaussianPolicy& psi,
                 const BadmmOptions& options) {
  const Index T = duals.steps();
  if (static_cast<Index>(gap.size()) != T || static_cast<Index>(duals.lambda.size()) != T || psi.steps() < T ||
      static_cast<Index>(psi.inv_cov.size()) < T)
    throw Error("BADMM lambda step: duals, gaps and psi must cover the same steps");
  for (Index t = 0; t < T; ++t) {
    const Vec& g = gap[static_cast<size_t>(t)];
    if (g.size() != psi.action_dim() || !g.allFinite())
      throw Error(fmt::format("BADMM lambda step: bad action gap at step {}", t));
    const Vec dir = options.precision_scaled_lambda ? Vec(psi.inv_cov[t] * g) : g;
    duals.lambda[static_cast<size_t>(t)] += options.dual_rate * duals.nu(t) * dir;
  }
}

SampleKl sample_policy_kl(const std::vector<Mat>& states, const std::vector<Mat>& pi_mean, const Mat& pi_cov,
                          const LinearGaussianPolicy& psi) {
  check_samples(states, pi_mean, psi, "BADMM policy KL");
  const Index dU = psi.action_dim();
  if (pi_cov.rows() != dU || pi_cov.cols() != dU) throw Error("BADMM policy KL: policy covariance has the wrong size");
  const Mat pi_prec = spd_inverse(pi_cov, "BADMM policy KL: policy covariance");
  const double logdet_pi = spd_logdet(pi_cov, "BADMM policy KL: policy covariance");
  const auto T = pi_mean.size();
  SampleKl out{Vec(static_cast<Index>(T)), Vec(static_cast<Index>(T))};
  for (size_t t = 0; t < T; ++t) {
    const auto ti = static_cast<Index>(t);
    const Mat diff = pi_mean[t] - psi.mean_rows(ti, states[t]);
    const double logdet_psi = 2.0 * psi.chol[ti].diagonal().array().log().sum();
    // Mean squared Mahalanobis distances of the mean gap under each precision.
    const double maha_pi = (diff * pi_prec).cwiseProduct(diff).rowwise().sum().mean();
    const double maha_psi = (diff * psi.inv_cov[ti]).cwiseProduct(diff).rowwise().sum().mean();
    const auto d = static_cast<double>(dU);
    out.psi_pi(ti) = std::max(0.0, 0.5 * ((pi_prec * psi.cov[ti]).trace() + maha_pi - d + logdet_pi - logdet_psi));
    out.pi_psi(ti) = std::max(0.0, 0.5 * ((psi.inv_cov[ti] * pi_cov).trace() + maha_psi - d + logdet_psi - logdet_pi));
  }
  if (!out.psi_pi.allFinite() || !out.pi_psi.allFinite()) throw Error("BADMM policy KL: not finite");
  return out;
}

void nu_step(BadmmDuals& duals, const Vec& kl, const BadmmOptions& options) {
  const Index T = duals.steps();
  if (kl.size() != T || !kl.allFinite() || (kl.array() < 0.0).any())
    throw Error("BADMM nu step: need one finite, non-negative KL per step");
  Vec& nu = duals.nu;
  switch (options.nu_rule) {
    case NuRule::DualAscent:
      nu = (nu + options.lg_step * kl).cwiseMax(options.min_nu);
      break;
    case NuRule::FixedStep:
      nu = (nu.array() + options.lg_step).matrix().cwiseMax(options.min_nu);
      break;
    case NuRule::KlRatio:
      if (duals.prev_kl.size() == T)
        for (Index t = 0; t < T; ++t) {
          if (!(duals.prev_kl(t) > 0.0)) continue;
          const double ratio = kl(t) / duals.prev_kl(t);
          if (ratio < options.ratio_decrease_below)
            nu(t) *= options.nu_decrease;
          else if (ratio >= options.ratio_increase_at)
            nu(t) *= options.nu_increase;
        }
      break;
    case NuRule::MeanStd: {
      const double mean = kl.mean();
      const double sd = std::sqrt((kl.array() - mean).square().mean());
      const double lower = mean - options.mean_std_lower * sd, upper = mean + options.mean_std_upper * sd;
      for (Index t = 0; t < T; ++t) {
        if (kl(t) < lower)
          nu(t) *= options.nu_decrease;
        else if (kl(t) >= upper)
          nu(t) *= options.nu_increase;
      }
      break;
    }
  }
  nu = nu.cwiseMax(options.min_nu);
  duals.prev_kl = kl;
}

RegressionTargets regression_targets(const std::vector<Mat>& states, const LinearGaussianPolicy& psi,
                                     const BadmmDuals& duals) {
  const auto T = states.size();
  if (T == 0 || static_cast<Index>(T) > duals.steps() || static_cast<Index>(T) > psi.steps() ||
      psi.inv_cov.size() < T || duals.lambda.size() < T)
    throw Error("regression targets: states, duals and psi must cover the same steps");
  RegressionTargets out;
  out.mean.resize(T);
  out.precision.resize(T);
  for (size_t t = 0; t < T; ++t) {
    const auto ti = static_cast<Index>(t);
    if (states[t].cols() != psi.state_dim()) throw Error(fmt::format("regression targets: bad states at step {}", t));
    Mat mean = psi.mean_rows(ti, states[t]);
    const double nu = duals.nu(ti);
    if (nu > 0.0) {
      const Vec shift = psi.cov[ti] * duals.lambda[t] / nu;
      mean.rowwise() -= shift.transpose();
      out.precision[t] = nu * psi.inv_cov[ti];
    } else {
      out.precision[t] = Mat::Zero(psi.action_dim(), psi.action_dim());
    }
    require_finite(mean, fmt::format("regression targets, step {}", t));
    out.mean[t] = std::move(mean);
  }
  return out;
}

Mat optimal_policy_covariance(const LinearGaussianPolicy& psi, const Vec& nu) {
  const Index T = nu.size();
  if (T == 0 || psi.steps() < T || static_cast<Index>(psi.inv_cov.size()) < T)
    throw Error("policy covariance: need nu for the (refreshed) steps of psi");
  if ((nu.array() < 0.0).any() || !(nu.sum() > 0.0)) throw Error("policy covariance: nu must be >= 0, not all 0");
  Mat prec = Mat::Zero(psi.action_dim(), psi.action_dim());
  for (Index t = 0; t < T; ++t) prec += nu(t) * psi.inv_cov[t];
  prec /= nu.sum();
  return spd_inverse(prec, "policy covariance");
}

}  // namespace l2o::gps
