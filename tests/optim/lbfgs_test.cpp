// L-BFGS: finite termination on a quadratic with exact line searches, the two-loop recursion
// against the dense BFGS matrix, Rosenbrock, and the memory and curvature rules.
#include "l2o/optim/lbfgs.hpp"

#include <gtest/gtest.h>

#include <iostream>

#include "test_problems.hpp"

namespace l2o {
namespace {

LbfgsOptions lbfgs_exact_line_search() {
  LbfgsOptions o;
  o.c1 = 1e-12;
  o.c2 = 1e-9;  // the exact minimiser along d, to rounding
  o.max_evals = 50;
  return o;
}

TEST(Lbfgs, TerminatesInNIterationsOnAQuadraticWithExactLineSearches) {
  // With exact line searches on a quadratic, BFGS with H0 = gamma I builds A-conjugate directions
  // and its iterates coincide with linear CG's (N&W Thm. 6.4 and §7.2), so the gradient vanishes
  // after n steps when memory >= n.
  const int n = 7;
  const test::Quadratic q = test::random_quadratic(Vec::LinSpaced(n, 1.0, 100.0), 31);
  Lbfgs opt(lbfgs_exact_line_search());
  test::expect_linear_cg_iterates(opt, q, n);
  EXPECT_EQ(opt.pairs_stored(), static_cast<std::size_t>(n));
  EXPECT_EQ(opt.pairs_skipped(), 0);
}

TEST(Lbfgs, TwoLoopRecursionEqualsTheDenseBfgsMatrix) {
  const int n = 5;
  const test::Quadratic q = test::random_quadratic(Vec::LinSpaced(n, 0.5, 20.0), 41);
  Lbfgs opt;  // default, inexact Wolfe searches
  test::run_steps(opt, q.fn(), Vec::Ones(n), 4);
  const nlohmann::json state = opt.save_state();
  const std::size_t k = state["s"].size();
  ASSERT_GE(k, 2u);
  auto vec = [](const nlohmann::json& a) {
    Vec v(static_cast<Index>(a.size()));
    for (std::size_t i = 0; i < a.size(); ++i) v[static_cast<Index>(i)] = a[i].get<double>();
    return v;
  };
  // H = gamma I, then the BFGS update H <- (I - rho s y') H (I - rho y s') + rho s s' per pair.
  const Vec s_new = vec(state["s"][k - 1]), y_new = vec(state["y"][k - 1]);
  Mat h = (s_new.dot(y_new) / y_new.squaredNorm()) * Mat::Identity(n, n);
  for (std::size_t i = 0; i < k; ++i) {
    const Vec s = vec(state["s"][i]), y = vec(state["y"][i]);
    const double rho = 1.0 / s.dot(y);
    const Mat v = Mat::Identity(n, n) - rho * y * s.transpose();
    h = v.transpose() * h * v + rho * s * s.transpose();
  }
  Rng rng(5);
  for (int trial = 0; trial < 3; ++trial) {
    Vec g(n);
    for (Index i = 0; i < n; ++i) g[i] = rng.normal();
    const Vec expected = -h * g;
    EXPECT_LT((opt.direction(g) - expected).norm(), 1e-10 * expected.norm());
  }
}

TEST(Lbfgs, MinimisesRosenbrockFromTheClassicStart) {
  Lbfgs opt;
  Vec x = (Vec(2) << -1.2, 1.0).finished();
  const int iters = test::steps_until(
      opt, test::rosenbrock, x, 200, [](const Vec& v) { return (v - Vec::Ones(2)).norm() < 1e-6; });
  std::cout << "L-BFGS on Rosenbrock: " << iters << " iterations, " << opt.stats().evals
            << " evaluations\n";
  EXPECT_GT(iters, 0);
  EXPECT_LE(iters, 60);
  EXPECT_EQ(opt.stats().failures, 0);
}

TEST(Lbfgs, ConvergesWithLessMemoryThanDimensions) {
  const test::Quadratic q = test::random_quadratic(Vec::LinSpaced(20, 1.0, 100.0), 51);
  LbfgsOptions o;
  o.memory = 3;
  Lbfgs opt(o);
  Vec x = Vec::Ones(20);
  const Vec x_star = q.minimizer();
  const int iters = test::steps_until(opt, q.fn(), x, 200,
                                      [&](const Vec& v) { return (v - x_star).norm() < 1e-6; });
  std::cout << "L-BFGS (memory 3) on a 20-D quadratic, condition 100: " << iters << " iterations\n";
  EXPECT_GT(iters, 0);
  EXPECT_EQ(opt.pairs_stored(), 3u);
  EXPECT_EQ(opt.stats().failures, 0);
}

TEST(Lbfgs, FirstStepWithoutLineSearchHasLengthAtMostLr) {
  // Empty memory, no eval: delta = -lr * min(1, 1/|g|_1) * g.
  Lbfgs opt(LbfgsOptions{0.3});
  Vec delta;
  const Vec x = Vec::Zero(2);
  opt.step({x, 0.0, (Vec(2) << 3.0, -4.0).finished(), nullptr}, delta);
  EXPECT_NEAR(delta[0], -0.3 * 3.0 / 7.0, 1e-15);
  EXPECT_NEAR(delta[1], 0.3 * 4.0 / 7.0, 1e-15);
}

TEST(Lbfgs, SkipsPairsWithNonPositiveCurvature) {
  // Without eval the pair (s, y) is completed from the next call's gradient.
  Lbfgs opt(LbfgsOptions{1.0});
  const Vec x = Vec::Zero(2);
  Vec delta;
  opt.step({x, 0.0, (Vec(2) << 1.0, 0.0).finished(), nullptr}, delta);  // s = (-1, 0)
  EXPECT_NEAR(delta[0], -1.0, 1e-15);
  // g1 = (2, 0): y = (1, 0), s'y = -1 < 0: skipped. Memory still empty: delta = -(1/2) g1.
  opt.step({x, 0.0, (Vec(2) << 2.0, 0.0).finished(), nullptr}, delta);
  EXPECT_EQ(opt.pairs_skipped(), 1);
  EXPECT_EQ(opt.pairs_stored(), 0u);
  EXPECT_NEAR(delta[0], -1.0, 1e-15);
  // g2 = (1, 0): y = (-1, 0), s = (-1, 0), s'y = 1 > 0: stored. gamma = 1, delta = -lr g2.
  opt.step({x, 0.0, (Vec(2) << 1.0, 0.0).finished(), nullptr}, delta);
  EXPECT_EQ(opt.pairs_stored(), 1u);
  EXPECT_NEAR(delta[0], -1.0, 1e-15);
  EXPECT_NEAR(delta[1], 0.0, 1e-15);
}

TEST(Lbfgs, AFailedLineSearchTakesAZeroStepAndClearsTheMemory) {
  const test::Quadratic q = test::random_quadratic(Vec::LinSpaced(3, 1.0, 5.0), 4);
  const LossGradFn good = q.fn();
  const LossGradFn worse_everywhere = [](const Vec& x, Vec& g) {
    g = Vec::Ones(x.size());
    return 10.0 + x.squaredNorm();
  };
  Lbfgs opt;
  Vec x = Vec::Ones(3), g, delta;
  for (int t = 0; t < 2; ++t) {
    const double loss = good(x, g);
    opt.step({x, loss, g, &good}, delta);
    x += delta;
  }
  ASSERT_GT(opt.pairs_stored(), 0u);
  good(x, g);
  opt.step({x, 1.0, g, &worse_everywhere}, delta);
  EXPECT_EQ(delta.norm(), 0.0);
  EXPECT_EQ(opt.pairs_stored(), 0u);
  EXPECT_EQ(opt.stats().failures, 1);
  EXPECT_EQ(opt.stats().restarts, 1);
}

TEST(Lbfgs, StaysFiniteAndBoundedOnNoisyMinibatches) {
  LbfgsOptions o;
  o.max_evals = 5;
  Lbfgs opt(o);
  double f_start = 0.0, f_end = 0.0;
  ASSERT_NO_THROW(ASSERT_TRUE(test::noisy_quadratic_run(opt, 5, 7, f_start, f_end)));
  EXPECT_LT(f_end, f_start);
  EXPECT_LE(opt.pairs_stored(), 10u);
}
}  // namespace
}  // namespace l2o
