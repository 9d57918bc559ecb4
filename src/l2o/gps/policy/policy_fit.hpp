#pragma once
// Linearisation of the global (LSTM) policy around the samples (method §5.5; GPS-code
// PolicyPriorGMM.fit): per time step, regress the policy's mean actions on the states,
//   pi_bar_t(a|s) = N(K_t s + k_t, S_t),  S_t = regression residual + Sigma_pi,
// with the same NIW/GMM-prior machinery as the dynamics. In CGPS the samples are a group's pooled
// (trajectory, coordinate) pairs; the LSTM's hidden state makes pi a function of the history, and
// the residual absorbs what the state does not explain.
#include <vector>

#include "l2o/gps/config.hpp"
#include "l2o/gps/dynamics/linear_gaussian.hpp"
#include "l2o/gps/dynamics/niw_prior.hpp"

namespace l2o::gps {

// Rows [s_t; mu_pi(s_t)] of all time steps stacked: the data the policy GMM prior is fitted to.
Mat policy_tuples(const std::vector<Mat>& states, const std::vector<Mat>& mean_actions);

// Fits K_t, k_t, S_t for t = 0..T-1 (T = mean_actions.size(); states may have one entry more,
// which is ignored). `policy_cov` is Sigma_pi (dU x dU, PSD), added to every S_t. With `prior`
// (fitted to policy_tuples) each step uses the NIW MAP joint Gaussian. Throws l2o::Error on
// inconsistent or non-finite input.
LinearGaussianPolicy fit_policy_linearisation(const std::vector<Mat>& states, const std::vector<Mat>& mean_actions,
                                              const Mat& policy_cov, const PolicyFitOptions& options,
                                              const GmmPrior* prior = nullptr);

}  // namespace l2o::gps
