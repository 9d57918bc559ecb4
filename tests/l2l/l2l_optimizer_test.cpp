// The L2L optimizer at run time: its step against an independent scalar computation, policy
// files, state round trips, determinism and non-finite gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/l2l/l2l_optimizer.hpp"
#include "l2o/l2l/l2l_policy.hpp"

namespace l2o {
namespace {

L2LSettings test_settings() {
  L2LSettings s;
  s.zero_readout = false;  // non-zero steps from the start
  return s;
}

// A gradient with entries spread over many magnitudes, both signs, and zeros.
Vec spread_gradient(Index n, std::uint64_t seed) {
  Rng rng(seed, "grad");
  Vec g(n);
  for (Index j = 0; j < n; ++j) g[j] = (rng.uniform() < 0.5 ? -1 : 1) * std::exp(-14.0 * rng.uniform());
  g[0] = 0.0;
  return g;
}

// The policy's step for one coordinate, computed from the ADH16 equations with scalar loops
// (independent of the batched implementation): preprocessing, two LSTM layers, read-out, scale.
struct ScalarL2L {
  const L2LPolicy& policy;
  std::vector<std::vector<double>> h, c;  // [layer][cell]

  explicit ScalarL2L(const L2LPolicy& p) : policy(p) {
    for (Index H : p.settings().layers) {
      h.emplace_back(static_cast<size_t>(H), 0.0);
      c.emplace_back(static_cast<size_t>(H), 0.0);
    }
  }
  static double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

  double step(double g) {
    const double p = policy.settings().p;
    std::vector<double> u = std::abs(g) >= std::exp(-p)
                                ? std::vector<double>{std::log(std::abs(g)) / p, g > 0 ? 1.0 : -1.0}
                                : std::vector<double>{-1.0, std::exp(p) * g};
    const Lstm& lstm = policy.lstm();
    for (size_t l = 0; l < h.size(); ++l) {
      const auto W = lstm.weights(static_cast<Index>(l));
      const auto b = lstm.bias(static_cast<Index>(l));
      const size_t H = h[l].size();
      std::vector<double> z = u;
      z.insert(z.end(), h[l].begin(), h[l].end());
      std::vector<double> a(4 * H);
      for (size_t r = 0; r < 4 * H; ++r) {
        a[r] = b[static_cast<Index>(r)];
        for (size_t k = 0; k < z.size(); ++k) a[r] += W(static_cast<Index>(r), static_cast<Index>(k)) * z[k];
      }
      for (size_t m = 0; m < H; ++m) {
        const double i = sigmoid(a[m]), f = sigmoid(a[H + m]), gg = std::tanh(a[2 * H + m]), o = sigmoid(a[3 * H + m]);
        c[l][m] = f * c[l][m] + i * gg;
        h[l][m] = o * std::tanh(c[l][m]);
      }
      u = h[l];
    }
    double y = lstm.readout_bias()[0];
    for (size_t m = 0; m < u.size(); ++m) y += lstm.readout_weights()(0, static_cast<Index>(m)) * u[m];
    return policy.settings().output_scale * y;
  }
};

TEST(L2LOptimizer, StepMatchesScalarEquationsForEveryCoordinate) {
  const L2LPolicy policy = L2LPolicy::random(test_settings(), 3);
  const Index n = 37;
  L2LOptimizer opt(policy);
  opt.init(ParamLayout::single(n));
  std::vector<ScalarL2L> ref(static_cast<size_t>(n), ScalarL2L(policy));
  Vec x = Vec::Zero(n), delta;
  for (int t = 0; t < 4; ++t) {
    const Vec g = spread_gradient(n, 10 + t);
    opt.step({x, 0.0, g, nullptr}, delta);
    ASSERT_EQ(delta.size(), n);
    for (Index j = 0; j < n; ++j) EXPECT_NEAR(delta[j], ref[static_cast<size_t>(j)].step(g[j]), 1e-12) << t << " " << j;
    x += delta;
  }
  EXPECT_EQ(opt.steps_taken(), 4);
  EXPECT_GT(delta.cwiseAbs().maxCoeff(), 1e-4);  // the test would be vacuous with zero steps
}

TEST(L2LOptimizer, ZeroReadoutTakesNoSteps) {
  const L2LPolicy policy = L2LPolicy::random(L2LSettings{}, 3);  // default: zero read-out
  L2LOptimizer opt(policy);
  opt.init(ParamLayout::single(5));
  Vec x = Vec::Zero(5), delta;
  opt.step({x, 0.0, spread_gradient(5, 1), nullptr}, delta);
  EXPECT_EQ(delta, Vec::Zero(5));
}

TEST(L2LOptimizer, SameInputsGiveSameStepsAndCoordinatesShareOneNetwork) {
  const L2LPolicy policy = L2LPolicy::random(test_settings(), 5);
  L2LOptimizer a(policy), b(policy);
  a.init(ParamLayout::single(6));
  b.init(ParamLayout::single(6));
  Vec g(6);
  g << 0.3, -0.01, 0.3, 1e-7, -0.01, 2.0;  // coordinates 0/2 and 1/4 see identical histories
  Vec x = Vec::Zero(6), da, db;
  for (int t = 0; t < 3; ++t) {
    a.step({x, 0.0, g, nullptr}, da);
    b.step({x, 0.0, g, nullptr}, db);
    EXPECT_EQ(da, db);
    EXPECT_EQ(da[0], da[2]);
    EXPECT_EQ(da[1], da[4]);
    g *= -0.7;
  }
}

TEST(L2LOptimizer, SaveAndLoadStateContinuesExactly) {
  const L2LPolicy policy = L2LPolicy::random(test_settings(), 8);
  const Index n = 11;
  L2LOptimizer full(policy), first(policy), second(policy);
  full.init(ParamLayout::single(n));
  first.init(ParamLayout::single(n));
  Vec x = Vec::Zero(n), d1, d2;
  for (int t = 0; t < 3; ++t) {
    const Vec g = spread_gradient(n, 100 + t);
    full.step({x, 0.0, g, nullptr}, d1);
    first.step({x, 0.0, g, nullptr}, d2);
  }
  // Through text, as a checkpoint file would carry it.
  const nlohmann::json saved = nlohmann::json::parse(first.save_state().dump());
  second.load_state(saved);
  EXPECT_EQ(second.steps_taken(), 3);
  for (int t = 3; t < 6; ++t) {
    const Vec g = spread_gradient(n, 100 + t);
    full.step({x, 0.0, g, nullptr}, d1);
    second.step({x, 0.0, g, nullptr}, d2);
    EXPECT_EQ(d1, d2) << t;
  }
}

TEST(L2LOptimizer, LoadStateRejectsOtherOptimizersAndShapes) {
  const L2LPolicy policy = L2LPolicy::random(test_settings(), 8);
  L2LOptimizer opt(policy);
  opt.init(ParamLayout::single(4));
  nlohmann::json s = opt.save_state();
  L2LOptimizer other(policy);
  other.init(ParamLayout::single(5));
  EXPECT_THROW(other.load_state(s), Error);  // 4 coordinates into 5
  nlohmann::json wrong = s;
  wrong["optimizer"] = "adam";
  EXPECT_THROW(opt.load_state(wrong), Error);
  wrong = s;
  wrong["h"].erase(1);
  EXPECT_THROW(opt.load_state(wrong), Error);  // one layer missing
}

TEST(L2LOptimizer, NonFiniteGradientGivesNaNStepWithoutThrowing) {
  const L2LPolicy policy = L2LPolicy::random(test_settings(), 2);
  L2LOptimizer opt(policy);
  opt.init(ParamLayout::single(3));
  Vec g(3);
  g << 0.1, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN();
  Vec x = Vec::Zero(3), delta;
  opt.step({x, 0.0, g, nullptr}, delta);
  EXPECT_TRUE(std::isfinite(delta[0]));
  EXPECT_TRUE(std::isnan(delta[1]));
  EXPECT_TRUE(std::isnan(delta[2]));
}

class L2LPolicyFile : public ::testing::Test {
 protected:
  std::string dir = (std::filesystem::path(L2O_BINARY_DIR) / "test_l2l_tmp").string();
  void SetUp() override { std::filesystem::create_directories(dir); }
  Provenance provenance() const {
    Provenance p;
    p.command = "test";
    p.dataset = "synthetic";
    p.seed = 4;
    p.date = utc_timestamp();
    p.revision = "test";
    return p;
  }
};

TEST_F(L2LPolicyFile, RoundTripGivesIdenticalSteps) {
  L2LSettings s = test_settings();
  s.output_scale = 0.05;
  s.p = 8.0;
  const L2LPolicy policy = L2LPolicy::random(s, 12);
  const std::string path = dir + "/roundtrip.json";
  policy.save(path, provenance());
  const PolicyFile file = load_policy_file(path);
  EXPECT_EQ(file.method, "l2l");
  OptimizerPtr loaded = make_l2l(path);
  L2LOptimizer direct(policy);
  EXPECT_EQ(loaded->name(), "l2l");
  EXPECT_EQ(loaded->hyperparams()["features"]["p"], 8.0);
  loaded->init(ParamLayout::single(9));
  direct.init(ParamLayout::single(9));
  Vec x = Vec::Zero(9), d1, d2;
  for (int t = 0; t < 3; ++t) {
    const Vec g = spread_gradient(9, 50 + t);
    loaded->step({x, 0.0, g, nullptr}, d1);
    direct.step({x, 0.0, g, nullptr}, d2);
    EXPECT_EQ(d1, d2);
  }
}

TEST_F(L2LPolicyFile, RejectsOtherMethodsAndMissingFiles) {
  const L2LPolicy policy = L2LPolicy::random(test_settings(), 12);
  PolicyFile f = policy.to_policy_file(provenance());
  f.method = "psd";
  const std::string path = dir + "/psd.json";
  save_policy_file(path, f);
  try {
    make_l2l(path);
    FAIL() << "a psd policy loaded as l2l";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("psd"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_l2l(dir + "/does-not-exist.json"), Error);
}

TEST_F(L2LPolicyFile, RejectsAWrongLstmShape) {
  L2LSettings s = test_settings();
  s.layers = {20, 10};
  PolicyFile f = L2LPolicy::random(s, 1).to_policy_file(provenance());
  f.architecture = L2LSettings{}.architecture_json();  // claims 20-20, carries 20-10 tensors
  const std::string path = dir + "/shape.json";
  save_policy_file(path, f);
  EXPECT_THROW(make_l2l(path), Error);
}
// The float32 runtime: steps within single-precision rounding of float64, a state that resumes
// exactly, and a state of the other precision refused.
TEST(L2LOptimizer, Float32FollowsFloat64AndItsStateResumesExactly) {
  const L2LPolicy policy = L2LPolicy::random(test_settings(), 4);
  const Index n = 500;
  L2LOptimizer f64(policy), f32(policy, "<memory>", Precision::Float32);
  f64.init(ParamLayout::single(n));
  f32.init(ParamLayout::single(n));
  const Vec x = Vec::Zero(n);
  double worst = 0.0;
  nlohmann::json saved;
  std::vector<Vec> after;
  for (int t = 0; t < 12; ++t) {
    if (t == 6) saved = f32.save_state();
    const Vec g = spread_gradient(n, 20 + static_cast<std::uint64_t>(t));
    Vec a, b;
    f64.step({x, 1.0, g}, a);
    f32.step({x, 1.0, g}, b);
    worst = std::max(worst, (a - b).cwiseAbs().maxCoeff() / a.cwiseAbs().maxCoeff());
    if (t >= 6) after.push_back(b);
  }
  EXPECT_LT(worst, 1e-4);
  EXPECT_GT(worst, 0.0);
  EXPECT_EQ(f32.hyperparams().at("precision"), "float32");
  L2LOptimizer resumed(policy, "<memory>", Precision::Float32);
  resumed.load_state(saved);
  for (int t = 6; t < 12; ++t) {
    Vec b;
    resumed.step({x, 1.0, spread_gradient(n, 20 + static_cast<std::uint64_t>(t))}, b);
    ASSERT_TRUE(b == after[static_cast<std::size_t>(t - 6)]) << "step " << t;
  }
  L2LOptimizer other(policy);
  EXPECT_THROW(other.load_state(saved), Error);
}
}  // namespace
}  // namespace l2o
