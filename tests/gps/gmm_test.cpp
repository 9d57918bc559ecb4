// Gaussian mixture by EM: recovery of a known mixture, log-sum-exp responsibilities, warm start,
// mixture moments against sampled moments.
#include "l2o/gps/dynamics/gmm.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "gps/gps_test_util.hpp"
#include "l2o/core/error.hpp"

namespace l2o::gps {
namespace {
using testing::gaussian_rows;

struct Mixture {
  Vec weights;
  std::vector<Vec> means;
  std::vector<Mat> covs;
};

Mixture known_mixture() {
  Mixture m;
  m.weights = Vec(3);
  m.weights << 0.2, 0.3, 0.5;
  Vec a(3), b(3), c(3);
  a << 0, 0, 0;
  b << 8, 0, 2;
  c << 0, 9, -4;
  m.means = {a, b, c};
  Mat s0(3, 3), s1(3, 3), s2(3, 3);
  s0 << 1.0, 0.3, 0.0, 0.3, 0.5, 0.1, 0.0, 0.1, 0.8;
  s1 << 0.4, 0.0, 0.0, 0.0, 1.5, -0.4, 0.0, -0.4, 0.7;
  s2 << 2.0, 0.5, 0.2, 0.5, 1.0, 0.0, 0.2, 0.0, 0.3;
  m.covs = {s0, s1, s2};
  return m;
}

Mat sample_mixture(const Mixture& m, Index N, Rng& rng) {
  Mat out(N, m.means[0].size());
  Index row = 0;
  for (size_t k = 0; k < m.means.size(); ++k) {
    const Index nk = k + 1 == m.means.size() ? N - row : static_cast<Index>(m.weights(static_cast<Index>(k)) * N);
    out.middleRows(row, nk) = gaussian_rows(rng, nk, m.means[k], m.covs[k]);
    row += nk;
  }
  return out;
}

TEST(Gmm, RecoversKnownWellSeparatedMixture) {
  const Mixture truth = known_mixture();
  Rng rng(11);
  const Mat data = sample_mixture(truth, 9000, rng);
  Gmm gmm;
  GmmOptions opt;
  opt.clusters = 3;
  Rng fit_rng(3);
  gmm.fit(data, opt, fit_rng);
  ASSERT_EQ(gmm.clusters(), 3);
  for (size_t k = 0; k < 3; ++k) {
    // Match the fitted component by nearest mean.
    int best = 0;
    double bd = 1e300;
    for (int j = 0; j < 3; ++j) {
      const double d = (gmm.means()[j] - truth.means[k]).norm();
      if (d < bd) bd = d, best = j;
    }
    EXPECT_LT(bd, 0.1) << "component " << k;
    EXPECT_LT(testing::rel_err(gmm.covariances()[best], truth.covs[k]), 0.1) << "component " << k;
    EXPECT_NEAR(gmm.weights()(best), truth.weights(static_cast<Index>(k)), 0.01) << "component " << k;
  }
}

TEST(Gmm, ResponsibilitiesAreNormalisedAndFiniteFarFromAllComponents) {
  const Mixture truth = known_mixture();
  Gmm gmm;
  gmm.set_parameters(truth.weights, truth.means, truth.covs);
  Mat far(2, 3);
  far << 1e4, -1e4, 3e3, 50, 60, 70;  // every component density underflows to 0 in linear space
  const Mat r = gmm.responsibilities(far);
  ASSERT_TRUE(r.allFinite());
  for (Index i = 0; i < r.rows(); ++i) EXPECT_NEAR(r.row(i).sum(), 1.0, 1e-12);
  EXPECT_TRUE(gmm.log_density(far).allFinite());
  // A point at component 1's mean belongs to it.
  const Mat at_b = truth.means[1].transpose();
  EXPECT_GT(gmm.responsibilities(at_b)(0, 1), 0.999);
}

TEST(Gmm, ClusterWeightsFollowTheQueryPoints) {
  const Mixture truth = known_mixture();
  Gmm gmm;
  gmm.set_parameters(truth.weights, truth.means, truth.covs);
  Rng rng(5);
  Mat q(40, 3);
  q.topRows(10) = gaussian_rows(rng, 10, truth.means[0], truth.covs[0]);
  q.bottomRows(30) = gaussian_rows(rng, 30, truth.means[2], truth.covs[2]);
  const Vec w = gmm.cluster_weights(q);
  EXPECT_NEAR(w.sum(), 1.0, 1e-12);
  EXPECT_NEAR(w(0), 0.25, 0.01);
  EXPECT_NEAR(w(1), 0.0, 0.01);
  EXPECT_NEAR(w(2), 0.75, 0.01);
}

TEST(Gmm, MixtureMomentsMatchSampledMoments) {
  const Mixture truth = known_mixture();
  Gmm gmm;
  gmm.set_parameters(truth.weights, truth.means, truth.covs);
  Rng rng(8);
  const Mat draws = sample_mixture(truth, 200000, rng);
  const Vec mean = draws.colwise().mean();
  const Mat centred = draws.rowwise() - mean.transpose();
  const Mat cov = centred.transpose() * centred / static_cast<double>(draws.rows());
  const MixtureMoments m = gmm.moments(truth.weights);
  EXPECT_LT((m.mean - mean).norm(), 0.05);
  EXPECT_LT(testing::rel_err(cov, m.cov), 0.02);
  // With all weight on one component the moments are that component's.
  const MixtureMoments one = gmm.moments(Vec::Unit(3, 1));
  EXPECT_LT((one.mean - truth.means[1]).norm(), 1e-12);
  EXPECT_LT((one.cov - truth.covs[1]).norm(), 1e-12);
}

TEST(Gmm, WarmStartConvergesInFewIterations) {
  const Mixture truth = known_mixture();
  Rng rng(21);
  const Mat data = sample_mixture(truth, 3000, rng);
  Gmm gmm;
  GmmOptions opt;
  opt.clusters = 3;
  Rng fit_rng(1);
  gmm.fit(data, opt, fit_rng);
  const double ll = gmm.log_likelihood();
  gmm.fit(data, opt, fit_rng, /*warm_start=*/true);
  EXPECT_LE(gmm.iterations(), 2);
  EXPECT_NEAR(gmm.log_likelihood(), ll, 1e-4 * (1 + std::abs(ll)));
}

TEST(Gmm, RegularisationKeepsDegenerateDataFittable) {
  // Two dimensions that are constant and one that is exactly collinear: covariances would be
  // singular without the ridge.
  Rng rng(2);
  Mat data(500, 4);
  for (Index i = 0; i < 500; ++i) {
    const double u = rng.normal() + (i % 2 ? 5.0 : 0.0);
    data.row(i) << u, 2.0 * u, 0.0, 1.0;
  }
  Gmm gmm;
  GmmOptions opt;
  opt.clusters = 2;
  gmm.fit(data, opt, rng);
  EXPECT_TRUE(std::isfinite(gmm.log_likelihood()));
  EXPECT_TRUE(gmm.log_density(data).allFinite());
}

TEST(Gmm, RejectsBadInput) {
  Gmm gmm;
  GmmOptions opt;
  opt.clusters = 3;
  Rng rng(1);
  Mat two = Mat::Zero(2, 3);
  EXPECT_THROW(gmm.fit(two, opt, rng), Error);
  Mat bad = Mat::Ones(10, 2);
  bad(3, 1) = std::nan("");
  EXPECT_THROW(gmm.fit(bad, opt, rng), Error);
  EXPECT_THROW(gmm.log_joint(Mat::Zero(1, 2)), Error);  // not fitted
}

}  // namespace
}  // namespace l2o::gps
