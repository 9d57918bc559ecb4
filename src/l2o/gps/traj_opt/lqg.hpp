#pragma once
// LQG for the guiding policy psi of one coordinate group, with the BADMM and trust-region KL
// terms (method §5.3; LA14/LFDA16 §4.2; GPS-code traj_opt_lqr_python + algorithm_badmm):
//
//   min_psi  sum_t E[ l_t(s,a) - lambda_t^T a ] + nu_t KL(psi_t || pi_bar_t) + kappa KL(psi_t || psi'_t)
//
// Writing each KL as cross-entropy minus entropy and dividing step t by
// D_t = nu_t + kappa + entropy_weight turns the problem into max-entropy LQR with the cost
//   l^_t = (l_t - lambda_t^T a - nu_t log pi_bar_t - kappa log psi'_t) / D_t,
// whose solution is psi_t = N(-Q_aa^-1 Q_as s - Q_aa^-1 q_a, Q_aa^-1), with the next step's value
// rescaled by D_{t+1}/D_t in the backward pass. kappa is the dual variable of the trust region
// sum_t E[KL(psi_t || psi'_t)] <= epsilon and is found by a bracketing dual search.
//
// Guards: Q_aa that is not positive definite raises kappa (kappa0 + delta, delta doubling from
// pd_delta_init) until it is, and throws l2o::Error at kappa_cap; psi's covariances are clamped
// into [min_action_variance, max_action_variance]; a non-finite gain, value or marginal throws
// l2o::Error. A returned policy is always finite with PD covariances.
#include <vector>

#include "l2o/gps/config.hpp"
#include "l2o/gps/dynamics/linear_gaussian.hpp"
#include "l2o/gps/traj_opt/cost_model.hpp"

namespace l2o::gps {

// The KL and dual terms of the augmented cost. All are optional: without them (kappa = 0, no nu,
// no lambda) the solve is plain LQR, with psi's covariance set to the max-entropy Q_aa^-1.
struct KlTerms {
  const LinearGaussianPolicy* previous = nullptr;  // psi' (the trust-region centre); needed if kappa > 0
  const LinearGaussianPolicy* global = nullptr;    // pi_bar (linearised global policy); needed if nu != 0
  Vec nu;                                          // nu_t, T entries (empty: all 0)
  std::vector<Vec> lambda;                         // lambda_t, T entries of dU (empty: all 0)
};

// The augmented cost l^_t and the divisors D_t (D_t = 1 where nu_t + kappa + entropy = 0).
struct AugmentedCost {
  QuadraticCost cost;
  Vec divisor;
};
AugmentedCost augmented_cost(const QuadraticCost& cost, const KlTerms& terms, double kappa, Index state_dim,
                             const LqgOptions& options);

struct LqgSolution {
  LinearGaussianPolicy policy;
  double kappa = 0.0;  // the kappa used (raised above the request if Q_aa was not PD)
  int pd_retries = 0;  // how many times kappa had to be raised
};

// Backward pass over T = cost.steps() steps; needs dynamics for steps 0..T-2.
LqgSolution lqg_backward(const LinearGaussianDynamics& dynamics, const QuadraticCost& cost, const KlTerms& terms,
                         double kappa, const LqgOptions& options);

// Forward pass: state-action marginals N(mu_t, Sigma_t) over z = [s; a] under the dynamics and
// `policy`, from the dynamics' initial-state Gaussian. Throws l2o::Error if a moment is not finite.
StateActionMarginals lqg_forward(const LinearGaussianDynamics& dynamics, const LinearGaussianPolicy& policy);

// E_{s_t}[ KL( p_t(.|s_t) || q_t(.|s_t) ) ] per step, s_t from the state block of `marginals`, in
// closed form for linear-Gaussian p and q.
Vec expected_policy_kl(const StateActionMarginals& marginals, const LinearGaussianPolicy& p,
                       const LinearGaussianPolicy& q);

// E[l_t(z)] per step under the marginals: 1/2 tr(C Sigma) + 1/2 mu^T C mu + d^T mu + e.
Vec expected_cost(const StateActionMarginals& marginals, const QuadraticCost& cost);

enum class TrustRegionStatus {
  Met,       // |KL - epsilon| < kl_tolerance * epsilon
  Slack,     // KL < epsilon without meeting it (kappa at its lower end: the bound is inactive),
             // or the best feasible solution after the search ran out of iterations
  Exceeded,  // no solution with KL <= epsilon was found (the last one is returned)
  Failed,    // no LQG solution at all (NotPositiveDefinite); the caller kept the previous policy
};

// The LQG backward pass found Q_aa not positive definite even at the largest kappa (the fitted
// cost's value function is not convex in the action): a property of the fitted models, which a
// meta-trainer can survive by keeping the previous policy (algorithm/psi_step.hpp).
class NotPositiveDefinite : public Error {
 public:
  using Error::Error;
};

struct TrustRegionResult {
  LinearGaussianPolicy policy;
  StateActionMarginals marginals;  // of `policy` under the dynamics
  double kappa = 0.0;
  double kl = 0.0;  // sum_t E[KL(psi_t || psi'_t)]
  double epsilon = 0.0;
  int iterations = 0;
  int pd_retries = 0;  // total kappa raises for non-PD Q_aa
  TrustRegionStatus status = TrustRegionStatus::Exceeded;
};

// Dual search on kappa (GPS-code): start at kappa_start (clamped to the bracket
// [kappa_min, kappa_max]); after each LQG solve, if KL < epsilon the bracket's upper end becomes
// kappa and kappa <- max(sqrt(lower*upper), 0.1*upper), otherwise the lower end becomes kappa and
// kappa <- min(sqrt(lower*upper), 10*lower); stop when |KL - epsilon| < kl_tolerance*epsilon or
// after max_iterations. terms.previous is required.
TrustRegionResult solve_trust_region(const LinearGaussianDynamics& dynamics, const QuadraticCost& cost,
                                     const KlTerms& terms, double epsilon, double kappa_start,
                                     const TrustRegionOptions& options);

// solve_trust_region, except that an LQG with no positive-definite solution at any kappa
// (NotPositiveDefinite) returns `keep` with KL 0, kappa unchanged and status Failed [ours]: a
// meta-trainer skips that group's C-step for one iteration instead of ending the run.
TrustRegionResult solve_trust_region_or_keep(const LinearGaussianDynamics& dynamics, const QuadraticCost& cost,
                                             const KlTerms& terms, double epsilon, double kappa_start,
                                             const LinearGaussianPolicy& keep, const TrustRegionOptions& options);

const char* to_string(TrustRegionStatus status);

}  // namespace l2o::gps
