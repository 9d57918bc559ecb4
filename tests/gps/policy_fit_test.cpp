// Linearisation of a policy: recovery of known K_t, k_t, S_t (plain and with the GMM prior).
#include "l2o/gps/policy/policy_fit.hpp"

#include <gtest/gtest.h>

#include "gps/gps_test_util.hpp"
#include "l2o/core/error.hpp"

namespace l2o::gps {
namespace {
using testing::gaussian_rows;
using testing::random_matrix;

struct KnownPolicy {
  std::vector<Mat> K, S;
  std::vector<Vec> k;
};

KnownPolicy make_policy(Index T, Index dX, Index dU, Rng& rng) {
  KnownPolicy p;
  for (Index t = 0; t < T; ++t) {
    p.K.push_back(random_matrix(rng, dU, dX, 0.5));
    p.k.push_back(testing::random_vector(rng, dU, 0.3));
    p.S.push_back(testing::random_spd(rng, dU, 0.1, 0.01));
  }
  return p;
}

void sample(const KnownPolicy& p, Index N, Rng& rng, std::vector<Mat>& states, std::vector<Mat>& actions) {
  const Index T = static_cast<Index>(p.K.size()), dX = p.K[0].cols(), dU = p.K[0].rows();
  states.clear();
  actions.clear();
  for (Index t = 0; t < T; ++t) {
    Vec mean = Vec::Constant(dX, 0.1 * static_cast<double>(t));
    states.push_back(gaussian_rows(rng, N, mean, Mat::Identity(dX, dX)));
    Mat a = states.back() * p.K[t].transpose() + gaussian_rows(rng, N, Vec::Zero(dU), p.S[t]);
    a.rowwise() += p.k[t].transpose();
    actions.push_back(a);
  }
}

void expect_recovered(const LinearGaussianPolicy& fit, const KnownPolicy& p, const Mat& pi_cov, double tol) {
  for (Index t = 0; t < fit.steps(); ++t) {
    EXPECT_LT((fit.K[t] - p.K[t]).cwiseAbs().maxCoeff(), tol) << "K at step " << t;
    EXPECT_LT((fit.k[t] - p.k[t]).cwiseAbs().maxCoeff(), tol) << "k at step " << t;
    EXPECT_LT(testing::rel_err(fit.cov[t], p.S[t] + pi_cov), 5 * tol) << "S at step " << t;
  }
}

TEST(PolicyFit, PlainFitRecoversKnownGainsAndCovariance) {
  Rng rng(7);
  for (Index dU : {1, 2}) {
    const KnownPolicy truth = make_policy(5, 4, dU, rng);
    std::vector<Mat> X, U;
    sample(truth, 20000, rng, X, U);
    const Mat pi_cov = 0.02 * Mat::Identity(dU, dU);
    const LinearGaussianPolicy fit = fit_policy_linearisation(X, U, pi_cov, PolicyFitOptions{});
    ASSERT_EQ(fit.steps(), 5);
    ASSERT_EQ(fit.action_dim(), dU);
    expect_recovered(fit, truth, pi_cov, 0.01);
  }
}

TEST(PolicyFit, PriorFitRecoversKnownGains) {
  Rng rng(8);
  const KnownPolicy truth = make_policy(4, 4, 1, rng);
  std::vector<Mat> X, U;
  sample(truth, 3000, rng, X, U);
  GmmPriorOptions po;
  po.max_iterations = 20;
  GmmPrior prior(po);
  prior.update(policy_tuples(X, U), rng);
  const Mat pi_cov = Mat::Constant(1, 1, 0.01);
  const LinearGaussianPolicy fit = fit_policy_linearisation(X, U, pi_cov, PolicyFitOptions{}, &prior);
  expect_recovered(fit, truth, pi_cov, 0.03);
}

TEST(PolicyFit, ExactLinearPolicyGivesPolicyCovarianceOnly) {
  // Deterministic mean actions (as from a network's mean output): residual ~ 0, so S = Sigma_pi.
  Rng rng(9);
  KnownPolicy truth = make_policy(3, 5, 1, rng);
  for (auto& S : truth.S) S = Mat::Constant(1, 1, 1e-30);
  std::vector<Mat> X, U;
  sample(truth, 200, rng, X, U);
  const Mat pi_cov = Mat::Constant(1, 1, 0.3);
  const LinearGaussianPolicy fit = fit_policy_linearisation(X, U, pi_cov, PolicyFitOptions{});
  for (Index t = 0; t < 3; ++t) {
    EXPECT_LT((fit.K[t] - truth.K[t]).norm(), 1e-4);
    EXPECT_NEAR(fit.cov[t](0, 0), 0.3, 1e-4);
  }
}

TEST(PolicyFit, RejectsBadInput) {
  std::vector<Mat> X{Mat::Zero(10, 3)}, U{Mat::Zero(9, 1)};
  EXPECT_THROW(fit_policy_linearisation(X, U, Mat::Identity(1, 1), PolicyFitOptions{}), Error);
  std::vector<Mat> U2{Mat::Zero(10, 1)};
  EXPECT_THROW(fit_policy_linearisation(X, U2, Mat::Identity(2, 2), PolicyFitOptions{}), Error);
}

}  // namespace
}  // namespace l2o::gps
