// Linear-Gaussian dynamics fits: recovery of a known time-varying system with and without the
// GMM/NIW prior, and the prior's benefit when each step has few samples.
#include "l2o/gps/dynamics/dynamics_fit.hpp"

#include <gtest/gtest.h>

#include "gps/gps_test_util.hpp"
#include "l2o/core/error.hpp"

namespace l2o::gps {
namespace {
using testing::gaussian_rows;
using testing::random_matrix;

struct KnownSystem {
  std::vector<Mat> A, B, F;
  std::vector<Vec> c;
  Vec x0_mean;
  Mat x0_cov;
};

// A mildly time-varying stable system with dX = 3, dU = 1.
KnownSystem make_system(Index T) {
  KnownSystem s;
  Rng rng(42);
  const Mat A0 = 0.6 * Mat::Identity(3, 3) + random_matrix(rng, 3, 3, 0.15);
  const Mat A1 = random_matrix(rng, 3, 3, 0.03);
  const Mat B0 = random_matrix(rng, 3, 1, 0.8);
  for (Index t = 0; t < T; ++t) {
    s.A.push_back(A0 + static_cast<double>(t) * A1);
    s.B.push_back(B0 + static_cast<double>(t) * 0.05 * Mat::Ones(3, 1));
    Vec c(3);
    c << 0.1 * t, -0.2, 0.05;
    s.c.push_back(c);
    Mat F = 0.01 * Mat::Identity(3, 3);
    F(0, 1) = F(1, 0) = 0.004;
    F(2, 2) = 0.02 + 0.002 * t;
    s.F.push_back(F);
  }
  s.x0_mean = Vec(3);
  s.x0_mean << 1.0, -0.5, 0.25;
  s.x0_cov = Vec::Constant(3, 0.5).asDiagonal();
  return s;
}

// N rollouts of T steps; exploratory actions a = -0.5 s_0 + 0.7 noise.
GroupSamples simulate(const KnownSystem& sys, Index N, Rng& rng) {
  const Index T = static_cast<Index>(sys.A.size());
  GroupSamples out;
  out.states.push_back(gaussian_rows(rng, N, sys.x0_mean, sys.x0_cov));
  for (Index t = 0; t < T; ++t) {
    const Mat& s = out.states.back();
    Mat a = -0.5 * s.col(0) + random_matrix(rng, N, 1, 0.7);
    Mat next = s * sys.A[t].transpose() + a * sys.B[t].transpose();
    next.rowwise() += sys.c[t].transpose();
    next += gaussian_rows(rng, N, Vec::Zero(3), sys.F[t]);
    out.actions.push_back(a);
    out.states.push_back(next);
  }
  return out;
}

double gain_error(const LinearGaussianDynamics& fit, const KnownSystem& sys) {
  double e = 0.0;
  for (Index t = 0; t < fit.steps(); ++t) {
    Mat f(3, 4), g(3, 4);
    f << fit.A[t], fit.B[t];
    g << sys.A[t], sys.B[t];
    e += (f - g).norm();
  }
  return e / static_cast<double>(fit.steps());
}

TEST(DynamicsFit, PlainFitRecoversKnownTimeVaryingSystem) {
  const KnownSystem sys = make_system(6);
  Rng rng(1);
  const GroupSamples data = simulate(sys, 20000, rng);
  const LinearGaussianDynamics fit = fit_dynamics(data, DynamicsFitOptions{});
  ASSERT_EQ(fit.steps(), 6);
  for (Index t = 0; t < 6; ++t) {
    EXPECT_LT((fit.A[t] - sys.A[t]).cwiseAbs().maxCoeff(), 0.01) << "A at step " << t;
    EXPECT_LT((fit.B[t] - sys.B[t]).cwiseAbs().maxCoeff(), 0.01) << "B at step " << t;
    EXPECT_LT((fit.c[t] - sys.c[t]).cwiseAbs().maxCoeff(), 0.02) << "c at step " << t;
    EXPECT_LT(testing::rel_err(fit.F[t], sys.F[t]), 0.05) << "F at step " << t;
  }
  EXPECT_LT((fit.x0_mean - sys.x0_mean).norm(), 0.02);
  EXPECT_LT((fit.x0_cov.diagonal() - sys.x0_cov.diagonal()).cwiseAbs().maxCoeff(), 0.02);
}

TEST(DynamicsFit, PriorFitRecoversKnownSystemWithManySamples) {
  const KnownSystem sys = make_system(6);
  Rng rng(2);
  const GroupSamples data = simulate(sys, 3000, rng);
  GmmPriorOptions po;
  po.max_iterations = 20;  // the prior needs a reasonable mixture, not a converged one
  GmmPrior prior(po);
  prior.update(dynamics_tuples(data), rng);
  const LinearGaussianDynamics fit = fit_dynamics(data, DynamicsFitOptions{}, &prior);
  const LinearGaussianDynamics plain = fit_dynamics(data, DynamicsFitOptions{});
  for (Index t = 0; t < 6; ++t) {
    // Sampling error at 3000 samples is ~0.02 in the worst-excited directions.
    EXPECT_LT((fit.A[t] - sys.A[t]).cwiseAbs().maxCoeff(), 0.04) << "A at step " << t;
    EXPECT_LT((fit.B[t] - sys.B[t]).cwiseAbs().maxCoeff(), 0.04) << "B at step " << t;
    EXPECT_LT(testing::rel_err(fit.F[t], sys.F[t]), 0.1) << "F at step " << t;
    // With plenty of data the prior (one pseudo-sample) barely moves the fit.
    EXPECT_LT((fit.A[t] - plain.A[t]).norm(), 1e-3) << "step " << t;
  }
}

TEST(DynamicsFit, PriorHelpsWithFewSamplesPerStep) {
  // The GMM prior is fitted to many earlier rollouts (pooled over steps); each new fit sees only
  // 6 samples per step for 4 inputs, where the plain regression is noisy.
  const KnownSystem sys = make_system(6);
  Rng rng(3);
  GmmPriorOptions po;
  po.max_iterations = 20;
  GmmPrior prior(po);
  prior.update(dynamics_tuples(simulate(sys, 400, rng)), rng);
  double err_plain = 0.0, err_prior = 0.0;
  const int reps = 20;
  for (int r = 0; r < reps; ++r) {
    const GroupSamples few = simulate(sys, 6, rng);
    err_plain += gain_error(fit_dynamics(few, DynamicsFitOptions{}), sys);
    const LinearGaussianDynamics with_prior = fit_dynamics(few, DynamicsFitOptions{}, &prior);
    err_prior += gain_error(with_prior, sys);
    for (Index t = 0; t < with_prior.steps(); ++t) {
      ASSERT_TRUE(with_prior.F[t].allFinite());
      EXPECT_GT(Eigen::SelfAdjointEigenSolver<Mat>(with_prior.F[t]).eigenvalues().minCoeff(), 0.0);
    }
  }
  err_plain /= reps;
  err_prior /= reps;
  RecordProperty("gain_error_plain", std::to_string(err_plain));
  RecordProperty("gain_error_prior", std::to_string(err_prior));
  EXPECT_LT(err_prior, 0.5 * err_plain) << "plain " << err_plain << " prior " << err_prior;
}

TEST(DynamicsFit, NoiseCovarianceIsClampedPositiveDefinite) {
  // Deterministic dynamics: the empirical residual covariance is 0 (or slightly negative from
  // round-off); F must come back PD at the floor.
  KnownSystem sys = make_system(3);
  for (auto& F : sys.F) F.setZero();
  Rng rng(4);
  GroupSamples data;
  data.states.push_back(gaussian_rows(rng, 50, sys.x0_mean, sys.x0_cov));
  for (Index t = 0; t < 3; ++t) {
    Mat a = random_matrix(rng, 50, 1);
    Mat next = data.states.back() * sys.A[t].transpose() + a * sys.B[t].transpose();
    next.rowwise() += sys.c[t].transpose();
    data.actions.push_back(a);
    data.states.push_back(next);
  }
  DynamicsFitOptions opt;
  opt.regularization = 0.0;
  const LinearGaussianDynamics fit = fit_dynamics(data, opt);
  for (Index t = 0; t < 3; ++t) {
    EXPECT_LT((fit.A[t] - sys.A[t]).norm(), 1e-8);
    EXPECT_GE(Eigen::SelfAdjointEigenSolver<Mat>(fit.F[t]).eigenvalues().minCoeff(), opt.min_variance * 0.999);
  }
}

TEST(DynamicsFit, InitialStateKeepsCorrelationsUnlessDiagonalIsAsked) {
  // s_0 = [x, 2 (x - x*)]: strongly correlated components, as an iterate and its gradient are.
  KnownSystem sys = make_system(2);
  sys.x0_cov << 1.0, 2.0, 0.0, 2.0, 4.5, 0.0, 0.0, 0.0, 0.3;
  Rng rng(6);
  const GroupSamples data = simulate(sys, 20000, rng);
  const LinearGaussianDynamics full = fit_dynamics(data, DynamicsFitOptions{});
  EXPECT_LT(testing::rel_err(full.x0_cov, sys.x0_cov), 0.03);
  DynamicsFitOptions diag;
  diag.full_initial_covariance = false;
  const LinearGaussianDynamics d = fit_dynamics(data, diag);
  EXPECT_EQ(d.x0_cov(0, 1), 0.0);
  EXPECT_NEAR(d.x0_cov(1, 1), 4.5, 0.15);
}

TEST(DynamicsFit, RejectsInconsistentOrNonFiniteSamples) {
  const KnownSystem sys = make_system(3);
  Rng rng(5);
  GroupSamples data = simulate(sys, 20, rng);
  data.actions[1](3, 0) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(fit_dynamics(data, DynamicsFitOptions{}), Error);
  GroupSamples shapes = simulate(sys, 20, rng);
  shapes.states[2] = Mat::Zero(19, 3);
  EXPECT_THROW(fit_dynamics(shapes, DynamicsFitOptions{}), Error);
  GroupSamples ok = simulate(sys, 20, rng);
  GmmPrior wrong_dim;
  wrong_dim.update(random_matrix(rng, 100, 5), rng);
  EXPECT_THROW(fit_dynamics(ok, DynamicsFitOptions{}, &wrong_dim), Error);
}

}  // namespace
}  // namespace l2o::gps
