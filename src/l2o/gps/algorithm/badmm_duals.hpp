#pragma once
// BADMM dual variables of one coordinate group and the targets of the policy regression
// (method §5.2, §5.6; GPS-code AlgorithmBADMM._policy_dual_step, _update_policy).
//
//   lambda_t <- lambda_t + alpha nu_t P_t ( E[mu_pi(s_t)] - E[mu_psi(s_t)] )
// with P_t = G_t^-1 (GPS-code; the step then has the units of lambda) or P_t = I (LM17's text);
// the expectations are sample means over the group's pooled samples. nu_t follows one of the
// rules of NuRule. The theta-step regresses the policy mean onto
//   target(s) = K_t s + k_t - G_t lambda_t / nu_t   with precision weight  nu_t G_t^-1,
// which is the completed square of lambda^T mu + nu/2 (mu - mu_psi)^T G^-1 (mu - mu_psi).
#include <vector>

#include "l2o/gps/config.hpp"
#include "l2o/gps/dynamics/linear_gaussian.hpp"

namespace l2o::gps {

struct BadmmDuals {
  std::vector<Vec> lambda;  // T entries of dU
  Vec nu;                   // T entries
  Vec prev_kl;              // the KL of the previous nu step (for KlRatio); empty at first

  // lambda = 0, nu = options.init_nu.
  static BadmmDuals initial(Index T, Index dU, const BadmmOptions& options);
  Index steps() const { return nu.size(); }
};

// Per-step mean over samples of mu_pi(s) - mu_psi(s): states[t] N x dX, pi_mean[t] N x dU.
std::vector<Vec> mean_action_gap(const std::vector<Mat>& states, const std::vector<Mat>& pi_mean,
                                 const LinearGaussianPolicy& psi);

// lambda step with the per-step gaps of mean_action_gap.
void lambda_step(BadmmDuals& duals, const std::vector<Vec>& gap, const LinearGaussianPolicy& psi,
                 const BadmmOptions& options);

// Per-step sample means of the closed-form KL between pi(.|s) = N(mu_pi(s), pi_cov) and
// psi(.|s), both directions.
struct SampleKl {
  Vec psi_pi;  // KL(psi || pi): the direction GPS-code uses for the nu step
  Vec pi_psi;  // KL(pi || psi)
};
SampleKl sample_policy_kl(const std::vector<Mat>& states, const std::vector<Mat>& pi_mean, const Mat& pi_cov,
                          const LinearGaussianPolicy& psi);

// nu step with per-step KL values (rule from options; see NuRule). Stores kl as prev_kl.
void nu_step(BadmmDuals& duals, const Vec& kl, const BadmmOptions& options);

// Regression targets of one group for the theta-step.
struct RegressionTargets {
  std::vector<Mat> mean;       // per step, N x dU: K s + k - G lambda / nu
  std::vector<Mat> precision;  // per step, dU x dU: nu G^-1 (shared by the step's samples)
};
// Where nu_t = 0 the target is psi's mean and the precision is 0 (the step carries no weight).
RegressionTargets regression_targets(const std::vector<Mat>& states, const LinearGaussianPolicy& psi,
                                     const BadmmDuals& duals);

// The Sigma_pi minimising sum_t nu_t/2 (tr(G_t^-1 Sigma) - log|Sigma|):
// Sigma_pi^-1 = sum_t nu_t G_t^-1 / sum_t nu_t. Throws if all nu are 0.
Mat optimal_policy_covariance(const LinearGaussianPolicy& psi, const Vec& nu);

}  // namespace l2o::gps
