// Width-aware steps (StepScaling): the factors on known layouts, their effect on the PSD step, the
// JSON field and its errors, and that a policy without the field is unchanged.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>

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
  expect_error({{"rule", "fan_in"}, {"input_power", 5}}, "step_scaling.input_power");
  expect_error({{"rule", "fan_in"}, {"output_power", -0.5}}, "step_scaling.output_power");
  expect_error({{"rule", "fan_in"}, {"bias_factor", 0}}, "step_scaling.bias_factor");
}

// The width rule by layer role (docs/psd.md, "Width by layer role").
TEST(StepScalingByRole, RolesOfKnownLayouts) {
  const ParamLayout deep = mlp_param_layout({784, 96, 96, 10});  // W1 b1 W2 b2 W3 b3
  const std::size_t n = deep.groups.size();
  EXPECT_EQ(StepScaling::role_of(deep.groups[0], n), StepScaling::Role::InputWeight);
  EXPECT_EQ(StepScaling::role_of(deep.groups[1], n), StepScaling::Role::Bias);
  EXPECT_EQ(StepScaling::role_of(deep.groups[2], n), StepScaling::Role::HiddenWeight);
  EXPECT_EQ(StepScaling::role_of(deep.groups[4], n), StepScaling::Role::OutputWeight);
  EXPECT_EQ(StepScaling::role_of(deep.groups[5], n), StepScaling::Role::Bias);
  // A net with no hidden layer: its one weight matrix is the output layer.
  const ParamLayout linear = mlp_param_layout({784, 10});
  EXPECT_EQ(StepScaling::role_of(linear.groups[0], linear.groups.size()), StepScaling::Role::OutputWeight);
}

TEST(StepScalingByRole, EachRoleTakesItsOwnPowerAndBiasesTheirFactor) {
  StepScaling s = fan_in(1.0);
  s.input_power = 0.0;
  s.output_power = 0.5;
  s.bias_factor = 0.8;
  const ParamLayout deep = mlp_param_layout({784, 96, 96, 10});
  const std::size_t n = deep.groups.size();
  EXPECT_EQ(s.factor(deep.groups[0], n), 1.0);                       // input: no factor of 784
  EXPECT_DOUBLE_EQ(s.factor(deep.groups[2], n), 0.5);                // hidden: 48 / 96
  EXPECT_DOUBLE_EQ(s.factor(deep.groups[4], n), std::sqrt(0.5));     // output: (48 / 96)^0.5
  EXPECT_EQ(s.factor(deep.groups[1], n), 0.8);
  EXPECT_EQ(s.factor(deep.groups[5], n), 0.8);
  // A power chosen for the input layer applies to its own fan-in, with the hidden reference.
  s.input_power = 0.5;
  EXPECT_DOUBLE_EQ(s.factor(deep.groups[0], n), std::sqrt(48.0 / 784.0));
  // The cap applies to every role.
  s.max_factor = 1.0;
  s.input_power = 1.0;
  const ParamLayout narrow = mlp_param_layout({16, 24, 10});
  EXPECT_EQ(s.factor(narrow.groups[0], 4), 1.0);
  // One group (a plain objective): no factor at all.
  EXPECT_EQ(s.factor(ParamLayout::single(500).groups[0], 1), 1.0);
}

TEST(StepScalingByRole, WithoutRolePowersEveryFactorIsTheOldRuleToTheBit) {
  for (double power : {0.5, 1.0}) {
    for (const ParamLayout& l : {mlp_param_layout({100, 200, 10}), mlp_param_layout({784, 48, 10}),
                                 mlp_param_layout({16, 24, 10}), mlp_param_layout({784, 96, 96, 10})}) {
      StepScaling s = fan_in(power);
      s.max_factor = 1.0;
      for (const auto& g : l.groups) {
        // The rule before roles: weights (reference / fan_in)^power capped, with the output
        // layer's reference for the output layer and the hidden one for every other; biases 1.
        const double ref = g.output_layer ? s.reference_output_fan_in : s.reference_hidden_fan_in;
        const double old = g.kind == GroupKind::Weight ? std::min(1.0, std::pow(ref / static_cast<double>(g.cols), power))
                                                       : 1.0;
        EXPECT_EQ(s.factor(g, l.groups.size()), old) << g.name;
      }
    }
  }
  // And the fields are written only when set, so such a file round-trips unchanged.
  PsdArchitecture a;
  a.step_scaling = fan_in(1.0);
  const nlohmann::json j = a.to_json().at("step_scaling");
  for (const char* key : {"input_power", "output_power", "bias_factor"}) EXPECT_FALSE(j.contains(key)) << key;
  a.step_scaling.input_power = 0.0;
  a.step_scaling.bias_factor = 0.5;
  const PsdArchitecture b = PsdArchitecture::from_json(a.to_json(), "t.json");
  ASSERT_TRUE(b.step_scaling.input_power.has_value());
  EXPECT_EQ(*b.step_scaling.input_power, 0.0);
  EXPECT_FALSE(b.step_scaling.output_power.has_value());
  EXPECT_EQ(b.step_scaling.bias_factor, 0.5);
}

// The input layer of a 784-input net is stepped as the rule says: PSD's step on W1 with
// input_power 0 is exactly the unscaled policy's, and with the old rule (48 / 784) times it.
TEST(StepScalingByRole, TheInputLayerOfA784InputNetIsSteppedAsTheRuleSays) {
  PsdPolicyConfig cfg;
  cfg.arch.layers = {8};
  cfg.arch.output_scale = 0.01;
  const PsdPolicy plain = PsdPolicy::fresh(cfg, 5);
  auto with = [&](std::optional<double> input_power) {
    PsdPolicyConfig c = cfg;
    c.arch.step_scaling = fan_in(1.0);
    c.arch.step_scaling.input_power = input_power;
    auto p = std::make_shared<PsdPolicy>(c);
    p->set_params(plain.params());
    return std::shared_ptr<const PsdPolicy>(p);
  };
  const ParamLayout layout = mlp_param_layout({784, 16, 10});
  const CoordinateGroup& w1 = layout.groups[0];
  PsdOptimizer a(std::make_shared<const PsdPolicy>(plain), {Precision::Float64, 1}), b(with(0.0), {Precision::Float64, 1}),
      c(with(std::nullopt), {Precision::Float64, 1});
  for (PsdOptimizer* o : {&a, &b, &c}) o->init(layout);
  Rng rng(6);
  Vec x(layout.dim), g(layout.dim);
  for (Index k = 0; k < layout.dim; ++k) x[k] = 0.1 * rng.normal(), g[k] = 0.01 * rng.normal();
  Vec da, db, dc;
  a.step({x, 2.0, g}, da);
  b.step({x, 2.0, g}, db);
  c.step({x, 2.0, g}, dc);
  const Vec ref = da.segment(w1.offset, w1.size());
  EXPECT_LE((db.segment(w1.offset, w1.size()) - ref).cwiseAbs().maxCoeff(), 1e-15 * ref.cwiseAbs().maxCoeff());
  EXPECT_LE((dc.segment(w1.offset, w1.size()) - (48.0 / 784.0) * ref).cwiseAbs().maxCoeff(),
            1e-15 * ref.cwiseAbs().maxCoeff());
}
}  // namespace
}  // namespace l2o
