// The registry: names, defaults, hyper-parameters passed through, and every kind of bad input
// rejected with a message naming the optimizer and the parameter.
#include "l2o/optim/registry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "l2o/core/error.hpp"

namespace l2o {
namespace {

using nlohmann::json;

// Expects make_hand_designed to throw l2o::Error whose message contains every word in `words`.
void expect_rejected(const std::string& name, const json& hyper,
                     const std::vector<std::string>& words) {
  try {
    make_hand_designed(name, hyper);
    ADD_FAILURE() << name << " accepted " << hyper.dump();
  } catch (const Error& e) {
    for (const auto& w : words)
      EXPECT_NE(std::string(e.what()).find(w), std::string::npos)
          << "message '" << e.what() << "' does not name '" << w << "'";
  }
}

TEST(Registry, ListsTheSevenBaselines) {
  const std::vector<std::string> expected{"sgd",     "momentum", "cg",     "lbfgs",
                                          "adagrad", "adam",     "rmsprop"};
  EXPECT_EQ(hand_designed_names(), expected);
  for (const auto& n : expected) EXPECT_TRUE(is_hand_designed(n));
  EXPECT_FALSE(is_hand_designed("psd"));
  EXPECT_FALSE(is_hand_designed("SGD"));
}

TEST(Registry, BuildsEachOptimizerWithItsDefaults) {
  for (const auto& n : hand_designed_names()) {
    const auto opt = make_hand_designed(n, json::object());
    EXPECT_EQ(opt->name(), n);
    EXPECT_TRUE(opt->hyperparams().contains("lr")) << n;
    EXPECT_EQ(make_hand_designed(n, json())->hyperparams(), opt->hyperparams()) << n;  // null
    EXPECT_EQ(hand_designed_defaults(n), opt->hyperparams()) << n;
    // What an optimizer reports can be fed back: results files can rebuild it.
    EXPECT_EQ(make_hand_designed(n, opt->hyperparams())->hyperparams(), opt->hyperparams()) << n;
  }
  EXPECT_EQ(hand_designed_defaults("adam"),
            (json{{"lr", 1e-3}, {"beta1", 0.9}, {"beta2", 0.999}, {"eps", 1e-8}}));
  EXPECT_EQ(hand_designed_defaults("lbfgs")["memory"], 10);
}

TEST(Registry, PassesHyperParametersThrough) {
  const auto m =
      make_hand_designed("momentum", {{"lr", 0.5}, {"momentum", 0.8}, {"nesterov", true}});
  EXPECT_EQ(m->hyperparams(), (json{{"lr", 0.5}, {"momentum", 0.8}, {"nesterov", true}}));
  const auto l = make_hand_designed("lbfgs", {{"memory", 4.0}, {"c2", 0.5}});  // 4.0 is whole
  EXPECT_EQ(l->hyperparams()["memory"], 4);
  EXPECT_EQ(l->hyperparams()["c2"], 0.5);
  const auto r = make_hand_designed("rmsprop", {{"rho", 0.0}, {"momentum", 0.0}});
  EXPECT_EQ(r->hyperparams()["rho"], 0.0);
}

TEST(Registry, RejectsUnknownNamesAndKeys) {
  expect_rejected("sgdd", json::object(), {"sgdd", "sgd", "rmsprop"});
  expect_rejected("sgd", {{"momentum", 0.9}}, {"sgd", "momentum", "lr"});
  expect_rejected("adam", {{"beta_1", 0.9}}, {"adam", "beta_1"});
  expect_rejected("cg", {{"memory", 5}}, {"cg", "memory"});
  expect_rejected("adam", json::array({0.1}), {"adam", "object"});
  EXPECT_THROW(tunable_keys("nope"), Error);
}

TEST(Registry, RejectsOutOfRangeValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  expect_rejected("sgd", {{"lr", -0.1}}, {"sgd", "lr"});
  expect_rejected("sgd", {{"lr", 0.0}}, {"sgd", "lr"});
  expect_rejected("sgd", {{"lr", nan}}, {"sgd", "lr"});
  expect_rejected("adam", {{"lr", inf}}, {"adam", "lr"});
  expect_rejected("momentum", {{"momentum", 1.0}}, {"momentum", "momentum", "[0, 1)"});
  expect_rejected("momentum", {{"momentum", -0.1}}, {"momentum", "momentum"});
  expect_rejected("adam", {{"beta1", 1.0}}, {"adam", "beta1"});
  expect_rejected("adam", {{"beta2", 1.5}}, {"adam", "beta2"});
  expect_rejected("adam", {{"eps", 0.0}}, {"adam", "eps"});
  expect_rejected("adagrad", {{"eps", -1e-8}}, {"adagrad", "eps"});
  expect_rejected("rmsprop", {{"rho", 1.0}}, {"rmsprop", "rho"});
  expect_rejected("rmsprop", {{"momentum", 2.0}}, {"rmsprop", "momentum"});
  expect_rejected("lbfgs", {{"memory", 0}}, {"lbfgs", "memory"});
  expect_rejected("lbfgs", {{"min_curvature", -1.0}}, {"lbfgs", "min_curvature"});
  expect_rejected("cg", {{"c1", 0.5}, {"c2", 0.1}}, {"cg", "c2", "c1"});
  expect_rejected("cg", {{"c2", 1.0}}, {"cg", "c2"});
  expect_rejected("cg", {{"max_evals", 0}}, {"cg", "max_evals"});
  expect_rejected("cg", {{"restart_threshold", 0.0}}, {"cg", "restart_threshold"});
  expect_rejected("cg", {{"restart_every", -1}}, {"cg", "restart_every"});
}

TEST(Registry, RejectsValuesOfTheWrongType) {
  expect_rejected("sgd", {{"lr", "0.1"}}, {"sgd", "lr", "number"});
  expect_rejected("momentum", {{"nesterov", 1}}, {"momentum", "nesterov"});
  expect_rejected("lbfgs", {{"memory", 2.5}}, {"lbfgs", "memory", "whole"});
  expect_rejected("lbfgs", {{"memory", true}}, {"lbfgs", "memory"});
}

TEST(Registry, NamesTheTunableHyperParameters) {
  for (const auto& n : hand_designed_names()) {
    const TunableKeys k = tunable_keys(n);
    EXPECT_EQ(k.step_size, "lr") << n;
    const json defaults = hand_designed_defaults(n);
    EXPECT_TRUE(defaults.contains(k.step_size)) << n;
    if (!k.momentum.empty()) EXPECT_TRUE(defaults.contains(k.momentum)) << n;
  }
  EXPECT_EQ(tunable_keys("momentum").momentum, "momentum");
  EXPECT_EQ(tunable_keys("adam").momentum, "beta1");
  EXPECT_EQ(tunable_keys("rmsprop").momentum, "momentum");
  EXPECT_EQ(tunable_keys("sgd").momentum, "");
  EXPECT_EQ(tunable_keys("lbfgs").momentum, "");
}
}  // namespace
}  // namespace l2o
