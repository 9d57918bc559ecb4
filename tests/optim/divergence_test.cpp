// A diverging run produces non-finite numbers that the caller detects with l2o::all_finite; no
// optimizer throws, whatever it is fed.
#include <gtest/gtest.h>

#include <limits>

#include "l2o/core/finite.hpp"
#include "l2o/optim/registry.hpp"
#include "l2o/optim/sgd.hpp"
#include "test_problems.hpp"

namespace l2o {
namespace {

TEST(Divergence, SgdWithAHugeStepOverflowsAndIsDetected) {
  // Curvature 4 and lr 10: x grows by |1 - 40| = 39 per step, so the loss 2 |x|^2 = 6 * 39^(2t)
  // passes the largest double (1.8e308) at t = 97.
  const LossGradFn f = [](const Vec& x, Vec& g) {
    g = 4.0 * x;
    return 2.0 * x.squaredNorm();
  };
  Sgd opt(SgdOptions{10.0});
  Vec x = Vec::Ones(3), g, delta;
  int diverged_at = -1;
  for (int t = 0; t < 1000 && diverged_at < 0; ++t) {
    const double loss = f(x, g);
    if (!is_finite(loss) || !all_finite(g)) {
      diverged_at = t;
      break;
    }
    ASSERT_NO_THROW(opt.step({x, loss, g, &f}, delta));
    x += delta;
    if (!all_finite(x)) diverged_at = t;
  }
  EXPECT_GE(diverged_at, 95);
  EXPECT_LE(diverged_at, 100);
}

TEST(Divergence, EveryOptimizerPassesNonFiniteGradientsThroughWithoutThrowing) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const LossGradFn f = [](const Vec& x, Vec& g) {
    g = x;
    return 0.5 * x.squaredNorm();
  };
  for (const auto& name : hand_designed_names()) {
    for (double bad : {nan, inf}) {
      auto opt = make_hand_designed(name, nlohmann::json::object());
      opt->init(ParamLayout::single(3));
      const Vec x = Vec::Ones(3);
      Vec g = Vec::Ones(3), delta;
      opt->step({x, 1.5, g, &f}, delta);  // a normal step first, so that state exists
      g[1] = bad;
      ASSERT_NO_THROW(opt->step({x + delta, 1.0, g, &f}, delta)) << name;
      EXPECT_EQ(delta.size(), 3) << name;
      EXPECT_FALSE(all_finite(delta)) << name << ": a non-finite gradient must show in the step";
    }
  }
}

TEST(Divergence, LineSearchMethodsSurviveALossThatBlowsUpAwayFromTheStart) {
  // The loss is NaN outside the ball |x| < 2: a huge first trial step lands there and the search
  // must shrink back instead of returning NaN.
  const LossGradFn f = [](const Vec& x, Vec& g) {
    g = 2.0 * x;
    return x.norm() < 2.0 ? x.squaredNorm() : std::numeric_limits<double>::quiet_NaN();
  };
  for (const std::string name : {"cg", "lbfgs"}) {
    auto opt = make_hand_designed(name, {{"lr", 1e6}});
    const auto xs = test::run_steps(*opt, f, Vec::Ones(2), 10);
    for (const Vec& x : xs) ASSERT_TRUE(all_finite(x)) << name;
    EXPECT_LT(xs.back().norm(), 1e-6) << name;
  }
}
}  // namespace
}  // namespace l2o
