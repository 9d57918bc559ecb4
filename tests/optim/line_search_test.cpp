// The strong-Wolfe line search: exact on quadratics, Wolfe points on Rosenbrock from any first
// trial step, and bounded, non-throwing behaviour on hostile objectives.
#include "l2o/optim/line_search.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "l2o/core/error.hpp"
#include "test_problems.hpp"

namespace l2o {
namespace {

// Wraps f to count evaluations.
struct Counted {
  LossGradFn f;
  int calls = 0;
  LossGradFn fn() {
    return [this](const Vec& x, Vec& g) {
      ++calls;
      return f(x, g);
    };
  }
};

TEST(CubicMinimizer, IsExactForQuadraticsAndCubics) {
  // phi = (a - 1)^2 from a = 0 and b = 3.
  EXPECT_NEAR(cubic_minimizer(0.0, 1.0, -2.0, 3.0, 4.0, 4.0), 1.0, 1e-14);
  // phi = a^3 - 3a (local minimum at 1) from a = 0 and b = 2; also from the other side.
  EXPECT_NEAR(cubic_minimizer(0.0, 0.0, -3.0, 2.0, 2.0, 9.0), 1.0, 1e-14);
  EXPECT_NEAR(cubic_minimizer(2.0, 2.0, 9.0, 0.0, 0.0, -3.0), 1.0, 1e-14);
  // Extrapolation: phi = (a - 1)^2 from a = 0 and b = 0.5 (both slopes negative).
  EXPECT_NEAR(cubic_minimizer(0.0, 1.0, -2.0, 0.5, 0.25, -1.0), 1.0, 1e-14);
  // phi = -a^3 - a is decreasing everywhere: no local minimiser.
  EXPECT_TRUE(std::isnan(cubic_minimizer(0.0, 0.0, -1.0, 1.0, -2.0, -4.0)));
}

TEST(LineSearch, FindsTheExactMinimiserOfAQuadraticAlongD) {
  const test::Quadratic q = test::random_quadratic((Vec(4) << 1.0, 2.0, 5.0, 20.0).finished(), 1);
  const Vec x = Vec::Ones(4);
  Vec g0;
  const double f0 = q.fn()(x, g0);
  const Vec d = -g0;
  const double exact = g0.squaredNorm() / d.dot(q.A * d);  // argmin_a f(x + a d)
  LineSearchOptions o;
  o.c1 = 1e-12;
  o.c2 = 1e-9;
  for (double alpha0 : {1e-6, 0.3 * exact, exact * 0.999, 2.0 * exact, 1e3}) {
    const LineSearchResult r = strong_wolfe_search(q.fn(), x, f0, g0, d, alpha0, o);
    EXPECT_EQ(r.status, LineSearchStatus::Wolfe) << "alpha0 " << alpha0;
    EXPECT_NEAR(r.alpha, exact, 1e-9 * exact) << "alpha0 " << alpha0;
    EXPECT_LE(r.evals, 10) << "alpha0 " << alpha0;
  }
}

TEST(LineSearch, ReturnsAStrongWolfePointOnRosenbrockFromAnyFirstTrial) {
  const Vec x = (Vec(2) << -1.2, 1.0).finished();
  Vec g0;
  const double f0 = test::rosenbrock(x, g0);
  const Vec d = -g0;
  const double dphi0 = g0.dot(d);
  for (double c2 : {0.9, 0.1}) {
    for (double alpha0 : {1e-9, 1e-4, 1e-2, 1.0, 100.0}) {
      LineSearchOptions o;
      o.c2 = c2;
      Counted counted{test::rosenbrock};
      const LineSearchResult r = strong_wolfe_search(counted.fn(), x, f0, g0, d, alpha0, o);
      ASSERT_EQ(r.status, LineSearchStatus::Wolfe) << "c2 " << c2 << " alpha0 " << alpha0;
      EXPECT_EQ(r.evals, counted.calls);
      // Check both conditions independently at the returned point.
      Vec g;
      const double f = test::rosenbrock(x + r.alpha * d, g);
      EXPECT_EQ(f, r.loss);
      EXPECT_LE(f, f0 + o.c1 * r.alpha * dphi0);
      EXPECT_LE(std::fabs(g.dot(d)), c2 * std::fabs(dphi0));
      EXPECT_EQ((g - r.grad).norm(), 0.0);
    }
  }
}

TEST(LineSearch, ShrinksAwayFromNonFiniteLosses) {
  // Loss NaN (or +inf) beyond |x| >= 1; the first trial goes far beyond.
  for (double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    const LossGradFn f = [bad](const Vec& x, Vec& g) {
      g = 2.0 * x;
      return x.norm() < 1.0 ? x.squaredNorm() : bad;
    };
    const Vec x = (Vec(1) << 0.5).finished();
    Vec g0;
    const double f0 = f(x, g0);
    const LineSearchResult r = strong_wolfe_search(f, x, f0, g0, -g0, 1e8, LineSearchOptions{});
    EXPECT_TRUE(r.accepted());
    EXPECT_TRUE(std::isfinite(r.loss));
    EXPECT_LT(r.loss, f0);
  }
}

TEST(LineSearch, GivesUpAfterMaxEvalsWithAZeroStepWhenNothingDecreases) {
  // An inconsistent "gradient": it says descent, but every trial point is worse.
  Counted counted{[](const Vec& x, Vec& g) {
    g = Vec::Ones(x.size());
    return 1.0 + x.squaredNorm() + 1e-3;
  }};
  const Vec x = Vec::Zero(2);
  const Vec g0 = Vec::Ones(2);
  LineSearchOptions o;
  o.max_evals = 7;
  const LineSearchResult r = strong_wolfe_search(counted.fn(), x, 1.0, g0, -g0, 1.0, o);
  EXPECT_EQ(r.status, LineSearchStatus::NoDecrease);
  EXPECT_EQ(r.alpha, 0.0);
  EXPECT_EQ(r.loss, 1.0);
  EXPECT_EQ(r.evals, 7);
  EXPECT_EQ(counted.calls, 7);
}

TEST(LineSearch, KeepsTheBestSufficientDecreaseWhenExtrapolationRunsOut) {
  // A linear objective never meets the curvature condition: the step keeps growing (by at most
  // max_growth per evaluation) until the evaluations run out.
  const LossGradFn f = [](const Vec& x, Vec& g) {
    g = -Vec::Ones(x.size());
    return -x.sum();
  };
  const Vec x = Vec::Zero(1);
  const Vec g0 = -Vec::Ones(1);
  LineSearchOptions o;
  o.max_evals = 4;
  const LineSearchResult r = strong_wolfe_search(f, x, 0.0, g0, -g0, 1.0, o);
  EXPECT_EQ(r.status, LineSearchStatus::SufficientDecrease);
  EXPECT_TRUE(r.accepted());
  EXPECT_GT(r.alpha, 1.0);
  EXPECT_LE(r.alpha, 1000.0 + 1e-9);  // three extrapolations of at most 10x each
  EXPECT_EQ(r.evals, 4);
}

TEST(LineSearch, RefusesANonDescentDirectionWithoutEvaluating) {
  Counted counted{test::rosenbrock};
  const Vec x = (Vec(2) << -1.2, 1.0).finished();
  Vec g0;
  const double f0 = test::rosenbrock(x, g0);
  const LineSearchResult r = strong_wolfe_search(counted.fn(), x, f0, g0, g0, 1.0, {});
  EXPECT_EQ(r.status, LineSearchStatus::NotDescent);
  EXPECT_EQ(r.alpha, 0.0);
  EXPECT_EQ(counted.calls, 0);
  const LineSearchResult nan_start = strong_wolfe_search(
      counted.fn(), x, std::numeric_limits<double>::quiet_NaN(), g0, -g0, 1.0, {});
  EXPECT_EQ(nan_start.status, LineSearchStatus::NotDescent);
  EXPECT_EQ(counted.calls, 0);
}

TEST(LineSearch, ValidatesItsConstants) {
  LineSearchOptions o;
  EXPECT_NO_THROW(validate_line_search(o, "cg"));
  o.c2 = 1e-5;  // below c1
  EXPECT_THROW(validate_line_search(o, "cg"), Error);
  o = {};
  o.c1 = 0.0;
  EXPECT_THROW(validate_line_search(o, "cg"), Error);
  o = {};
  o.max_evals = 0;
  try {
    validate_line_search(o, "lbfgs");
    FAIL() << "max_evals = 0 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lbfgs"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("max_evals"), std::string::npos);
  }
}
}  // namespace
}  // namespace l2o
