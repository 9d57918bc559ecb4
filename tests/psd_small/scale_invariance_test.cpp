// The features are scale-free in the gradient: a gradient 1000 times larger (same loss, same
// iterates) gives the same steps up to eps's share of the denominators (kept below 1e-6 here) and
// float32 rounding.
#include <gtest/gtest.h>

#include "l2o/psd_small/psd_small_optimizer.hpp"
#include "small_test_util.hpp"

namespace l2o {
namespace {

TEST(PsdSmallScaleInvariance, GradientScaledBy1000GivesTheSameSteps) {
  const ParamLayout layout = mlp_param_layout({20, 30, 5});
  const PsdSmallPolicy policy = test::random_small_policy({}, 3);
  auto a = make_psd_small(policy), b = make_psd_small(policy);
  a->init(layout);
  b->init(layout);
  const Vec x = test::random_vec(layout.dim, 1);
  Vec da, db;
  double worst = 0;
  for (int t = 0; t < 10; ++t) {
    // |g| >= 1e-2, so that eps = 1e-8 is below 1e-6 of every denominator: what remains is rounding.
    const Vec n = test::random_vec(layout.dim, 100 + t, 1.0);
    const Vec g = (n.array().sign() * (1e-2 + 1e-2 * n.array().abs())).matrix();
    a->step({x, 1.0, g}, da);
    b->step({x, 1.0, Vec(1e3 * g)}, db);
    worst = std::max(worst, (da - db).cwiseAbs().maxCoeff() / da.cwiseAbs().maxCoeff());
  }
  EXPECT_LT(worst, 1e-4);
}
}  // namespace
}  // namespace l2o
