// The element-wise rules (SGD, momentum, AdaGrad, Adam, RMSprop) against steps computed by hand on
// a 2-D quadratic: f(u, v) = 0.5 (u^2 + 4 v^2) - 0.5 u + v, gradient (u - 0.5, 4 v + 1),
// from x_0 = (1, 1); x_t is the iterate after t steps. The expected iterates were computed
// independently (plain arithmetic, written out below or evaluated with a scalar script) and are
// pasted as literals.
#include <gtest/gtest.h>

#include "l2o/core/error.hpp"
#include "l2o/optim/adagrad.hpp"
#include "l2o/optim/adam.hpp"
#include "l2o/optim/momentum.hpp"
#include "l2o/optim/rmsprop.hpp"
#include "l2o/optim/sgd.hpp"
#include "test_problems.hpp"

namespace l2o {
namespace {

double hand_quadratic(const Vec& x, Vec& g) {
  g.resize(2);
  g << x[0] - 0.5, 4.0 * x[1] + 1.0;
  return 0.5 * (x[0] * x[0] + 4.0 * x[1] * x[1]) - 0.5 * x[0] + x[1];
}

Vec v2(double a, double b) {
  Vec v(2);
  v << a, b;
  return v;
}

void expect_iterates(Optimizer& opt, const std::vector<Vec>& expected, double tol = 1e-13) {
  const auto xs = test::run_steps(opt, LossGradFn(hand_quadratic), v2(1.0, 1.0),
                                  static_cast<int>(expected.size()));
  for (std::size_t t = 0; t < expected.size(); ++t) {
    EXPECT_NEAR(xs[t + 1][0], expected[t][0], tol) << "iteration " << t + 1;
    EXPECT_NEAR(xs[t + 1][1], expected[t][1], tol) << "iteration " << t + 1;
  }
}

TEST(Sgd, StepsByHand) {
  // g0 = (0.5, 5) -> x_1 = (0.95, 0.5); g1 = (0.45, 3) -> x_2 = (0.905, 0.2);
  // g2 = (0.405, 1.8) -> x_3 = (0.8645, 0.02).
  Sgd opt(SgdOptions{0.1});
  expect_iterates(opt, {v2(0.95, 0.5), v2(0.905, 0.2), v2(0.8645, 0.02)});
}

TEST(Momentum, HeavyBallStepsByHand) {
  // v1 = -0.1 g0 = (-0.05, -0.5), x_1 = (0.95, 0.5)
  // g1 = (0.45, 3): v2 = 0.9 v1 - 0.1 g1 = (-0.09, -0.75), x_2 = (0.86, -0.25)
  // g2 = (0.36, 0): v3 = (-0.081 - 0.036, -0.675) = (-0.117, -0.675), x_3 = (0.743, -0.925)
  Momentum opt(MomentumOptions{0.1, 0.9, false});
  expect_iterates(opt, {v2(0.95, 0.5), v2(0.86, -0.25), v2(0.743, -0.925)});
}

TEST(Momentum, NesterovStepsByHand) {
  // v1 = (-0.05, -0.5); delta1 = 0.9 v1 - 0.1 g0 = (-0.095, -0.95), x_1 = (0.905, 0.05)
  // g1 = (0.405, 1.2): v2 = (-0.045 - 0.0405, -0.45 - 0.12) = (-0.0855, -0.57)
  //   delta2 = 0.9 v2 - 0.1 g1 = (-0.07695 - 0.0405, -0.513 - 0.12) = (-0.11745, -0.633)
  //   x_2 = (0.78755, -0.583)
  Momentum opt(MomentumOptions{0.1, 0.9, true});
  expect_iterates(opt, {v2(0.905, 0.05), v2(0.78755, -0.583)});
}

TEST(Momentum, NesterovMatchesSutskeverLookAheadForm) {
  // Sutskever et al. (2013): v <- mu v - lr grad(theta + mu v), theta <- theta + v. Our iterates
  // are the look-ahead points x = theta + mu v.
  const test::Quadratic q = test::random_quadratic((Vec(3) << 1.0, 3.0, 10.0).finished(), 3);
  const double lr = 0.05, mu = 0.8;
  Momentum opt(MomentumOptions{lr, mu, true});
  const Vec x0 = Vec::Ones(3);
  const auto xs = test::run_steps(opt, q.fn(), x0, 20);
  Vec theta = x0, v = Vec::Zero(3);
  for (int t = 1; t <= 20; ++t) {
    v = mu * v - lr * (q.A * (theta + mu * v) - q.b);
    theta += v;
    EXPECT_LT((xs[t] - (theta + mu * v)).norm(), 1e-12) << "iteration " << t;
  }
}

TEST(Adagrad, StepsByHand) {
  // Step 1: G = g0^2, delta = -0.1 g0 / (|g0| + 1e-10) = -0.1 sign(g0) (to 2e-11).
  Adagrad opt(AdagradOptions{0.1, 1e-10});
  expect_iterates(opt, {v2(0.90000000002000002, 0.90000000000199998),
                        v2(0.83753049527240908, 0.83229434692084436),
                        v2(0.79089917681224731, 0.77855689273026663)});
}

TEST(Adam, StepsByHand) {
  // Step 1: m_hat = g0, v_hat = g0^2, delta = -0.1 g0 / (|g0| + 1e-8) = -0.1 sign(g0).
  Adam opt(AdamOptions{0.1, 0.9, 0.999, 1e-8});
  expect_iterates(opt, {v2(0.90000000199999997, 0.90000000020000004),
                        v2(0.80118742373064034, 0.80030372676270045),
                        v2(0.70487125573945109, 0.70115544910501049)});
}

TEST(Adam, FirstStepHasLengthLrPerCoordinateWhateverTheGradientScale) {
  // The bias correction makes the first step -lr * g / |g| element-wise: scale-free.
  for (double scale : {1e-3, 1.0, 1e3}) {
    Adam opt(AdamOptions{0.01, 0.9, 0.999, 1e-12});
    const Vec x = Vec::Zero(3);
    const Vec g = scale * (Vec(3) << 2.0, -0.5, 1.0).finished();
    Vec delta;
    opt.step({x, 0.0, g, nullptr}, delta);
    EXPECT_NEAR(delta[0], -0.01, 1e-9);
    EXPECT_NEAR(delta[1], 0.01, 1e-9);
    EXPECT_NEAR(delta[2], -0.01, 1e-9);
  }
}

TEST(Rmsprop, StepsByHand) {
  // Step 1: s = 0.1 g0^2, delta = -0.01 g0 / (sqrt(0.1) |g0| + 1e-8) = -0.0316227... sign(g0).
  Rmsprop opt(RmspropOptions{0.01, 0.9, 1e-8, 0.0});
  expect_iterates(opt, {v2(0.96837722539831605, 0.96837722359831624),
                        v2(0.94615846362494727, 0.94571613442191438),
                        v2(0.92792887623032094, 0.92688388263656896)});
}

TEST(Rmsprop, MomentumStepsByHand) {
  Rmsprop opt(RmspropOptions{0.01, 0.9, 1e-8, 0.5});
  expect_iterates(opt, {v2(0.96837722539831605, 0.96837722359831624),
                        v2(0.93034707632410529, 0.92990474622107244),
                        v2(0.89354144062985719, 0.89199809790550666)});
}

TEST(ElementwiseRules, InitialiseLazilyAndRejectAWrongSize) {
  Adam opt;
  Vec delta;
  const Vec x = Vec::Zero(3), g = Vec::Ones(3);
  opt.step({x, 0.0, g, nullptr}, delta);  // no init(): sized from x
  EXPECT_EQ(delta.size(), 3);
  const Vec x4 = Vec::Zero(4), g4 = Vec::Ones(4);
  EXPECT_THROW(opt.step({x4, 0.0, g4, nullptr}, delta), Error);
  opt.init(ParamLayout::single(4));  // re-initialising resets the state for the new size
  opt.step({x4, 0.0, g4, nullptr}, delta);
  EXPECT_EQ(delta.size(), 4);
  EXPECT_EQ(opt.steps_taken(), 1);
}

TEST(ElementwiseRules, DefaultsAreThoseOfThePapers) {
  EXPECT_EQ(AdamOptions{}.lr, 1e-3);
  EXPECT_EQ(AdamOptions{}.beta1, 0.9);
  EXPECT_EQ(AdamOptions{}.beta2, 0.999);
  EXPECT_EQ(AdamOptions{}.eps, 1e-8);
  EXPECT_EQ(RmspropOptions{}.rho, 0.9);
  EXPECT_EQ(RmspropOptions{}.lr, 1e-3);
  EXPECT_EQ(MomentumOptions{}.momentum, 0.9);
}
}  // namespace
}  // namespace l2o
