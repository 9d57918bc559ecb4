// LQG with KL terms: plain LQR against an independent Riccati recursion and a batch QP, forward
// pass and expected KL against simulation, optimality of the augmented solution (finite
// differences of the un-divided objective), the trust region, and the non-PD guards.
#include "l2o/gps/traj_opt/lqg.hpp"

#include <gtest/gtest.h>

#include "gps/gps_test_util.hpp"
#include "l2o/core/error.hpp"

namespace l2o::gps {
namespace {
using testing::random_matrix;
using testing::random_spd;
using testing::random_vector;

constexpr Index kX = 3, kU = 2, kT = 8;

struct Problem {
  LinearGaussianDynamics dyn;
  QuadraticCost cost;
};

Problem random_problem(std::uint64_t seed, Index T = kT) {
  Rng rng(seed);
  Problem p;
  for (Index t = 0; t < T; ++t) {
    p.dyn.A.push_back(0.9 * Mat::Identity(kX, kX) + random_matrix(rng, kX, kX, 0.1));
    p.dyn.B.push_back(random_matrix(rng, kX, kU, 0.5));
    p.dyn.c.push_back(random_vector(rng, kX, 0.1));
    p.dyn.F.push_back(0.01 * Mat::Identity(kX, kX));
    p.cost.C.push_back(random_spd(rng, kX + kU, 1.0, 0.2));
    p.cost.d.push_back(random_vector(rng, kX + kU, 0.5));
    p.cost.e.push_back(0.0);
  }
  p.dyn.x0_mean = random_vector(rng, kX);
  p.dyn.x0_cov = 0.1 * Mat::Identity(kX, kX);
  return p;
}

LinearGaussianPolicy random_policy(Rng& rng, Index T, double gain, double var) {
  std::vector<Mat> K, G;
  std::vector<Vec> k;
  for (Index t = 0; t < T; ++t) {
    K.push_back(random_matrix(rng, kU, kX, gain));
    k.push_back(random_vector(rng, kU, gain));
    G.push_back(random_spd(rng, kU, var, var));
  }
  return LinearGaussianPolicy::make(K, k, G);
}

TEST(Lqg, WithoutKlTermsMatchesRiccatiRecursion) {
  const Problem p = random_problem(1);
  const LqgSolution sol = lqg_backward(p.dyn, p.cost, KlTerms{}, 0.0, LqgOptions{});
  // Textbook finite-horizon LQR with cross terms, cost 1/2 [s;a]^T [Q N; N^T R] [s;a] + q^T s + r^T a,
  // value 1/2 s^T P s + p^T s, P_T = 0.
  Mat P = Mat::Zero(kX, kX);
  Vec pv = Vec::Zero(kX);
  for (Index t = kT - 1; t >= 0; --t) {
    const Mat Q = p.cost.C[t].topLeftCorner(kX, kX), N = p.cost.C[t].topRightCorner(kX, kU),
              R = p.cost.C[t].bottomRightCorner(kU, kU);
    const Vec q = p.cost.d[t].head(kX), r = p.cost.d[t].tail(kU);
    Mat A = Mat::Zero(kX, kX), B = Mat::Zero(kX, kU);
    Vec c = Vec::Zero(kX);
    if (t < kT - 1) {
      A = p.dyn.A[t];
      B = p.dyn.B[t];
      c = p.dyn.c[t];
    }
    const Mat Haa = R + B.transpose() * P * B;
    const Mat Has = N.transpose() + B.transpose() * P * A;
    const Vec ha = r + B.transpose() * (P * c + pv);
    const Mat Kt = -Haa.inverse() * Has;
    const Vec kt = -Haa.inverse() * ha;
    EXPECT_LT((sol.policy.K[t] - Kt).norm(), 1e-9 * (1 + Kt.norm())) << "K at step " << t;
    EXPECT_LT((sol.policy.k[t] - kt).norm(), 1e-9 * (1 + kt.norm())) << "k at step " << t;
    EXPECT_LT((sol.policy.cov[t] - Haa.inverse()).norm(), 1e-9) << "max-entropy covariance at step " << t;
    const Vec pnew = q + A.transpose() * (P * c + pv) - Has.transpose() * Haa.inverse() * ha;
    P = Q + A.transpose() * P * A - Has.transpose() * Haa.inverse() * Has;
    P = 0.5 * (P + P.transpose()).eval();
    pv = pnew;
  }
}

TEST(Lqg, MeanActionsMatchBatchQuadraticProgram) {
  // With s_0 fixed at the initial mean, the mean trajectory of LQG solves the deterministic
  // problem: stack all actions and minimise the total cost as one quadratic.
  const Problem p = random_problem(2);
  const LqgSolution sol = lqg_backward(p.dyn, p.cost, KlTerms{}, 0.0, LqgOptions{});
  const StateActionMarginals m = lqg_forward(p.dyn, sol.policy);
  const Index n = kT * kU;
  Mat H = Mat::Zero(n, n);
  Vec g = Vec::Zero(n);
  Mat M = Mat::Zero(kX, n);  // s_t = M U + ms
  Vec ms = p.dyn.x0_mean;
  for (Index t = 0; t < kT; ++t) {
    Mat Z = Mat::Zero(kX + kU, n);
    Z.topRows(kX) = M;
    Z.block(kX, t * kU, kU, kU).setIdentity();
    Vec z0 = Vec::Zero(kX + kU);
    z0.head(kX) = ms;
    H += Z.transpose() * p.cost.C[t] * Z;
    g += Z.transpose() * (p.cost.C[t] * z0 + p.cost.d[t]);
    if (t < kT - 1) {
      M = p.dyn.A[t] * M + p.dyn.B[t] * Z.bottomRows(kU);
      ms = p.dyn.A[t] * ms + p.dyn.c[t];
    }
  }
  const Vec U = -H.ldlt().solve(g);
  for (Index t = 0; t < kT; ++t) EXPECT_LT((m.mean[t].tail(kU) - U.segment(t * kU, kU)).norm(), 1e-8) << "step " << t;
}

TEST(Lqg, ForwardPassAndExpectedCostMatchSimulation) {
  const Problem p = random_problem(3);
  Rng rng(30);
  const LinearGaussianPolicy psi = random_policy(rng, kT, 0.3, 0.2);
  const StateActionMarginals m = lqg_forward(p.dyn, psi);
  const Vec ec = expected_cost(m, p.cost);
  const Index N = 100000;
  Mat s = testing::gaussian_rows(rng, N, p.dyn.x0_mean, p.dyn.x0_cov);
  for (Index t = 0; t < kT; ++t) {
    Mat a = psi.mean_rows(t, s) + testing::gaussian_rows(rng, N, Vec::Zero(kU), psi.cov[t]);
    Mat z(N, kX + kU);
    z << s, a;
    const Vec mean = z.colwise().mean();
    const Mat cz = z.rowwise() - mean.transpose();
    const Mat cov = cz.transpose() * cz / static_cast<double>(N);
    EXPECT_LT((mean - m.mean[t]).norm(), 0.02 * (1 + m.mean[t].norm())) << "step " << t;
    EXPECT_LT(testing::rel_err(cov, m.cov[t]), 0.03) << "step " << t;
    double mc = 0.0;
    for (Index i = 0; i < N; ++i) mc += p.cost.value(t, z.row(i).transpose());
    mc /= static_cast<double>(N);
    EXPECT_NEAR(ec(t), mc, 0.02 * (1 + std::abs(mc))) << "expected cost at step " << t;
    if (t + 1 < kT) {
      Mat next = s * p.dyn.A[t].transpose() + a * p.dyn.B[t].transpose() +
                 testing::gaussian_rows(rng, N, Vec::Zero(kX), p.dyn.F[t]);
      next.rowwise() += p.dyn.c[t].transpose();
      s = next;
    }
  }
}

TEST(Lqg, ExpectedKlMatchesMonteCarlo) {
  const Problem p = random_problem(4);
  Rng rng(40);
  const LinearGaussianPolicy a = random_policy(rng, kT, 0.3, 0.3);
  const LinearGaussianPolicy b = random_policy(rng, kT, 0.3, 0.3);
  const StateActionMarginals m = lqg_forward(p.dyn, a);
  const Vec kl = expected_policy_kl(m, a, b);
  EXPECT_NEAR(expected_policy_kl(m, a, a).sum(), 0.0, 1e-12);
  const Index t = 5, N = 200000;
  const Mat s = testing::gaussian_rows(rng, N, m.mean[t].head(kX), m.cov[t].topLeftCorner(kX, kX));
  const Mat act = a.mean_rows(t, s) + testing::gaussian_rows(rng, N, Vec::Zero(kU), a.cov[t]);
  auto logpdf = [&](const LinearGaussianPolicy& pol, const Mat& acts) {
    const Mat diff = acts - pol.mean_rows(t, s);
    const double logdet = 2.0 * pol.chol[t].diagonal().array().log().sum();
    return Vec(-0.5 * ((diff * pol.inv_cov[t]).cwiseProduct(diff).rowwise().sum().array() + logdet));
  };
  const double mc = (logpdf(a, act) - logpdf(b, act)).mean();
  EXPECT_NEAR(kl(t), mc, 0.03 * (1 + mc));
  EXPECT_GT(kl(t), 0.1);  // the check is not vacuous
}

// The un-divided objective the augmented LQG minimises.
double augmented_objective(const Problem& p, const LinearGaussianPolicy& psi, const KlTerms& terms, double kappa) {
  const StateActionMarginals m = lqg_forward(p.dyn, psi);
  QuadraticCost c = p.cost;
  for (Index t = 0; t < kT; ++t) c.d[t].tail(kU) -= terms.lambda[t];
  double j = expected_cost(m, c).sum();
  j += terms.nu.dot(expected_policy_kl(m, psi, *terms.global));
  j += kappa * expected_policy_kl(m, psi, *terms.previous).sum();
  return j;
}

TEST(Lqg, AugmentedSolutionMinimisesTheKlRegularisedObjective) {
  const Problem p = random_problem(5);
  Rng rng(50);
  const LinearGaussianPolicy prev = random_policy(rng, kT, 0.3, 0.5);
  const LinearGaussianPolicy global = random_policy(rng, kT, 0.3, 0.5);
  KlTerms terms;
  terms.previous = &prev;
  terms.global = &global;
  terms.nu = Vec(kT);
  terms.nu << 0.1, 0.5, 2.0, 5.0, 0.2, 1.0, 3.0, 0.05;  // strongly time-varying: tests the rescaling
  for (Index t = 0; t < kT; ++t) terms.lambda.push_back(random_vector(rng, kU, 0.5));
  const double kappa = 0.7;
  const LqgSolution sol = lqg_backward(p.dyn, p.cost, terms, kappa, LqgOptions{});
  ASSERT_EQ(sol.kappa, kappa);
  const double j0 = augmented_objective(p, sol.policy, terms, kappa);
  const double h = 1e-4;
  for (int dir = 0; dir < 12; ++dir) {
    // Random perturbation of all gains, offsets and covariances.
    LinearGaussianPolicy plus = sol.policy, minus = sol.policy;
    for (Index t = 0; t < kT; ++t) {
      const Mat dK = random_matrix(rng, kU, kX), dS = random_matrix(rng, kU, kU);
      const Vec dk = random_vector(rng, kU);
      const Mat dG = 0.1 * (dS + dS.transpose()) * sol.policy.cov[t].norm();
      plus.K[t] += h * dK;
      minus.K[t] -= h * dK;
      plus.k[t] += h * dk;
      minus.k[t] -= h * dk;
      plus.cov[t] += h * dG;
      minus.cov[t] -= h * dG;
    }
    plus.refresh();
    minus.refresh();
    const double jp = augmented_objective(p, plus, terms, kappa), jm = augmented_objective(p, minus, terms, kappa);
    EXPECT_LT(std::abs(jp - jm) / (2 * h), 1e-5 * (1 + std::abs(j0))) << "direction " << dir;
    EXPECT_GT(jp, j0 - 1e-12);
    EXPECT_GT(jm, j0 - 1e-12);
  }
  // The previous policy is not optimal: its objective is clearly higher.
  EXPECT_GT(augmented_objective(p, prev, terms, kappa), j0 + 1e-3);
}

TEST(Lqg, LargeNuPullsPsiOntoTheGlobalPolicy) {
  const Problem p = random_problem(6);
  Rng rng(60);
  const LinearGaussianPolicy global = random_policy(rng, kT, 0.3, 0.5);
  KlTerms terms;
  terms.global = &global;
  terms.nu = Vec::Constant(kT, 1e9);
  const LqgSolution sol = lqg_backward(p.dyn, p.cost, terms, 0.0, LqgOptions{});
  for (Index t = 0; t < kT; ++t) {
    EXPECT_LT((sol.policy.K[t] - global.K[t]).norm(), 1e-6);
    EXPECT_LT((sol.policy.k[t] - global.k[t]).norm(), 1e-6);
    EXPECT_LT((sol.policy.cov[t] - global.cov[t]).norm(), 1e-6);
  }
}

TEST(Lqg, TrustRegionMeetsTheKlBound) {
  const Problem p = random_problem(7);
  Rng rng(70);
  const LinearGaussianPolicy prev = random_policy(rng, kT, 0.1, 1.0);
  KlTerms terms;
  terms.previous = &prev;
  TrustRegionOptions opt;
  for (double eps : {0.2 * kT, 0.05 * kT, 1.0 * kT}) {
    const TrustRegionResult r = solve_trust_region(p.dyn, p.cost, terms, eps, 1.0, opt);
    EXPECT_EQ(r.status, TrustRegionStatus::Met) << "epsilon " << eps;
    EXPECT_LT(std::abs(r.kl - eps), 0.1 * eps) << "epsilon " << eps;
    // Independent recomputation of the KL of the returned policy.
    const double kl = expected_policy_kl(lqg_forward(p.dyn, r.policy), r.policy, prev).sum();
    EXPECT_NEAR(kl, r.kl, 1e-9 * (1 + kl));
    // Moving within the trust region lowers the expected cost under the model.
    EXPECT_LT(expected_cost(r.marginals, p.cost).sum(), expected_cost(lqg_forward(p.dyn, prev), p.cost).sum());
    RecordProperty("kappa_eps_" + std::to_string(eps), std::to_string(r.kappa));
  }
}

QuadraticCost concave_in_action(Index T) {
  QuadraticCost c = QuadraticCost::zero(T, kX + kU);
  for (Index t = 0; t < T; ++t) {
    c.C[t].topLeftCorner(kX, kX) = Mat::Identity(kX, kX);
    c.C[t].bottomRightCorner(kU, kU) = -0.5 * Mat::Identity(kU, kU);  // not PD in a
    c.d[t].tail(kU).setConstant(0.3);
  }
  return c;
}

TEST(Lqg, NonPositiveDefiniteActionHessianIsSurvived) {
  Problem p = random_problem(8);
  p.cost = concave_in_action(kT);
  Rng rng(80);
  const LinearGaussianPolicy prev = random_policy(rng, kT, 0.1, 0.1);
  KlTerms terms;
  terms.previous = &prev;
  const LqgSolution sol = lqg_backward(p.dyn, p.cost, terms, 1e-6, LqgOptions{});
  EXPECT_GT(sol.pd_retries, 0);
  EXPECT_GT(sol.kappa, 1e-6);
  for (Index t = 0; t < kT; ++t) {
    EXPECT_TRUE(sol.policy.K[t].allFinite());
    EXPECT_GT(Eigen::SelfAdjointEigenSolver<Mat>(sol.policy.cov[t]).eigenvalues().minCoeff(), 0.0);
  }
  const TrustRegionResult r = solve_trust_region(p.dyn, p.cost, terms, 0.2 * kT, 1.0, TrustRegionOptions{});
  EXPECT_NE(r.status, TrustRegionStatus::Exceeded);
  EXPECT_LE(r.kl, 1.1 * 0.2 * kT);
}

TEST(Lqg, NonPositiveDefiniteWithoutRemedyFailsCleanly) {
  Problem p = random_problem(9);
  p.cost = concave_in_action(kT);
  // No previous policy: nothing can make Q_aa PD.
  EXPECT_THROW(lqg_backward(p.dyn, p.cost, KlTerms{}, 0.0, LqgOptions{}), Error);
  // A cap below the kappa needed.
  Rng rng(90);
  const LinearGaussianPolicy prev = random_policy(rng, kT, 0.1, 0.1);
  KlTerms terms;
  terms.previous = &prev;
  LqgOptions capped;
  capped.kappa_cap = 1e-3;
  try {
    lqg_backward(p.dyn, p.cost, terms, 1e-6, capped);
    FAIL() << "expected l2o::gps::NotPositiveDefinite";
  } catch (const NotPositiveDefinite& e) {
    EXPECT_NE(std::string(e.what()).find("not positive definite"), std::string::npos) << e.what();
  }
  // The trust-region search with the same cap: solve_trust_region throws, the _or_keep form
  // returns the previous policy unchanged with status Failed and KL 0.
  TrustRegionOptions tro;
  tro.lqg = capped;
  EXPECT_THROW(solve_trust_region(p.dyn, p.cost, terms, 0.5, 1e-6, tro), NotPositiveDefinite);
  const TrustRegionResult kept = solve_trust_region_or_keep(p.dyn, p.cost, terms, 0.5, 1e-6, prev, tro);
  EXPECT_EQ(kept.status, TrustRegionStatus::Failed);
  EXPECT_EQ(kept.kl, 0.0);
  EXPECT_EQ(kept.kappa, 1e-6);
  for (Index t = 0; t < kT; ++t) {
    EXPECT_EQ(kept.policy.K[t], prev.K[t]);
    EXPECT_EQ(kept.policy.cov[t], prev.cov[t]);
  }
  // A well-posed problem is solved as by solve_trust_region.
  Problem q = random_problem(10);
  const TrustRegionResult a = solve_trust_region(q.dyn, q.cost, terms, 0.5, 1.0, TrustRegionOptions{});
  const TrustRegionResult b = solve_trust_region_or_keep(q.dyn, q.cost, terms, 0.5, 1.0, prev, TrustRegionOptions{});
  EXPECT_EQ(a.kl, b.kl);
  EXPECT_NE(b.status, TrustRegionStatus::Failed);
}

TEST(Lqg, NonFiniteInputsAreReportedNotPropagated) {
  Problem p = random_problem(10);
  p.dyn.A[3](1, 1) = std::nan("");
  EXPECT_THROW(lqg_backward(p.dyn, p.cost, KlTerms{}, 0.0, LqgOptions{}), Error);
  Problem q = random_problem(11);
  q.cost.d[2](0) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(lqg_backward(q.dyn, q.cost, KlTerms{}, 0.0, LqgOptions{}), Error);
  Problem r = random_problem(12);
  r.dyn.x0_mean(0) = std::nan("");
  const LqgSolution sol = lqg_backward(r.dyn, r.cost, KlTerms{}, 0.0, LqgOptions{});
  EXPECT_THROW(lqg_forward(r.dyn, sol.policy), Error);
  // Explosive dynamics overflow the value function: reported, not returned.
  Problem s = random_problem(13, 40);
  for (auto& A : s.dyn.A) A *= 1e40;
  EXPECT_THROW(lqg_backward(s.dyn, s.cost, KlTerms{}, 0.0, LqgOptions{}), Error);
}

TEST(Lqg, RejectsMissingKlPolicies) {
  const Problem p = random_problem(14);
  EXPECT_THROW(lqg_backward(p.dyn, p.cost, KlTerms{}, 1.0, LqgOptions{}), Error);  // kappa > 0, no previous
  KlTerms t;
  t.nu = Vec::Ones(kT);
  EXPECT_THROW(lqg_backward(p.dyn, p.cost, t, 0.0, LqgOptions{}), Error);  // nu > 0, no global policy
}

}  // namespace
}  // namespace l2o::gps
