// BADMM duals and the policy-regression targets: the target minimises the theta-objective of
// method §5.6 for a fixed state, the closed-form Sigma_pi minimises its covariance terms, the
// lambda and nu updates follow their rules.
#include "l2o/gps/algorithm/badmm_duals.hpp"

#include <gtest/gtest.h>

#include "gps/gps_test_util.hpp"
#include "l2o/core/error.hpp"

namespace l2o::gps {
namespace {
using testing::random_matrix;
using testing::random_spd;
using testing::random_vector;

LinearGaussianPolicy random_psi(Rng& rng, Index T, Index dX, Index dU) {
  std::vector<Mat> K, G;
  std::vector<Vec> k;
  for (Index t = 0; t < T; ++t) {
    K.push_back(random_matrix(rng, dU, dX, 0.5));
    k.push_back(random_vector(rng, dU));
    G.push_back(random_spd(rng, dU, 0.5, 0.05));
  }
  return LinearGaussianPolicy::make(K, k, G);
}

TEST(Badmm, RegressionTargetMinimisesThetaObjective) {
  // J(mu) = lambda^T mu + nu/2 (mu - mu_psi)^T G^-1 (mu - mu_psi) at a fixed state.
  Rng rng(1);
  const Index T = 3, dX = 4, dU = 2;
  const LinearGaussianPolicy psi = random_psi(rng, T, dX, dU);
  BadmmDuals duals = BadmmDuals::initial(T, dU, BadmmOptions{});
  duals.nu << 0.3, 2.0, 7.0;
  for (auto& l : duals.lambda) l = random_vector(rng, dU);
  std::vector<Mat> states{random_matrix(rng, 5, dX), random_matrix(rng, 5, dX), random_matrix(rng, 5, dX)};
  const RegressionTargets tgt = regression_targets(states, psi, duals);
  for (Index t = 0; t < T; ++t) {
    const double nu = duals.nu(t);
    const Vec& lam = duals.lambda[static_cast<size_t>(t)];
    EXPECT_LT((tgt.precision[static_cast<size_t>(t)] - nu * psi.inv_cov[t]).norm(), 1e-12);
    for (Index i = 0; i < 5; ++i) {
      const Vec s = states[static_cast<size_t>(t)].row(i).transpose();
      const Vec mpsi = psi.mean(t, s);
      auto J = [&](const Vec& mu) { return lam.dot(mu) + 0.5 * nu * (mu - mpsi).dot(psi.inv_cov[t] * (mu - mpsi)); };
      const Vec target = tgt.mean[static_cast<size_t>(t)].row(i).transpose();
      // Gradient zero at the target ...
      const Vec grad = lam + nu * psi.inv_cov[t] * (target - mpsi);
      EXPECT_LT(grad.norm(), 1e-10 * (1 + lam.norm()));
      // ... and J is the precision-weighted square around it: J(mu) - J(tgt) = 1/2 |mu - tgt|^2_P.
      for (int r = 0; r < 5; ++r) {
        const Vec mu = target + random_vector(rng, dU);
        const Vec dm = mu - target;
        EXPECT_NEAR(J(mu) - J(target), 0.5 * dm.dot(tgt.precision[static_cast<size_t>(t)] * dm), 1e-10);
      }
    }
  }
}

TEST(Badmm, ZeroNuGivesPsiMeanWithZeroWeight) {
  Rng rng(2);
  const LinearGaussianPolicy psi = random_psi(rng, 1, 3, 1);
  BadmmDuals d = BadmmDuals::initial(1, 1, BadmmOptions{});
  d.nu(0) = 0.0;
  d.lambda[0](0) = 4.0;
  const std::vector<Mat> states{random_matrix(rng, 4, 3)};
  const RegressionTargets tgt = regression_targets(states, psi, d);
  EXPECT_LT((tgt.mean[0] - psi.mean_rows(0, states[0])).norm(), 1e-14);
  EXPECT_EQ(tgt.precision[0].norm(), 0.0);
}

TEST(Badmm, OptimalPolicyCovarianceMinimisesItsTerms) {
  Rng rng(3);
  const Index T = 4, dU = 2;
  const LinearGaussianPolicy psi = random_psi(rng, T, 3, dU);
  Vec nu(T);
  nu << 0.5, 1.0, 3.0, 0.1;
  auto J = [&](const Mat& S) {
    double j = 0.0;
    for (Index t = 0; t < T; ++t) j += 0.5 * nu(t) * ((psi.inv_cov[t] * S).trace() - std::log(S.determinant()));
    return j;
  };
  const Mat S = optimal_policy_covariance(psi, nu);
  const double j0 = J(S);
  for (int r = 0; r < 20; ++r) {
    // Perturbation relative to S (L E L^T keeps S +- dS positive definite).
    const Mat E = random_matrix(rng, dU, dU, 0.05);
    const Mat L = S.llt().matrixL();
    const Mat dS = L * (E + E.transpose()) * L.transpose();
    EXPECT_GT(J(S + dS), j0);
    EXPECT_GT(J(S - dS), j0);
  }
  EXPECT_THROW(optimal_policy_covariance(psi, Vec::Zero(T)), Error);
}

TEST(Badmm, LambdaStepMovesTowardThePolicyGap) {
  Rng rng(4);
  const Index T = 2, dX = 3, dU = 2;
  const LinearGaussianPolicy psi = random_psi(rng, T, dX, dU);
  std::vector<Mat> states{random_matrix(rng, 50, dX), random_matrix(rng, 50, dX)};
  // pi's means exceed psi's by a known offset.
  Vec offset(dU);
  offset << 0.3, -0.2;
  std::vector<Mat> pi_mean;
  for (Index t = 0; t < T; ++t) {
    Mat m = psi.mean_rows(t, states[static_cast<size_t>(t)]);
    m.rowwise() += offset.transpose();
    pi_mean.push_back(m);
  }
  const std::vector<Vec> gap = mean_action_gap(states, pi_mean, psi);
  for (const Vec& g : gap) EXPECT_LT((g - offset).norm(), 1e-12);
  BadmmOptions opt;
  BadmmDuals d = BadmmDuals::initial(T, dU, opt);
  d.nu << 2.0, 0.5;
  lambda_step(d, gap, psi, opt);  // GPS-code convention: alpha nu G^-1 gap
  for (Index t = 0; t < T; ++t)
    EXPECT_LT((d.lambda[static_cast<size_t>(t)] - opt.dual_rate * d.nu(t) * psi.inv_cov[t] * offset).norm(), 1e-12);
  opt.precision_scaled_lambda = false;  // LM17 text: alpha nu gap
  BadmmDuals e = BadmmDuals::initial(T, dU, opt);
  e.nu = d.nu;
  lambda_step(e, gap, psi, opt);
  for (Index t = 0; t < T; ++t)
    EXPECT_LT((e.lambda[static_cast<size_t>(t)] - opt.dual_rate * e.nu(t) * offset).norm(), 1e-12);
}

TEST(Badmm, SamplePolicyKlMatchesClosedFormAndVanishesForEqualPolicies) {
  Rng rng(5);
  const Index dX = 3, dU = 1;
  const LinearGaussianPolicy psi = random_psi(rng, 1, dX, dU);
  const std::vector<Mat> states{random_matrix(rng, 30, dX)};
  const std::vector<Mat> same{psi.mean_rows(0, states[0])};
  const SampleKl zero = sample_policy_kl(states, same, psi.cov[0], psi);
  EXPECT_NEAR(zero.psi_pi(0), 0.0, 1e-12);
  EXPECT_NEAR(zero.pi_psi(0), 0.0, 1e-12);
  // 1-d case by hand: KL(N(m1,v1) || N(m2,v2)) = 1/2 (v1/v2 + (m1-m2)^2/v2 - 1 + ln(v2/v1)).
  Mat shifted = same[0].array() + 0.5;
  const double v_psi = psi.cov[0](0, 0), v_pi = 0.3;
  const SampleKl kl = sample_policy_kl(states, {shifted}, Mat::Constant(1, 1, v_pi), psi);
  EXPECT_NEAR(kl.psi_pi(0), 0.5 * (v_psi / v_pi + 0.25 / v_pi - 1 + std::log(v_pi / v_psi)), 1e-12);
  EXPECT_NEAR(kl.pi_psi(0), 0.5 * (v_pi / v_psi + 0.25 / v_psi - 1 + std::log(v_psi / v_pi)), 1e-12);
}

TEST(Badmm, NuRules) {
  BadmmOptions opt;
  BadmmDuals d = BadmmDuals::initial(4, 1, opt);
  Vec kl(4);
  kl << 0.1, 0.0, 1.0, 0.5;
  nu_step(d, kl, opt);  // dual ascent: nu + 10 KL
  EXPECT_NEAR(d.nu(0), 0.01 + 1.0, 1e-15);
  EXPECT_NEAR(d.nu(1), 0.01, 1e-15);
  EXPECT_NEAR(d.nu(2), 0.01 + 10.0, 1e-15);

  opt.nu_rule = NuRule::KlRatio;
  BadmmDuals r = BadmmDuals::initial(3, 1, opt);
  r.nu.setOnes();
  Vec k1(3), k2(3);
  k1 << 1.0, 1.0, 1.0;
  k2 << 0.5, 0.9, 1.2;  // ratios 0.5 (< 0.8), 0.9 (in between), 1.2 (>= 0.95)
  nu_step(r, k1, opt);  // no previous KL: unchanged
  EXPECT_EQ(r.nu, Vec::Ones(3));
  nu_step(r, k2, opt);
  EXPECT_DOUBLE_EQ(r.nu(0), 0.5);
  EXPECT_DOUBLE_EQ(r.nu(1), 1.0);
  EXPECT_DOUBLE_EQ(r.nu(2), 2.0);

  opt.nu_rule = NuRule::MeanStd;
  BadmmDuals m = BadmmDuals::initial(4, 1, opt);
  m.nu.setOnes();
  Vec k3(4);
  k3 << 0.0, 1.0, 1.0, 4.0;  // mean 1.5, std 1.5: lower 0, upper 2.25
  nu_step(m, k3, opt);
  EXPECT_DOUBLE_EQ(m.nu(0), 1.0);  // 0 is not below 0
  EXPECT_DOUBLE_EQ(m.nu(1), 1.0);
  EXPECT_DOUBLE_EQ(m.nu(3), 2.0);

  opt.nu_rule = NuRule::FixedStep;
  opt.lg_step = -0.5;
  BadmmDuals f = BadmmDuals::initial(2, 1, opt);
  nu_step(f, Vec::Zero(2), opt);
  EXPECT_DOUBLE_EQ(f.nu(0), 0.0);  // clamped at min_nu
  EXPECT_THROW(nu_step(f, Vec::Constant(2, -1.0), opt), Error);
}

}  // namespace
}  // namespace l2o::gps
