// The registry: names, defaults, hyper-parameters passed through, and every kind of bad input
// rejected with a message naming the optimizer and the parameter.
#include "l2o/optim/registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <typeinfo>

#include "l2o/core/error.hpp"
#include "l2o/optim/adagrad.hpp"
#include "l2o/optim/adam.hpp"
#include "l2o/optim/conjugate_gradient.hpp"
#include "l2o/optim/lbfgs.hpp"
#include "l2o/optim/momentum.hpp"
#include "l2o/optim/rmsprop.hpp"
#include "l2o/optim/sgd.hpp"

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

// The message of the l2o::Error that f throws ("" if it throws none).
template <class F>
std::string registry_error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Registry, EveryHandDesignedNameMakesAnOptimizerOfItsType) {
  const std::vector<std::pair<std::string, const std::type_info*>> expected{
      {"sgd", &typeid(Sgd)},         {"momentum", &typeid(Momentum)}, {"cg", &typeid(ConjugateGradient)},
      {"lbfgs", &typeid(Lbfgs)},     {"adagrad", &typeid(Adagrad)},   {"adam", &typeid(Adam)},
      {"rmsprop", &typeid(Rmsprop)},
  };
  ASSERT_EQ(hand_designed_names().size(), expected.size());
  for (const auto& [name, type] : expected) {
    // One API for every caller: make_optimizer by name, the same as make_hand_designed.
    const OptimizerPtr opt = make_optimizer({name});
    ASSERT_TRUE(opt) << name;
    const Optimizer& o = *opt;
    EXPECT_EQ(typeid(o), *type) << name;
    EXPECT_EQ(opt->name(), name);
    EXPECT_EQ(opt->hyperparams(), hand_designed_defaults(name)) << name;
    const OptimizerPtr same = make_hand_designed(name, json::object());
    const Optimizer& s = *same;
    EXPECT_EQ(typeid(s), *type) << name;
    EXPECT_EQ(optimizer_entry(name).kind, OptimizerKind::HandDesigned);
    EXPECT_TRUE(is_hand_designed_optimizer(name));
    EXPECT_FALSE(is_learned_optimizer(name));
  }
  EXPECT_EQ(make_optimizer({"sgd", nullptr})->hyperparams(), default_hyper("sgd"));  // null: the defaults
}

TEST(Registry, UnknownNamesListTheKnownOnes) {
  const std::string msg = registry_error_of([] { make_optimizer({"nadam"}); });
  EXPECT_NE(msg.find("unknown optimizer 'nadam'"), std::string::npos) << msg;
  for (const auto& n : known_optimizer_names()) EXPECT_NE(msg.find(n), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  EXPECT_NE(registry_error_of([] { optimizer_entry("nadam"); }).find("sgd, momentum, cg"), std::string::npos);
  EXPECT_EQ(find_optimizer("nadam"), nullptr);
  // A learned name asked of the hand-designed API says it is not hand-designed.
  EXPECT_NE(registry_error_of([] { tunable_keys("nadam"); }).find("unknown optimizer"), std::string::npos);
}

// A learned optimizer registered from a layer above optim: listed after the hand-designed ones,
// built from its (resolved, checked) policy file, and refused by the hand-designed API.
class FakeLearned final : public Optimizer {
 public:
  explicit FakeLearned(std::string file) : file_(std::move(file)) {}
  std::string name() const override { return "fake-learned"; }
  void init(const ParamLayout&) override {}
  void step(const StepContext& ctx, Vec& delta) override { delta = -ctx.grad; }
  nlohmann::json hyperparams() const override { return {{"policy", file_}}; }
  nlohmann::json save_state() const override { return nlohmann::json::object(); }
  void load_state(const nlohmann::json&) override {}

 private:
  std::string file_;
};

TEST(Registry, LearnedOptimizersRegisterThemselves) {
  OptimizerEntry e;
  e.name = "fake-learned";
  e.kind = OptimizerKind::Learned;
  e.shipped_policy = "fake-learned-policy-that-is-not-shipped.json";
  e.make = [](const OptimizerSpec& spec) -> OptimizerPtr { return std::make_unique<FakeLearned>(spec.policy_file); };
  register_optimizer(e);
  EXPECT_NE(registry_error_of([&] { register_optimizer(e); }).find("already registered"), std::string::npos);
  EXPECT_NE(registry_error_of([] { register_optimizer(OptimizerEntry{"no-factory"}); }).find("no factory"),
            std::string::npos);

  EXPECT_TRUE(is_learned_optimizer("fake-learned"));
  EXPECT_FALSE(is_hand_designed("fake-learned"));
  const auto learned = learned_optimizer_names();
  EXPECT_NE(std::find(learned.begin(), learned.end(), "fake-learned"), learned.end());
  const auto known = known_optimizer_names();
  EXPECT_EQ(std::vector<std::string>(known.begin(), known.begin() + 7), hand_designed_names());
  EXPECT_EQ(shipped_policy_file("fake-learned"), "fake-learned-policy-that-is-not-shipped.json");

  // Its policy file must be readable; without one the shipped policy is looked for, and the
  // message says where.
  const auto dir = std::filesystem::temp_directory_path() / "l2o_registry_test";
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "policy.json").string();
  std::ofstream(file) << "{}";
  OptimizerSpec spec;
  spec.name = "fake-learned";
  spec.policy_file = file;
  const OptimizerPtr opt = make_optimizer(spec);
  EXPECT_EQ(opt->hyperparams()["policy"], file);
  spec.policy_file = (dir / "missing.json").string();
  EXPECT_NE(registry_error_of([&] { make_optimizer(spec); }).find("does not exist"), std::string::npos);
  spec.policy_file = "";
  const std::string msg = registry_error_of([&] { make_optimizer(spec); });
  EXPECT_NE(msg.find("fake-learned-policy-that-is-not-shipped.json was not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find("L2O_HOME"), std::string::npos) << msg;
  EXPECT_NE(registry_error_of([] { make_hand_designed("fake-learned", json::object()); }).find("not hand-designed"),
            std::string::npos);
  EXPECT_THROW(tunable_keys("fake-learned"), Error);
  EXPECT_THROW(default_hyper("fake-learned"), Error);
  std::filesystem::remove_all(dir);
}
}  // namespace
}  // namespace l2o
