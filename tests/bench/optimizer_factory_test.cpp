// The optimizer factory and the tuned-values file: good input builds, bad input is a one-line
// l2o::Error that names the problem.
#include "l2o/bench/optimizer_factory.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "l2o/core/error.hpp"
#include "l2o/optim/registry.hpp"

using namespace l2o;

namespace {
// The message of the l2o::Error that f throws ("" if it throws none).
template <class F>
std::string factory_error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string temp_file(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::path(L2O_BINARY_DIR) / "bench_test_factory";
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST(MakeOptimizer, BuildsEveryHandDesignedOptimizerWithTheGivenValues) {
  for (const auto& name : hand_designed_names()) {
    OptimizerPtr opt = make_optimizer({name, {{"lr", 0.0123}}, ""});
    ASSERT_TRUE(opt) << name;
    EXPECT_DOUBLE_EQ(opt->hyperparams()["lr"].get<double>(), 0.0123) << name;
  }
  EXPECT_DOUBLE_EQ(make_optimizer({"adam", {{"beta1", 0.5}}, ""})->hyperparams()["beta1"].get<double>(), 0.5);
  // A null hyper object means the defaults.
  EXPECT_EQ(make_optimizer({"sgd", nullptr, ""})->hyperparams(), default_hyper("sgd"));
}

TEST(MakeOptimizer, RejectsUnknownNamesAndInvalidHyperParameters) {
  std::string msg = factory_error_of([] { make_optimizer({"sgdd", {}, ""}); });
  EXPECT_TRUE(contains(msg, "unknown optimizer 'sgdd'")) << msg;
  EXPECT_TRUE(contains(msg, "adam")) << "lists the known names: " << msg;
  EXPECT_TRUE(contains(msg, "psd")) << msg;

  msg = factory_error_of([] { make_optimizer({"sgd", {{"lr", -1.0}}, ""}); });
  EXPECT_TRUE(contains(msg, "lr")) << msg;
  msg = factory_error_of([] { make_optimizer({"adam", {{"beta1", 1.5}}, ""}); });
  EXPECT_TRUE(contains(msg, "beta1")) << msg;
  msg = factory_error_of([] { make_optimizer({"sgd", {{"learning_rate", 0.1}}, ""}); });
  EXPECT_TRUE(contains(msg, "learning_rate")) << msg;
  msg = factory_error_of([] { make_optimizer({"sgd", {{"lr", "fast"}}, ""}); });
  EXPECT_TRUE(contains(msg, "lr")) << msg;
  for (const std::string& m : {msg}) EXPECT_EQ(m.find('\n'), std::string::npos) << "one line: " << m;
}

TEST(MakeOptimizer, LearnedOptimizersNeedAReadablePolicyFile) {
  std::string msg = factory_error_of([] { make_optimizer({"l2l", {}, "/nonexistent/policy.json"}); });
  EXPECT_TRUE(contains(msg, "/nonexistent/policy.json")) << msg;
  EXPECT_TRUE(contains(msg, "does not exist")) << msg;
  const std::string dir = std::filesystem::path(L2O_BINARY_DIR).string();
  msg = factory_error_of([&] { make_optimizer({"psd", {}, dir}); });
  EXPECT_TRUE(contains(msg, "is a directory")) << msg;
}

// The default `psd` is the family policy of its 60-minute recipe (docs/meta-training.md, "The shipped policies");
// the paper-protocol policy runs with --policy policies/psd-mnist.json.
TEST(MakeOptimizer, ShippedPoliciesAreTheFamilyPsdAndTheMnistL2l) {
  EXPECT_EQ(shipped_policy_file("psd"), "psd-mnist-multi-60min.json");
  EXPECT_EQ(shipped_policy_file("l2l"), "l2l-mnist.json");
  EXPECT_EQ(std::filesystem::path(shipped_policy_path("psd")).filename(), "psd-mnist-multi-60min.json");
}

TEST(MakeOptimizer, NamesAreClassified) {
  EXPECT_TRUE(is_hand_designed_optimizer("rmsprop"));
  EXPECT_FALSE(is_hand_designed_optimizer("psd"));
  EXPECT_TRUE(is_learned_optimizer("l2l"));
  EXPECT_TRUE(is_learned_optimizer("psd-small"));
  EXPECT_EQ(known_optimizer_names().size(), hand_designed_names().size() + 3);  // psd, psd-small, l2l
  EXPECT_THROW(default_hyper("psd"), Error);
}

TEST(TunedTable, LoadsTheChosenValues) {
  const std::string path = temp_file("tuned_ok.json", R"({"command": "l2o tune", "settings": {},
      "optimizers": {"sgd": {"hyper": {"lr": 0.316}}, "adam": {"hyper": {"lr": 0.001, "beta1": 0.9}}}})");
  const TunedTable t = TunedTable::load(path);
  EXPECT_TRUE(t.has("adam"));
  EXPECT_FALSE(t.has("cg"));
  EXPECT_DOUBLE_EQ(t.hyper("sgd")["lr"].get<double>(), 0.316);
  EXPECT_DOUBLE_EQ(tuned_hyper("adam", path)["beta1"].get<double>(), 0.9);
  const std::string msg = factory_error_of([&] { t.hyper("cg"); });
  EXPECT_TRUE(contains(msg, "no entry for optimizer 'cg'")) << msg;
  EXPECT_TRUE(contains(msg, path)) << msg;
  EXPECT_TRUE(contains(factory_error_of([&] { tuned_hyper("psd", path); }), "only the hand-designed"));
}

TEST(TunedTable, RejectsMissingMalformedAndForeignFiles) {
  std::string msg = factory_error_of([] { TunedTable::load("/nonexistent/tuned.json"); });
  EXPECT_TRUE(contains(msg, "'/nonexistent/tuned.json' does not exist")) << msg;
  EXPECT_TRUE(contains(msg, "l2o tune")) << msg;
  const std::string bad = temp_file("tuned_bad.json", "{not json");
  msg = factory_error_of([&] { TunedTable::load(bad); });
  EXPECT_TRUE(contains(msg, "not valid JSON")) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  const std::string foreign = temp_file("tuned_foreign.json", R"({"sgd": {"lr": 0.1}})");
  EXPECT_TRUE(contains(factory_error_of([&] { TunedTable::load(foreign); }), "no \"optimizers\" object"));
  const std::string nohyper = temp_file("tuned_nohyper.json", R"({"optimizers": {"sgd": {"lr": 0.1}}})");
  EXPECT_TRUE(contains(factory_error_of([&] { TunedTable::load(nohyper); }), "optimizer 'sgd' has no \"hyper\""));
}

TEST(ResolveTunedPath, FlagThenEnvironmentThenLocalThenDataRoots) {
  EXPECT_EQ(resolve_tuned_path("x.json"), "x.json");
  ::setenv("L2O_TUNED", "/env/tuned.json", 1);
  EXPECT_EQ(resolve_tuned_path(""), "/env/tuned.json");
  ::unsetenv("L2O_TUNED");
  const auto root = std::filesystem::path(L2O_BINARY_DIR) / "bench_test_root";
  std::filesystem::create_directories(root / "configs");
  std::ofstream(root / "configs" / "tuned.json") << "{}";
  // The test runs in the build directory, which has no configs/tuned.json of its own: $L2O_HOME's.
  if (!std::filesystem::exists("configs/tuned.json")) {
    ::setenv("L2O_HOME", root.c_str(), 1);
    EXPECT_EQ(resolve_tuned_path(""), (root / "configs" / "tuned.json").string());
    ::setenv("L2O_HOME", (root / "nothing-here").c_str(), 1);
    EXPECT_EQ(resolve_tuned_path(""), "configs/tuned.json");
    const std::string msg = factory_error_of([] { TunedTable::load(resolve_tuned_path("")); });
    EXPECT_TRUE(contains(msg, "does not exist")) << msg;
    EXPECT_TRUE(contains(msg, "$L2O_HOME=" + (root / "nothing-here").string())) << "says where it looked: " << msg;
    ::unsetenv("L2O_HOME");
  }
  std::filesystem::remove_all(root);
}

// One registry for every optimizer: the learned ones are in it once this layer is linked.
TEST(MakeOptimizer, TheLearnedOptimizersAreRegisteredInTheOneRegistry) {
  register_learned_optimizers();  // again: nothing changes
  EXPECT_EQ(learned_optimizer_names(), (std::vector<std::string>{"psd", "psd-small", "l2l"}));
  EXPECT_EQ(shipped_policy_file("psd-small"), "psd-small.json");
  for (const auto& name : learned_optimizer_names()) {
    EXPECT_EQ(optimizer_entry(name).kind, OptimizerKind::Learned) << name;
    if (std::filesystem::exists(shipped_policy_path(name))) EXPECT_EQ(make_optimizer({name})->name(), name);
  }
}
