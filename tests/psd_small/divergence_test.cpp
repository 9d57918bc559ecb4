// A NaN or Inf loss, gradient or iterate throws l2o::DivergenceError before any state changes;
// layouts that do not tile the parameters are refused; a plain objective needs no init().
#include <gtest/gtest.h>

#include <limits>

#include "l2o/core/error.hpp"
#include "l2o/psd_small/psd_small_optimizer.hpp"
#include "small_test_util.hpp"

namespace l2o {
namespace {

TEST(PsdSmallDivergence, NonFiniteInputsLeaveTheStateUnchanged) {
  const ParamLayout layout = mlp_param_layout({6, 5, 2});
  auto opt = make_psd_small(test::random_small_policy({}, 8));
  opt->init(layout);
  const Vec x = test::random_vec(layout.dim, 1), g = test::random_vec(layout.dim, 2);
  Vec delta;
  opt->step({x, 1.0, g}, delta);
  const std::string before = opt->save_state().dump();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Vec bad_g = g, bad_x = x;
  bad_g(layout.dim - 1) = nan;  // the last group: earlier groups would have moved already
  bad_x(3) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(opt->step({x, 1.0, bad_g}, delta), DivergenceError);
  EXPECT_THROW(opt->step({x, nan, g}, delta), DivergenceError);
  EXPECT_THROW(opt->step({bad_x, 1.0, g}, delta), DivergenceError);
  EXPECT_EQ(opt->save_state().dump(), before);
}

TEST(PsdSmallDivergence, StepperRefusesANonFiniteGroupBeforeChangingIt) {
  const auto policy = std::make_shared<const PsdSmallPolicy>(test::random_small_policy({}, 8));
  PsdSmallStepper s(policy);
  std::vector<float> x(40, 1.0f), g(40, 0.5f), m(160, 0.25f);
  g[17] = std::numeric_limits<float>::quiet_NaN();
  double ema = 0.125;
  EXPECT_THROW(s.begin_step(std::numeric_limits<double>::infinity(), 0), DivergenceError);
  EXPECT_EQ(s.clock().t, 0);
  s.begin_step(1.0, 0);
  EXPECT_THROW(s.step_group_in_place(PsdSmallRole{}, 40, x.data(), g.data(), m.data(), ema), DivergenceError);
  EXPECT_EQ(ema, 0.125);
  EXPECT_EQ(m, std::vector<float>(160, 0.25f));
  EXPECT_EQ(x, std::vector<float>(40, 1.0f));
}

TEST(PsdSmallOptimizer, RefusesLayoutsThatDoNotTile) {
  auto opt = make_psd_small(PsdSmallPolicy{});
  ParamLayout gap = mlp_param_layout({3, 4, 2});
  gap.dim += 1;
  EXPECT_THROW(opt->init(gap), Error);
  ParamLayout overlap = mlp_param_layout({3, 4, 2});
  overlap.groups[1].offset -= 1;
  EXPECT_THROW(opt->init(overlap), Error);
  EXPECT_THROW(opt->init(ParamLayout{}), Error);
  EXPECT_THROW((PsdSmallOptimizer(std::make_shared<const PsdSmallPolicy>(), PsdSmallRuntimeOptions{0})), Error);
}

TEST(PsdSmallOptimizer, PlainObjectiveWithoutInitIsOneGroup) {
  const PsdSmallPolicy policy = test::random_small_policy({}, 9);
  auto a = make_psd_small(policy), b = make_psd_small(policy);
  b->init(ParamLayout::single(30));
  const Vec x = test::random_vec(30, 1), g = test::random_vec(30, 2);
  Vec da, db;
  a->step({x, 1.0, g}, da);
  b->step({x, 1.0, g}, db);
  EXPECT_EQ(da, db);
  EXPECT_THROW(a->step({test::random_vec(31, 1), 1.0, test::random_vec(31, 2)}, da), Error);
  EXPECT_EQ(a->name(), "psd-small");
  EXPECT_EQ(a->hyperparams().at("hidden"), nlohmann::json({8, 8}));
}
}  // namespace
}  // namespace l2o
