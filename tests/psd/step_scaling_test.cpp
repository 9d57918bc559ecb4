// Width-aware steps (StepScaling): the factors on known layouts, their effect on the PSD step, the
// JSON field and its errors, and that a policy without the field is unchanged.
#include <gtest/gtest.h>

#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/psd/psd_optimizer.hpp"
#include "psd/psd_test_util.hpp"

namespace l2o {
namespace {

StepScaling fan_in(double power = 1.0) {
  StepScaling s;
  s.rule = StepScaling::Rule::FanIn;
  s.power = power;
  return s;
}

TEST(StepScaling, FactorsAreOneOnTheReferenceNetAndShrinkWithFanIn) {
  const ParamLayout small = mlp_param_layout({48, 48, 10}), big = mlp_param_layout({100, 200, 10});
  for (const auto& g : small.groups) EXPECT_EQ(fan_in().factor(g, small.groups.size()), 1.0) << g.name;
  // W1 (fan-in 100), b1, W2 (fan-in 200), b2
  EXPECT_DOUBLE_EQ(fan_in().factor(big.groups[0], 4), 0.48);
  EXPECT_EQ(fan_in().factor(big.groups[1], 4), 1.0);
  EXPECT_DOUBLE_EQ(fan_in().factor(big.groups[2], 4), 0.24);
  EXPECT_EQ(fan_in().factor(big.groups[3], 4), 1.0);
  EXPECT_DOUBLE_EQ(fan_in(0.5).factor(big.groups[2], 4), std::sqrt(0.24));
  // Deeper: the second hidden layer's weights have the hidden width as fan-in.
  const ParamLayout deep = mlp_param_layout({48, 96, 96, 10});
  EXPECT_DOUBLE_EQ(fan_in().factor(deep.groups[2], 6), 0.5);
  EXPECT_DOUBLE_EQ(fan_in().factor(deep.groups[4], 6), 0.5);
  // Off, or a plain objective (one group): no scaling.
  EXPECT_EQ(StepScaling{}.factor(big.groups[2], 4), 1.0);
  EXPECT_EQ(fan_in().factor(ParamLayout::single(500).groups[0], 1), 1.0);
}

TEST(StepScaling, MaxFactorCapsTheFactorsOfNarrowNetsOnly) {
  StepScaling capped = fan_in();
  capped.max_factor = 1.0;
  // Narrower than the reference (fan-ins 16 and 24): uncapped 3x and 2x, capped 1.
  const ParamLayout narrow = mlp_param_layout({16, 24, 10});
  EXPECT_DOUBLE_EQ(fan_in().factor(narrow.groups[0], 4), 3.0);
  EXPECT_DOUBLE_EQ(fan_in().factor(narrow.groups[2], 4), 2.0);
  EXPECT_EQ(capped.factor(narrow.groups[0], 4), 1.0);
  EXPECT_EQ(capped.factor(narrow.groups[2], 4), 1.0);
  // Wider (and the reference net itself): the cap changes nothing, to the bit.
  for (const ParamLayout& l : {mlp_param_layout({100, 200, 10}), mlp_param_layout({48, 48, 10}),
                               mlp_param_layout({16, 200, 10})}) {
    for (std::size_t k = 0; k < l.groups.size(); ++k) {
      const double uncapped = fan_in().factor(l.groups[k], l.groups.size());
      if (uncapped <= 1.0) EXPECT_EQ(capped.factor(l.groups[k], l.groups.size()), uncapped) << l.groups[k].name;
    }
  }
  // A cap above 1 lets some of the up-scaling through.
  capped.max_factor = 1.5;
  EXPECT_EQ(capped.factor(narrow.groups[0], 4), 1.5);
}

TEST(StepScaling, MultipliesEachGroupsStepByItsFactor) {
  PsdPolicyConfig cfg;
  cfg.arch.layers = {16};
  cfg.arch.output_scale = 0.01;
  const PsdPolicy plain = PsdPolicy::fresh(cfg, 3);
  PsdPolicyConfig scfg = cfg;
  scfg.arch.step_scaling = fan_in();
  PsdPolicy scaled(scfg);
  scaled.set_params(plain.params());
  const ParamLayout layout = mlp_param_layout({100, 200, 10});
  for (Precision p : {Precision::Float64, Precision::Float32}) {
    PsdOptimizer a(std::make_shared<const PsdPolicy>(plain), {p, 1}),
        b(std::make_shared<const PsdPolicy>(scaled), {p, 1});
    a.init(layout);
    b.init(layout);
    Rng rng(4);
    Vec x(layout.dim), g(layout.dim);
    for (Index k = 0; k < layout.dim; ++k) x[k] = 0.1 * rng.normal(), g[k] = 0.01 * rng.normal();
    for (int t = 0; t < 3; ++t) {
      Vec da, db;
      a.step({x, 2.0 - 0.1 * t, g}, da);
      b.step({x, 2.0 - 0.1 * t, g}, db);
      for (const auto& grp : layout.groups) {
        const double f = scfg.arch.step_scaling.factor(grp, layout.groups.size());
        const Vec want = f * da.segment(grp.offset, grp.size());
        EXPECT_LE((db.segment(grp.offset, grp.size()) - want).cwiseAbs().maxCoeff(),
                  1e-15 * want.cwiseAbs().maxCoeff())
            << grp.name << " " << to_string(p);
      }
    }
  }
}

TEST(StepScaling, JsonRoundTripOmittedWhenOffAndErrorsNameTheField) {
  PsdArchitecture a;
  EXPECT_FALSE(a.to_json().contains("step_scaling"));  // old files and fingerprints are unchanged
  a.step_scaling = fan_in(0.5);
  a.step_scaling.reference_output_fan_in = 64;
  const PsdArchitecture b = PsdArchitecture::from_json(a.to_json(), "test.json");
  EXPECT_EQ(b.step_scaling.rule, StepScaling::Rule::FanIn);
  EXPECT_EQ(b.step_scaling.power, 0.5);
  EXPECT_EQ(b.step_scaling.reference_output_fan_in, 64);
  EXPECT_EQ(b.step_scaling.reference_hidden_fan_in, 48);
  EXPECT_FALSE(a.to_json().at("step_scaling").contains("max_factor"));  // uncapped files are unchanged
  EXPECT_TRUE(std::isinf(b.step_scaling.max_factor));
  a.step_scaling.max_factor = 1.0;
  EXPECT_EQ(PsdArchitecture::from_json(a.to_json(), "test.json").step_scaling.max_factor, 1.0);

  auto expect_error = [](nlohmann::json scaling, const std::string& part) {
    PsdArchitecture base;
    nlohmann::json j = base.to_json();
    j["step_scaling"] = std::move(scaling);
    try {
      PsdArchitecture::from_json(j, "p.json");
      FAIL() << "accepted " << j["step_scaling"].dump();
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("p.json"), std::string::npos) << m;
      EXPECT_NE(m.find(part), std::string::npos) << m;
    }
  };
  expect_error({{"rule", "sqrt"}}, "unknown rule 'sqrt'");
  expect_error({{"rule", "fan_in"}, {"power", -1}}, "step_scaling.power");
  expect_error({{"rule", "fan_in"}, {"pwr", 1}}, "unknown key 'pwr'");
  expect_error({{"rule", "fan_in"}, {"reference_fan_in", {{"hidden_weight", 0}, {"output_weight", 48}}}},
               "reference fan-ins");
  expect_error({{"rule", "fan_in"}, {"reference_fan_in", {{"hidden_weight", 48}}}}, "step_scaling");
  expect_error("fan_in", "must be a JSON object");
  expect_error({{"rule", "fan_in"}, {"max_factor", 0}}, "step_scaling.max_factor");
  expect_error({{"rule", "fan_in"}, {"max_factor", -2}}, "step_scaling.max_factor");
  expect_error({{"rule", "fan_in"}, {"max_factor", "one"}}, "step_scaling");
}
}  // namespace
}  // namespace l2o
