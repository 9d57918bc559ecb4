#pragma once
// Maximum-a-posteriori joint Gaussians under a normal-inverse-Wishart prior, their conditioning
// into linear-Gaussian models, and the GMM that supplies the prior (method §5.4 steps 1-4; GPS-code
// gauss_fit_joint_prior, dynamics_prior_gmm, policy_prior_gmm). Shared by the dynamics fit
// (points [s; a; s']) and the policy linearisation (points [s; a]).
#include "l2o/core/rng.hpp"
#include "l2o/core/types.hpp"
#include "l2o/gps/config.hpp"
#include "l2o/gps/dynamics/gmm.hpp"

namespace l2o::gps {

// NIW prior: mean mu0, scale matrix phi (already multiplied by m), pseudo-counts m (for the mean)
// and n0 (for the covariance).
struct NiwPrior {
  Vec mu0;
  Mat phi;
  double m = 0.0;
  double n0 = 0.0;
};

struct Gaussian {
  Vec mean;
  Mat cov;
};

// y | x ~ N(gain x + offset, cov): the conditional of the trailing block of a joint Gaussian.
struct LinearGaussianConditional {
  Mat gain;
  Vec offset;
  Mat cov;
};

// MAP joint Gaussian of the rows of `points` (N x D, uniform weights). With empirical mean mu^
// and (biased) covariance S^, and a prior:
//   mean = mu^,  cov = (N S^ + phi + N m/(N+m) (mu^ - mu0)(mu^ - mu0)^T) / (N + n0).
// Without a prior (nullptr) it is the empirical mean and covariance. Throws on non-finite input.
Gaussian map_joint_gaussian(const Mat& points, const NiwPrior* prior);

// Conditions `joint` on its first n_in dimensions: gain = S_yx S_xx^-1, offset = mu_y - gain mu_x,
// cov = S_yy - gain S_xx gain^T. Before solving, a ridge of `relative_ridge * S_xx(i,i)` is added
// to the input block (a constant input, S_xx(i,i) = 0, gets ridge 1 and so gain 0), which keeps
// the regression well posed with few samples; a still singular block is solved by an eigenvalue-
// floored pseudo-inverse. The conditional covariance is symmetrised and its eigenvalues floored
// at `min_variance`. Throws l2o::Error (naming `what`) if the result is not finite.
LinearGaussianConditional condition_gaussian(const Gaussian& joint, Index n_in, double relative_ridge,
                                             double min_variance, const std::string& what);

// The mixture that provides per-time-step NIW priors. update() refits the GMM on points pooled
// over all time steps, samples and coordinates (a random subsample of at most max_points rows),
// warm-starting EM from the previous fit when the number of components is unchanged; eval()
// turns the mixture into the prior for one time step's points.
class GmmPrior {
 public:
  explicit GmmPrior(GmmPriorOptions options = {}) : options_(options) {}

  void update(const Mat& points, Rng& rng);
  bool ready() const { return gmm_.fitted(); }
  Index dim() const { return gmm_.dim(); }
  // Prior for the query points: component weights = responsibilities averaged over the points,
  // (mu0, Phi0) = the mixture moments for those weights, m = n0 = strength, phi = m * Phi0
  // (LFDA16 sets n0 = m = 1). Throws if the prior has not been fitted.
  NiwPrior eval(const Mat& points) const;

  const Gmm& gmm() const { return gmm_; }
  const GmmPriorOptions& options() const { return options_; }

 private:
  GmmPriorOptions options_;
  Gmm gmm_;
};

}  // namespace l2o::gps
