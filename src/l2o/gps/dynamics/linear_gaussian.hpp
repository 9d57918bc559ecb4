#pragma once
// The data every GPS piece exchanges: per-time-step samples of one coordinate group, and the
// linear-Gaussian objects (policy, dynamics, Gaussian marginals) fitted to them or computed from
// them (method §2.3, §5). All plain Eigen data in double precision.
//
// Conventions used throughout src/l2o/gps:
//  * Samples of one coordinate group are arranged per time step: states[t] is N x dX and
//    actions[t] is N x dU; row i of every matrix is the same sample i, one (trajectory,
//    coordinate) pair of the group (Convolutional GPS pools a group's coordinates, §2.3).
//  * z = [s; a] is the state-action vector; quadratic models on z put the state block first.
//  * Horizon T = number of actions per trajectory (t = 0..T-1). Dynamics step t maps
//    (s_t, a_t) to s_{t+1}; the LQG uses steps 0..T-2 (the last action's effect enters the cost).
#include <string>
#include <vector>

#include "l2o/core/types.hpp"

namespace l2o::gps {

// Samples of one coordinate group. `states` has T or T+1 entries (the optional last one is the
// state reached after the last action); `actions` has T entries; all have the same row count.
struct GroupSamples {
  std::vector<Mat> states;
  std::vector<Mat> actions;

  Index steps() const { return static_cast<Index>(actions.size()); }
  Index count() const { return actions.empty() ? 0 : actions.front().rows(); }
  Index state_dim() const { return states.empty() ? 0 : states.front().cols(); }
  Index action_dim() const { return actions.empty() ? 0 : actions.front().cols(); }
  // Number of observed transitions (s_t, a_t) -> s_{t+1}.
  Index transitions() const;
  // Throws l2o::Error naming `what` if the shapes are inconsistent or a value is not finite.
  void validate(const std::string& what) const;
};

// A time-varying linear-Gaussian policy psi(a|s,t) = N(K_t s + k_t, G_t). `chol` (lower
// Cholesky factor of G_t) and `inv_cov` (G_t^-1) are derived by refresh(); a policy whose
// covariances are not positive definite or whose entries are not finite cannot be built.
struct LinearGaussianPolicy {
  std::vector<Mat> K;
  std::vector<Vec> k;
  std::vector<Mat> cov;
  std::vector<Mat> chol;
  std::vector<Mat> inv_cov;

  Index steps() const { return static_cast<Index>(K.size()); }
  Index state_dim() const { return K.empty() ? 0 : K.front().cols(); }
  Index action_dim() const { return K.empty() ? 0 : K.front().rows(); }
  Vec mean(Index t, const Vec& s) const { return K[t] * s + k[t]; }
  // Mean actions for the rows of `states` (N x dX) -> N x dU.
  Mat mean_rows(Index t, const Mat& states) const;

  // Builds a policy and its derived factors; throws l2o::Error (naming `what`) on bad input.
  static LinearGaussianPolicy make(std::vector<Mat> K, std::vector<Vec> k, std::vector<Mat> cov,
                                   const std::string& what = "linear-Gaussian policy");
  // A policy with constant gains: K_t = K, k_t = k, G_t = cov for all T steps.
  static LinearGaussianPolicy constant(Index T, const Mat& K, const Vec& k, const Mat& cov);
  // Recomputes chol and inv_cov from cov; throws l2o::Error if a covariance is not PD or a
  // value is not finite.
  void refresh(const std::string& what = "linear-Gaussian policy");
};

// Linear-Gaussian dynamics p(s_{t+1}|s_t,a_t) = N(A_t s_t + B_t a_t + c_t, F_t) for each observed
// transition step, plus the initial-state Gaussian N(x0_mean, x0_cov).
struct LinearGaussianDynamics {
  std::vector<Mat> A, B;
  std::vector<Vec> c;
  std::vector<Mat> F;
  Vec x0_mean;
  Mat x0_cov;

  Index steps() const { return static_cast<Index>(A.size()); }
  Index state_dim() const { return x0_mean.size(); }
  Index action_dim() const { return B.empty() ? 0 : B.front().cols(); }
};

// Gaussian state-action marginals N(mean[t], cov[t]) over z = [s; a], one per time step.
struct StateActionMarginals {
  std::vector<Vec> mean;
  std::vector<Mat> cov;
  Index steps() const { return static_cast<Index>(mean.size()); }
};

// ---- numerical helpers shared by the pieces ----

// (M + M^T) / 2.
Mat symmetrize(const Mat& m);
// Symmetric matrix with its eigenvalues clamped into [lo, hi] (guards covariances).
Mat clamp_eigenvalues(const Mat& m, double lo, double hi);
// Inverse of a symmetric positive-definite matrix; throws l2o::Error naming `what` if not PD.
Mat spd_inverse(const Mat& m, const std::string& what);
// log det of a symmetric positive-definite matrix via Cholesky; throws if not PD.
double spd_logdet(const Mat& m, const std::string& what);
// Throws l2o::Error("<what>: ... not finite") unless every entry is finite.
void require_finite(const Mat& m, const std::string& what);
void require_finite(const Vec& v, const std::string& what);

}  // namespace l2o::gps
