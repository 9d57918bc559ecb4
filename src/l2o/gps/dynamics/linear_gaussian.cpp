#include "l2o/gps/dynamics/linear_gaussian.hpp"

#include <fmt/core.h>

#include <Eigen/Eigenvalues>
#include <algorithm>

#include "l2o/core/error.hpp"

namespace l2o::gps {

Index GroupSamples::transitions() const {
  if (states.empty()) return 0;
  return std::min(static_cast<Index>(states.size()) - 1, steps());
}

void GroupSamples::validate(const std::string& what) const {
  const Index T = steps();
  if (T == 0) throw Error(fmt::format("{}: no time steps", what));
  if (static_cast<Index>(states.size()) != T && static_cast<Index>(states.size()) != T + 1)
    throw Error(fmt::format("{}: {} state steps for {} action steps (need T or T+1)", what, states.size(), T));
  const Index N = count(), dX = state_dim(), dU = action_dim();
  if (N == 0 || dX == 0 || dU == 0) throw Error(fmt::format("{}: empty sample matrices", what));
  for (size_t t = 0; t < states.size(); ++t) {
    if (states[t].rows() != N || states[t].cols() != dX)
      throw Error(
          fmt::format("{}: states[{}] is {}x{}, expected {}x{}", what, t, states[t].rows(), states[t].cols(), N, dX));
    if (!states[t].allFinite()) throw Error(fmt::format("{}: states[{}] has a non-finite value", what, t));
  }
  for (Index t = 0; t < T; ++t) {
    if (actions[t].rows() != N || actions[t].cols() != dU)
      throw Error(fmt::format("{}: actions[{}] is {}x{}, expected {}x{}", what, t, actions[t].rows(), actions[t].cols(),
                              N, dU));
    if (!actions[t].allFinite()) throw Error(fmt::format("{}: actions[{}] has a non-finite value", what, t));
  }
}

Mat LinearGaussianPolicy::mean_rows(Index t, const Mat& states) const {
  Mat out = states * K[t].transpose();
  out.rowwise() += k[t].transpose();
  return out;
}

LinearGaussianPolicy LinearGaussianPolicy::make(std::vector<Mat> K, std::vector<Vec> k, std::vector<Mat> cov,
                                                const std::string& what) {
  LinearGaussianPolicy p;
  p.K = std::move(K);
  p.k = std::move(k);
  p.cov = std::move(cov);
  p.refresh(what);
  return p;
}

LinearGaussianPolicy LinearGaussianPolicy::constant(Index T, const Mat& K, const Vec& k, const Mat& cov) {
  return make(std::vector<Mat>(T, K), std::vector<Vec>(T, k), std::vector<Mat>(T, cov));
}

void LinearGaussianPolicy::refresh(const std::string& what) {
  const Index T = steps();
  if (T == 0) throw Error(fmt::format("{}: no time steps", what));
  if (static_cast<Index>(k.size()) != T || static_cast<Index>(cov.size()) != T)
    throw Error(fmt::format("{}: {} gains, {} offsets, {} covariances", what, T, k.size(), cov.size()));
  const Index dU = action_dim(), dX = state_dim();
  chol.assign(T, Mat());
  inv_cov.assign(T, Mat());
  for (Index t = 0; t < T; ++t) {
    if (K[t].rows() != dU || K[t].cols() != dX || k[t].size() != dU || cov[t].rows() != dU || cov[t].cols() != dU)
      throw Error(fmt::format("{}: inconsistent shapes at step {}", what, t));
    if (!K[t].allFinite() || !k[t].allFinite() || !cov[t].allFinite())
      throw Error(fmt::format("{}: non-finite value at step {}", what, t));
    cov[t] = symmetrize(cov[t]);
    Eigen::LLT<Mat> llt(cov[t]);
    chol[t] = llt.matrixL();
    if (llt.info() != Eigen::Success || !chol[t].diagonal().allFinite() || (chol[t].diagonal().array() <= 0.0).any())
      throw Error(fmt::format("{}: covariance at step {} is not positive definite", what, t));
    inv_cov[t] = symmetrize(llt.solve(Mat::Identity(dU, dU)));
    if (!inv_cov[t].allFinite()) throw Error(fmt::format("{}: covariance at step {} is singular", what, t));
  }
}

Mat symmetrize(const Mat& m) { return 0.5 * (m + m.transpose()); }

Mat clamp_eigenvalues(const Mat& m, double lo, double hi) {
  Eigen::SelfAdjointEigenSolver<Mat> es(symmetrize(m));
  if (es.info() != Eigen::Success) throw Error("clamp_eigenvalues: eigen-decomposition failed (non-finite input?)");
  const Vec ev = es.eigenvalues().cwiseMax(lo).cwiseMin(hi);
  return symmetrize(es.eigenvectors() * ev.asDiagonal() * es.eigenvectors().transpose());
}

Mat spd_inverse(const Mat& m, const std::string& what) {
  Eigen::LLT<Mat> llt(symmetrize(m));
  if (llt.info() != Eigen::Success) throw Error(fmt::format("{}: matrix is not positive definite", what));
  Mat inv = symmetrize(llt.solve(Mat::Identity(m.rows(), m.cols())));
  if (!inv.allFinite()) throw Error(fmt::format("{}: matrix is singular", what));
  return inv;
}

double spd_logdet(const Mat& m, const std::string& what) {
  Eigen::LLT<Mat> llt(symmetrize(m));
  if (llt.info() != Eigen::Success) throw Error(fmt::format("{}: matrix is not positive definite", what));
  const Vec d = Mat(llt.matrixL()).diagonal();
  if ((d.array() <= 0.0).any()) throw Error(fmt::format("{}: matrix is singular", what));
  return 2.0 * d.array().log().sum();
}

void require_finite(const Mat& m, const std::string& what) {
  if (!m.allFinite()) throw Error(fmt::format("{}: value is not finite (NaN or Inf)", what));
}
void require_finite(const Vec& v, const std::string& what) {
  if (!v.allFinite()) throw Error(fmt::format("{}: value is not finite (NaN or Inf)", what));
}

}  // namespace l2o::gps
