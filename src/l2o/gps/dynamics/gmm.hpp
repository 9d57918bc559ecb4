#pragma once
// Gaussian mixture model fitted by EM, the source of the normal-inverse-Wishart priors of the
// dynamics and policy fits (method §5.4 step 1; GPS-code utility/gmm.py).
//
// Points are the rows of an N x D matrix. Responsibilities are computed in log space with
// log-sum-exp; component covariances get a ridge relative to the data's per-dimension variance
// so that a component collapsing onto few points (or a dimension that is constant, like the
// zero-filled history features at t = 0) cannot make a covariance singular.
#include "l2o/core/rng.hpp"
#include "l2o/core/types.hpp"
#include "l2o/gps/config.hpp"

namespace l2o::gps {

// Moments of a mixture for given component weights: mean = sum_k w_k mu_k,
// cov = sum_k w_k (Sigma_k + (mu_k - mean)(mu_k - mean)^T).
struct MixtureMoments {
  Vec mean;
  Mat cov;
};

class Gmm {
 public:
  // Fits by EM to the rows of `data`. With `warm_start` and a previous fit of the same dimension
  // and number of components, EM starts from the previous parameters; otherwise it is seeded by
  // k-means++ (centres drawn from `rng`, points assigned to their nearest centre). Stops after
  // options.max_iterations or when the mean log-likelihood stops improving. Throws l2o::Error on
  // non-finite data or fewer points than components.
  void fit(const Mat& data, const GmmOptions& options, Rng& rng, bool warm_start = true);

  // Sets the parameters directly (weights are normalised); throws on inconsistent shapes or
  // covariances that are not positive definite.
  void set_parameters(const Vec& weights, const std::vector<Vec>& means, const std::vector<Mat>& covs);

  bool fitted() const { return !means_.empty(); }
  int clusters() const { return static_cast<int>(means_.size()); }
  Index dim() const { return means_.empty() ? 0 : means_.front().size(); }
  const Vec& weights() const { return weights_; }
  const std::vector<Vec>& means() const { return means_; }
  const std::vector<Mat>& covariances() const { return covs_; }
  int iterations() const { return iterations_; }             // EM iterations of the last fit
  double log_likelihood() const { return log_likelihood_; }  // mean per point, last fit

  // log(w_k) + log N(x_i | mu_k, Sigma_k): N x K.
  Mat log_joint(const Mat& points) const;
  // Posterior responsibilities log p(k | x_i), normalised per row with log-sum-exp: N x K.
  Mat log_responsibilities(const Mat& points) const;
  Mat responsibilities(const Mat& points) const { return log_responsibilities(points).array().exp(); }
  // log p(x_i) under the mixture, N.
  Vec log_density(const Mat& points) const;
  // Cluster weights for a set of query points: the responsibilities averaged over the points
  // (computed in log space; GPS-code clusterwts). Sums to 1.
  Vec cluster_weights(const Mat& points) const;
  // Mixture moments for the given weights (normalised internally).
  MixtureMoments moments(const Vec& weights) const;

 private:
  void refresh_factors();
  void seed_kmeanspp(const Mat& data, Rng& rng, const Vec& ridge);
  void m_step(const Mat& data, const Mat& resp, const Vec& ridge, Rng& rng);

  Vec weights_;
  std::vector<Vec> means_;
  std::vector<Mat> covs_;
  std::vector<Mat> chol_;      // lower Cholesky factors of covs_
  std::vector<Mat> inv_chol_;  // their inverses (for Mahalanobis distances by one product)
  std::vector<double> logdet_;
  int iterations_ = 0;
  double log_likelihood_ = 0.0;
};

// Row-wise log-sum-exp of an N x K matrix (rows of -inf give -inf).
Vec logsumexp_rows(const Mat& m);

}  // namespace l2o::gps
