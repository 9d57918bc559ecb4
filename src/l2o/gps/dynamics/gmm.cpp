#include "l2o/gps/dynamics/gmm.hpp"

#include <fmt/core.h>

#include <cmath>
#include <limits>

#include "l2o/core/error.hpp"
#include "l2o/gps/dynamics/linear_gaussian.hpp"

namespace l2o::gps {

namespace {
constexpr double kLog2Pi = 1.8378770664093454836;
// A component whose total responsibility falls below this many points is re-seeded.
constexpr double kDeadComponent = 1e-8;
// Weight floor, so that log(w_k) stays finite.
constexpr double kMinWeight = 1e-300;

// Per-dimension ridge: reg * variance, with variance 1 for constant dimensions.
Vec ridge_for(const Mat& data, double reg) {
  const Vec mean = data.colwise().mean();
  Vec var = (data.rowwise() - mean.transpose()).array().square().colwise().mean();
  for (Index d = 0; d < var.size(); ++d)
    if (!(var(d) > 0.0)) var(d) = 1.0;
  return reg * var;
}
}  // namespace

Vec logsumexp_rows(const Mat& m) {
  Vec out(m.rows());
  for (Index i = 0; i < m.rows(); ++i) {
    const double mx = m.row(i).maxCoeff();
    if (!std::isfinite(mx)) {
      out(i) = mx;
      continue;
    }
    out(i) = mx + std::log((m.row(i).array() - mx).exp().sum());
  }
  return out;
}

void Gmm::set_parameters(const Vec& weights, const std::vector<Vec>& means, const std::vector<Mat>& covs) {
  const auto K = static_cast<Index>(means.size());
  if (K == 0 || weights.size() != K || static_cast<Index>(covs.size()) != K)
    throw Error("gmm: weights, means and covariances must have one entry per component");
  const Index D = means.front().size();
  for (Index k = 0; k < K; ++k)
    if (means[k].size() != D || covs[k].rows() != D || covs[k].cols() != D)
      throw Error(fmt::format("gmm: component {} has inconsistent dimensions", k));
  if (!(weights.array() >= 0.0).all() || !(weights.sum() > 0.0)) throw Error("gmm: weights must be >= 0, not all 0");
  weights_ = weights / weights.sum();
  means_ = means;
  covs_ = covs;
  refresh_factors();
}

void Gmm::refresh_factors() {
  const auto K = means_.size();
  chol_.resize(K);
  inv_chol_.resize(K);
  logdet_.resize(K);
  for (size_t k = 0; k < K; ++k) {
    covs_[k] = symmetrize(covs_[k]);
    Eigen::LLT<Mat> llt(covs_[k]);
    chol_[k] = llt.matrixL();
    if (llt.info() != Eigen::Success || !(chol_[k].diagonal().array() > 0.0).all() || !chol_[k].allFinite())
      throw Error(fmt::format("gmm: covariance of component {} is not positive definite", k));
    logdet_[k] = 2.0 * chol_[k].diagonal().array().log().sum();
    inv_chol_[k] = chol_[k].triangularView<Eigen::Lower>().solve(Mat::Identity(chol_[k].rows(), chol_[k].cols()));
  }
}

Mat Gmm::log_joint(const Mat& points) const {
  if (!fitted()) throw Error("gmm: used before it was fitted");
  if (points.cols() != dim())
    throw Error(fmt::format("gmm: points have {} columns, the mixture has dimension {}", points.cols(), dim()));
  const Index N = points.rows(), D = dim();
  const Mat pts_t = points.transpose();  // D x N: one contiguous column per point
  Mat out(N, clusters());
  Mat centred(D, N);
  for (int k = 0; k < clusters(); ++k) {
    // Mahalanobis distances for all points at once: |L^-1 (x - mu)|^2, one matrix product.
    centred.noalias() = inv_chol_[k] * (pts_t.colwise() - means_[k]);
    out.col(k) = (-0.5 * (centred.colwise().squaredNorm().array() + D * kLog2Pi + logdet_[k]) +
                  std::log(std::max(weights_(k), kMinWeight)))
                     .matrix()
                     .transpose();
  }
  return out;
}

Mat Gmm::log_responsibilities(const Mat& points) const {
  Mat lj = log_joint(points);
  const Vec lse = logsumexp_rows(lj);
  lj.colwise() -= lse;
  return lj;
}

Vec Gmm::log_density(const Mat& points) const { return logsumexp_rows(log_joint(points)); }

Vec Gmm::cluster_weights(const Mat& points) const {
  if (points.rows() == 0) throw Error("gmm: cluster weights of an empty point set");
  const Mat lr = log_responsibilities(points);
  // log mean_i r_ik = logsumexp_i(log r_ik) - log N, per component.
  Vec logw = logsumexp_rows(lr.transpose()).array() - std::log(static_cast<double>(points.rows()));
  Vec w = (logw.array() - logw.maxCoeff()).exp();
  return w / w.sum();
}

MixtureMoments Gmm::moments(const Vec& weights) const {
  if (weights.size() != clusters()) throw Error("gmm: moments need one weight per component");
  const double total = weights.sum();
  if (!(total > 0.0)) throw Error("gmm: moments need positive weights");
  const Vec w = weights / total;
  MixtureMoments m;
  m.mean = Vec::Zero(dim());
  for (int k = 0; k < clusters(); ++k) m.mean += w(k) * means_[k];
  m.cov = Mat::Zero(dim(), dim());
  for (int k = 0; k < clusters(); ++k) {
    const Vec d = means_[k] - m.mean;
    m.cov += w(k) * (covs_[k] + d * d.transpose());
  }
  m.cov = symmetrize(m.cov);
  return m;
}

void Gmm::seed_kmeanspp(const Mat& data, Rng& rng, const Vec& ridge) {
  const Index N = data.rows();
  const int K = static_cast<int>(means_.size());
  std::vector<Index> centres;
  centres.push_back(static_cast<Index>(rng.below(static_cast<std::uint64_t>(N))));
  Vec d2 = (data.rowwise() - data.row(centres[0])).rowwise().squaredNorm();
  while (static_cast<int>(centres.size()) < K) {
    const double total = d2.sum();
    Index pick = 0;
    if (total > 0.0) {
      // Next centre drawn with probability proportional to the squared distance (k-means++).
      double u = rng.uniform() * total;
      for (pick = 0; pick < N - 1; ++pick) {
        u -= d2(pick);
        if (u < 0.0) break;
      }
    } else {
      pick = static_cast<Index>(rng.below(static_cast<std::uint64_t>(N)));
    }
    centres.push_back(pick);
    d2 = d2.cwiseMin((data.rowwise() - data.row(pick)).rowwise().squaredNorm());
  }
  // Hard assignment to the nearest centre, then one M-step gives the starting parameters.
  Mat dist(N, K);
  for (int k = 0; k < K; ++k) dist.col(k) = (data.rowwise() - data.row(centres[k])).rowwise().squaredNorm();
  Mat resp = Mat::Zero(N, K);
  for (Index i = 0; i < N; ++i) {
    Index best;
    dist.row(i).minCoeff(&best);
    resp(i, best) = 1.0;
  }
  m_step(data, resp, ridge, rng);
}

void Gmm::m_step(const Mat& data, const Mat& resp, const Vec& ridge, Rng& rng) {
  const Index N = data.rows(), D = data.cols();
  const int K = static_cast<int>(resp.cols());
  const Mat data_t = data.transpose();  // D x N
  weights_.resize(K);
  Mat centred(D, N);
  for (int k = 0; k < K; ++k) {
    const double nk = resp.col(k).sum();
    if (nk < kDeadComponent) {
      // A dead component is re-seeded on a random point with the data's covariance.
      means_[k] = data.row(static_cast<Index>(rng.below(static_cast<std::uint64_t>(N)))).transpose();
      const Vec global_mean = data_t.rowwise().mean();
      centred = data_t.colwise() - global_mean;
      covs_[k] = centred * centred.transpose() / static_cast<double>(N);
      covs_[k].diagonal() += ridge;
      weights_(k) = 1.0 / static_cast<double>(N);
      continue;
    }
    means_[k] = data_t * resp.col(k) / nk;
    centred = data_t.colwise() - means_[k];
    covs_[k] = (centred * resp.col(k).asDiagonal()) * centred.transpose() / nk;
    covs_[k].diagonal() += ridge;
    weights_(k) = nk / static_cast<double>(N);
  }
  weights_ /= weights_.sum();
  refresh_factors();
}

void Gmm::fit(const Mat& data, const GmmOptions& options, Rng& rng, bool warm_start) {
  const Index N = data.rows(), D = data.cols();
  if (options.clusters < 1) throw Error("gmm: need at least one component");
  if (N < options.clusters) throw Error(fmt::format("gmm: {} points for {} components", N, options.clusters));
  if (D == 0) throw Error("gmm: points have no dimensions");
  if (!data.allFinite()) throw Error("gmm: data has a non-finite value");
  const Vec ridge = ridge_for(data, options.covariance_reg);
  const bool warm = warm_start && fitted() && dim() == D && clusters() == options.clusters;
  if (!warm) {
    means_.assign(options.clusters, Vec());
    covs_.assign(options.clusters, Mat());
    seed_kmeanspp(data, rng, ridge);
  }
  double prev = -std::numeric_limits<double>::infinity();
  iterations_ = 0;
  for (int it = 0; it < options.max_iterations; ++it) {
    Mat lj = log_joint(data);
    const Vec lse = logsumexp_rows(lj);
    const double ll = lse.mean();
    if (!std::isfinite(ll)) throw Error("gmm: log-likelihood became non-finite during EM");
    log_likelihood_ = ll;
    lj.colwise() -= lse;
    ++iterations_;
    if (std::abs(ll - prev) < options.tolerance * (1.0 + std::abs(ll))) break;
    prev = ll;
    m_step(data, lj.array().exp().matrix(), ridge, rng);
  }
}

}  // namespace l2o::gps
