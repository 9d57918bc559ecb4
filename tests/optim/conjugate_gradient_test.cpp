// Nonlinear CG (Polak-Ribiere+): exact-line-search behaviour on a quadratic (it must reproduce
// linear CG), Rosenbrock, the restart rules, and robustness on noisy and hostile objectives.
#include "l2o/optim/conjugate_gradient.hpp"

#include <gtest/gtest.h>

#include <iostream>

#include "test_problems.hpp"

namespace l2o {
namespace {

ConjugateGradientOptions cg_exact_line_search() {
  ConjugateGradientOptions o;
  o.lr = 1.0;
  o.c1 = 1e-12;
  o.c2 = 1e-9;  // |phi'(alpha)| <= 1e-9 |phi'(0)|: the exact minimiser along d, to rounding
  o.max_evals = 50;
  return o;
}

TEST(ConjugateGradient, WithExactLineSearchesReproducesLinearCgOnAQuadratic) {
  const int n = 6;
  const test::Quadratic q = test::random_quadratic(Vec::LinSpaced(n, 1.0, 50.0), 21);
  ConjugateGradient opt(cg_exact_line_search());
  // Linear CG's iterates, and finite termination: after n steps the gradient vanishes (to rounding).
  test::expect_linear_cg_iterates(opt, q, n);
  EXPECT_EQ(opt.stats().failures, 0);
}

TEST(ConjugateGradient, MinimisesRosenbrockFromTheClassicStart) {
  ConjugateGradient opt;  // defaults
  Vec x = (Vec(2) << -1.2, 1.0).finished();
  const int iters = test::steps_until(
      opt, test::rosenbrock, x, 200, [](const Vec& v) { return (v - Vec::Ones(2)).norm() < 1e-6; });
  std::cout << "CG on Rosenbrock: " << iters << " iterations, " << opt.stats().evals
            << " evaluations\n";
  EXPECT_GT(iters, 0);
  EXPECT_LE(iters, 50);
  EXPECT_EQ(opt.stats().failures, 0);
}

TEST(ConjugateGradient, RestartingEveryStepIsSteepestDescent) {
  ConjugateGradientOptions o;
  o.restart_every = 1;
  ConjugateGradient opt(o);
  const test::Quadratic q = test::random_quadratic(Vec::LinSpaced(4, 1.0, 10.0), 2);
  Vec x = Vec::Ones(4), g, delta;
  const LossGradFn f = q.fn();
  for (int t = 0; t < 5; ++t) {
    const double loss = f(x, g);
    opt.step({x, loss, g, &f}, delta);
    EXPECT_GT(-delta.dot(g) / (delta.norm() * g.norm()), 1.0 - 1e-12) << "step " << t;
    x += delta;
  }
}

TEST(ConjugateGradient, PolakRibierePlusDirectionByHand) {
  // No eval: delta = lr * d. g0 = (1, 0): d0 = -g0. g1 = (0.05, 1): |g1.g0| = 0.05 < 0.1 |g1|^2,
  // beta = g1.(g1 - g0) / |g0|^2 = 0.05 * (-0.95) + 1 = 0.9525, d1 = -g1 + beta d0
  // = (-1.0025, -1).
  ConjugateGradient opt(ConjugateGradientOptions{0.5});
  const Vec x = Vec::Zero(2);
  Vec delta;
  opt.step({x, 0.0, (Vec(2) << 1.0, 0.0).finished(), nullptr}, delta);
  EXPECT_NEAR(delta[0], -0.5, 1e-15);
  EXPECT_NEAR(delta[1], 0.0, 1e-15);
  opt.step({x, 0.0, (Vec(2) << 0.05, 1.0).finished(), nullptr}, delta);
  EXPECT_NEAR(delta[0], 0.5 * -1.0025, 1e-15);
  EXPECT_NEAR(delta[1], -0.5, 1e-15);
}

TEST(ConjugateGradient, PowellRestartWhenSuccessiveGradientsAreNotOrthogonal) {
  // g1 = (1, 1) against g0 = (1, 0): |g1.g0| = 1 >= 0.1 |g1|^2, so d1 = -g1.
  ConjugateGradient opt(ConjugateGradientOptions{0.5});
  const Vec x = Vec::Zero(2);
  Vec delta;
  opt.step({x, 0.0, (Vec(2) << 1.0, 0.0).finished(), nullptr}, delta);
  opt.step({x, 0.0, (Vec(2) << 1.0, 1.0).finished(), nullptr}, delta);
  EXPECT_NEAR(delta[0], -0.5, 1e-15);
  EXPECT_NEAR(delta[1], -0.5, 1e-15);
  EXPECT_EQ(opt.stats().restarts, 1);
}

TEST(ConjugateGradient, AFailedLineSearchTakesAZeroStepAndRestarts) {
  const LossGradFn worse_everywhere = [](const Vec& x, Vec& g) {
    g = Vec::Ones(x.size());
    return 10.0 + x.squaredNorm();
  };
  const test::Quadratic q = test::random_quadratic(Vec::LinSpaced(3, 1.0, 5.0), 4);
  const LossGradFn good = q.fn();
  ConjugateGradient opt;
  Vec x = Vec::Ones(3), g, delta;
  double loss = good(x, g);
  opt.step({x, loss, g, &good}, delta);  // a normal step: CG now has a previous direction
  x += delta;
  loss = good(x, g);
  opt.step({x, 1.0, g, &worse_everywhere}, delta);
  EXPECT_EQ(delta.norm(), 0.0);
  EXPECT_EQ(opt.stats().failures, 1);
  EXPECT_EQ(opt.stats().restarts, 1);
  loss = good(x, g);
  opt.step({x, loss, g, &good}, delta);  // restarted: steepest descent
  EXPECT_GT(-delta.dot(g) / (delta.norm() * g.norm()), 1.0 - 1e-12);
}

TEST(ConjugateGradient, StaysFiniteAndBoundedOnNoisyMinibatches) {
  ConjugateGradientOptions o;
  o.max_evals = 6;
  ConjugateGradient opt(o);
  double f_start = 0.0, f_end = 0.0;
  ASSERT_NO_THROW(ASSERT_TRUE(test::noisy_quadratic_run(opt, 6, 99, f_start, f_end)));
  EXPECT_LT(f_end, f_start);
  EXPECT_EQ(opt.stats().searches, 300);
}
}  // namespace
}  // namespace l2o
