#pragma once
// Random matrices and Gaussian draws for the GPS tests (all from a seeded l2o::Rng).
#include <Eigen/Cholesky>

#include "l2o/core/rng.hpp"
#include "l2o/core/types.hpp"

namespace l2o::gps::testing {

inline Mat random_matrix(Rng& rng, Index rows, Index cols, double scale = 1.0) {
  Mat m(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) m(i, j) = scale * rng.normal();
  return m;
}

inline Vec random_vector(Rng& rng, Index n, double scale = 1.0) { return random_matrix(rng, n, 1, scale); }

// Symmetric positive definite with eigenvalues at least `floor`.
inline Mat random_spd(Rng& rng, Index n, double scale = 1.0, double floor = 0.1) {
  const Mat a = random_matrix(rng, n, n, scale / std::sqrt(static_cast<double>(n)));
  return a * a.transpose() + floor * Mat::Identity(n, n);
}

// N draws (rows) from N(mean, cov).
inline Mat gaussian_rows(Rng& rng, Index N, const Vec& mean, const Mat& cov) {
  const Mat L = cov.llt().matrixL();
  Mat z = random_matrix(rng, N, mean.size());
  Mat out = z * L.transpose();
  out.rowwise() += mean.transpose();
  return out;
}

// Relative Frobenius error |a - b| / max(|b|, tiny).
inline double rel_err(const Mat& a, const Mat& b) { return (a - b).norm() / std::max(b.norm(), 1e-300); }

}  // namespace l2o::gps::testing
