#include "l2o/gps/dynamics/niw_prior.hpp"

#include <fmt/core.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <limits>
#include <numeric>

#include "l2o/core/error.hpp"
#include "l2o/gps/dynamics/linear_gaussian.hpp"

namespace l2o::gps {

Gaussian map_joint_gaussian(const Mat& points, const NiwPrior* prior) {
  const Index N = points.rows(), D = points.cols();
  if (N == 0) throw Error("joint Gaussian fit: no points");
  if (!points.allFinite()) throw Error("joint Gaussian fit: points have a non-finite value");
  Gaussian g;
  g.mean = points.colwise().mean().transpose();
  const Mat centred = points.rowwise() - g.mean.transpose();
  const Mat emp = symmetrize(centred.transpose() * centred / static_cast<double>(N));
  if (prior == nullptr) {
    g.cov = emp;
    return g;
  }
  if (prior->mu0.size() != D || prior->phi.rows() != D || prior->phi.cols() != D)
    throw Error(fmt::format("joint Gaussian fit: prior has dimension {}, points have {}", prior->mu0.size(), D));
  const double n = static_cast<double>(N);
  const Vec diff = g.mean - prior->mu0;
  const double shrink = prior->m > 0.0 ? n * prior->m / (n + prior->m) : 0.0;
  g.cov = symmetrize((n * emp + prior->phi + shrink * diff * diff.transpose()) / (n + prior->n0));
  return g;
}

LinearGaussianConditional condition_gaussian(const Gaussian& joint, Index n_in, double relative_ridge,
                                             double min_variance, const std::string& what) {
  const Index D = joint.mean.size();
  if (n_in <= 0 || n_in >= D) throw Error(fmt::format("{}: cannot condition {} of {} dimensions", what, n_in, D));
  const Index n_out = D - n_in;
  Mat sxx = joint.cov.topLeftCorner(n_in, n_in);
  for (Index i = 0; i < n_in; ++i) {
    const double v = sxx(i, i);
    sxx(i, i) += v > 0.0 ? relative_ridge * v : 1.0;
  }
  const Mat syx = joint.cov.bottomLeftCorner(n_out, n_in);
  LinearGaussianConditional c;
  Eigen::LLT<Mat> llt(sxx);
  if (llt.info() == Eigen::Success) {
    c.gain = llt.solve(syx.transpose()).transpose();
  } else {
    // Collinear inputs without a ridge: pseudo-inverse with tiny eigenvalues dropped.
    Eigen::SelfAdjointEigenSolver<Mat> es(sxx);
    const double cut = 1e-12 * std::max(1e-300, es.eigenvalues().cwiseAbs().maxCoeff());
    Vec inv = es.eigenvalues();
    for (Index i = 0; i < inv.size(); ++i) inv(i) = inv(i) > cut ? 1.0 / inv(i) : 0.0;
    c.gain = syx * es.eigenvectors() * inv.asDiagonal() * es.eigenvectors().transpose();
  }
  c.offset = joint.mean.tail(n_out) - c.gain * joint.mean.head(n_in);
  const Mat cov = joint.cov.bottomRightCorner(n_out, n_out) - c.gain * sxx * c.gain.transpose();
  require_finite(c.gain, what + " (gain)");
  require_finite(c.offset, what + " (offset)");
  require_finite(cov, what + " (covariance)");
  c.cov = clamp_eigenvalues(cov, min_variance, std::numeric_limits<double>::infinity());
  return c;
}

void GmmPrior::update(const Mat& points, Rng& rng) {
  const Index N = points.rows();
  if (N < 2) throw Error("GMM prior: need at least 2 points");
  Mat data;
  if (N > options_.max_points) {
    // Uniform subsample without replacement (partial Fisher-Yates).
    std::vector<Index> idx(static_cast<size_t>(N));
    std::iota(idx.begin(), idx.end(), Index{0});
    data.resize(options_.max_points, points.cols());
    for (Index i = 0; i < options_.max_points; ++i) {
      const auto j = i + static_cast<Index>(rng.below(static_cast<std::uint64_t>(N - i)));
      std::swap(idx[static_cast<size_t>(i)], idx[static_cast<size_t>(j)]);
      data.row(i) = points.row(idx[static_cast<size_t>(i)]);
    }
  } else {
    data = points;
  }
  GmmOptions g;
  const Index by_count = data.rows() / std::max(1, options_.min_samples_per_cluster);
  // K = max(2, min(max_clusters, points / min_samples_per_cluster)) [GPS-code], but never more
  // than max_clusters or the number of points.
  const Index k =
      std::min<Index>({static_cast<Index>(options_.max_clusters), std::max<Index>(2, by_count), data.rows()});
  g.clusters = static_cast<int>(std::max<Index>(1, k));
  g.max_iterations = options_.max_iterations;
  g.tolerance = options_.tolerance;
  g.covariance_reg = options_.covariance_reg;
  gmm_.fit(data, g, rng, /*warm_start=*/true);
}

NiwPrior GmmPrior::eval(const Mat& points) const {
  if (!ready()) throw Error("GMM prior: eval before update");
  const MixtureMoments mm = gmm_.moments(gmm_.cluster_weights(points));
  NiwPrior p;
  p.mu0 = mm.mean;
  p.m = options_.strength;
  p.n0 = options_.strength;
  p.phi = p.m * mm.cov;
  return p;
}

}  // namespace l2o::gps
