// The group context (psd_small/small_context.hpp) on known inputs: the role and width entries of a
// 784-100-10 net, the single-group layout, the step and loss entries.
#include <gtest/gtest.h>

#include <cmath>

#include "l2o/psd_small/psd_small_optimizer.hpp"
#include "l2o/psd_small/small_reference.hpp"
#include "small_test_util.hpp"

namespace l2o {
namespace {

TEST(PsdSmallContext, RolesAndWidthsOf784_100_10) {
  const ParamLayout layout = mlp_param_layout({784, 100, 10});
  const PsdSmallArchitecture arch;
  const std::size_t G = layout.groups.size();
  const PsdSmallRole w1 = PsdSmallRole::of(layout.groups[0], G, arch.reference_fan_in);
  const PsdSmallRole b1 = PsdSmallRole::of(layout.groups[1], G, arch.reference_fan_in);
  const PsdSmallRole w2 = PsdSmallRole::of(layout.groups[2], G, arch.reference_fan_in);
  const PsdSmallRole b2 = PsdSmallRole::of(layout.groups[3], G, arch.reference_fan_in);
  PsdSmallClock clock;
  clock.advance(2.0);
  auto ctx = [&](const PsdSmallRole& r) { return small_context(clock, r, 0.0, 64, arch); };
  using C = PsdSmallContext;
  EXPECT_EQ(ctx(w1), (C{std::tanh(0.1), std::tanh(0.01), std::tanh(0.001), 0, 0, 0, std::log(784.0 / 48), 0, 0, 0, 0, 0}));
  EXPECT_EQ(ctx(b1), (C{std::tanh(0.1), std::tanh(0.01), std::tanh(0.001), 0, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(ctx(w2), (C{std::tanh(0.1), std::tanh(0.01), std::tanh(0.001), 0, 0, 0, 0, 0, std::log(100.0 / 48), 0, 1, 0}));
  EXPECT_EQ(ctx(b2), (C{std::tanh(0.1), std::tanh(0.01), std::tanh(0.001), 0, 0, 0, 0, 0, 0, 1, 1, 0}));
  // A deeper net's middle layer is hidden.
  const ParamLayout deep = mlp_param_layout({784, 100, 50, 10});
  const PsdSmallRole w2d = PsdSmallRole::of(deep.groups[2], deep.groups.size(), arch.reference_fan_in);
  EXPECT_EQ(w2d.log_fan_in_hidden, std::log(100.0 / 48));
  EXPECT_EQ(w2d.log_fan_in_input, 0.0);
  EXPECT_FALSE(w2d.is_output_layer);
  // One group (a plain objective): every role entry 0.
  const ParamLayout single = ParamLayout::single(1000);
  const PsdSmallRole s = PsdSmallRole::of(single.groups[0], 1, arch.reference_fan_in);
  const C cs = small_context(clock, s, 0.0, 0, arch);
  for (int i = 6; i < 12; ++i) EXPECT_EQ(cs[static_cast<std::size_t>(i)], 0.0) << i;
}

TEST(PsdSmallContext, StepLossAndBatchEntries) {
  const PsdSmallArchitecture arch;
  PsdSmallClock clock;
  for (double f : {4.0, 2.0, 1.0}) clock.advance(f);
  const PsdSmallContext c = small_context(clock, PsdSmallRole{}, 0.25, 16, arch);
  EXPECT_EQ(clock.t, 3);
  EXPECT_DOUBLE_EQ(c[0], std::tanh(0.3));
  EXPECT_NEAR(c[3], std::log(1.0 / 4.0), 1e-12);
  // EMAs of |f|, bias-corrected: fast = (0.1*0.81*4 + 0.1*0.9*2 + 0.1*1) / (1 - 0.9^3), slow likewise.
  const double fast = (0.1 * 0.81 * 4 + 0.1 * 0.9 * 2 + 0.1) / (1 - std::pow(0.9, 3));
  const double slow = (0.01 * 0.99 * 0.99 * 4 + 0.01 * 0.99 * 2 + 0.01) / (1 - std::pow(0.99, 3));
  EXPECT_NEAR(c[4], std::log(fast / slow), 1e-12);
  EXPECT_EQ(c[5], 0.25);
  EXPECT_DOUBLE_EQ(c[11], std::log(16.0 / 64.0));
  // The loss ratio's clamp, and a zero first loss.
  PsdSmallClock z;
  z.advance(0.0);
  z.advance(1.0);
  EXPECT_EQ(z.log_loss_ratio(), 5.0);
  // The gradient-RMS entry: 0 at the first step, log(rms / EMA) after.
  double ema = 0;
  EXPECT_NEAR(advance_grad_rms(ema, 2.0, 1), 0.0, 1e-15);
  const double r = advance_grad_rms(ema, 4.0, 2);
  EXPECT_NEAR(r, std::log(4.0 / ((0.99 * 0.02 + 0.04) / (1 - 0.99 * 0.99))), 1e-12);
}

TEST(PsdSmallContext, NamesMatchTheArchitecture) {
  EXPECT_EQ(PsdSmallArchitecture::context_names().size(), static_cast<std::size_t>(PsdSmallArchitecture::kContext));
  EXPECT_EQ(PsdSmallArchitecture::feature_names().size(), static_cast<std::size_t>(PsdSmallArchitecture::kFeatures));
}
}  // namespace
}  // namespace l2o
