#pragma once
// Per-time-step linear-Gaussian dynamics of one coordinate group (method §5.3 "local models",
// §5.4): from the tuples y = [s_t; a_t; s_{t+1}] of a group's pooled samples, fit
//   p(s_{t+1} | s_t, a_t) = N(A_t s_t + B_t a_t + c_t, F_t)
// by conditioning a joint Gaussian of y. The joint is the empirical one (plain fit) or the MAP
// estimate under the NIW prior from a GMM over tuples of all time steps (GPS-code
// DynamicsLRPrior), which keeps the fit sane with few samples per step. F_t is symmetrised and
// clamped positive definite. Also fits the initial-state Gaussian.
#include "l2o/gps/config.hpp"
#include "l2o/gps/dynamics/linear_gaussian.hpp"
#include "l2o/gps/dynamics/niw_prior.hpp"

namespace l2o::gps {

// Rows [s_t; a_t; s_{t+1}] of all samples and all observed transitions, stacked time step after
// time step: the data the dynamics GMM prior is fitted to (GmmPrior::update).
Mat dynamics_tuples(const GroupSamples& samples);
// The tuples of one transition step t (N x (2 dX + dU)).
Mat dynamics_tuples(const GroupSamples& samples, Index t);

// Fits A_t, B_t, c_t, F_t for every observed transition (samples.transitions() of them) and the
// initial-state Gaussian. With `prior` (fitted to dynamics_tuples of the same state/action
// dimensions) each step's joint Gaussian is the NIW MAP estimate; with nullptr it is the plain
// empirical fit. Initial state: empirical mean and covariance of s_0; with a prior, the
// covariance is the NIW MAP estimate (N S + phi_ss + N m/(N+m) d d^T) / (N + n0) with
// (mu0_s, phi_ss) the state block of the prior evaluated at the step-0 tuples and d the mean's
// distance to mu0_s; then either kept full with eigenvalues floored at
// options.initial_state_var (default: the optimizer's state features are correlated at t = 0,
// e.g. x_j and g_j), or reduced to its floored diagonal (GPS-code).
// Throws l2o::Error on inconsistent or non-finite samples (never returns non-finite models).
LinearGaussianDynamics fit_dynamics(const GroupSamples& samples, const DynamicsFitOptions& options,
                                    const GmmPrior* prior = nullptr);

}  // namespace l2o::gps
