// The optional moment features of PSD (FeatureConfig::momentum_decays): against
// a direct computation from the whole gradient history (explicit weighted sums, no recursion),
// invariant to the scale of the gradient, resumable, stored in the policy file, and checked
// against the LSTM's inputs wherever a policy is made or loaded. LM17's features are unchanged
// by the option's existence (same names, same JSON, same fingerprint).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/nn/policy_file.hpp"
#include "l2o/psd/features.hpp"
#include "l2o/psd/policy.hpp"
#include "l2o/psd/psd_optimizer.hpp"
#include "psd_test_util.hpp"

namespace l2o {
namespace {

FeatureConfig moment_config() {
  FeatureConfig c;
  c.momentum_decays = {0.5, 0.9, 0.99};
  c.rms_decay = 0.999;
  c.moment_epsilon = 1e-12;
  return c;
}

std::vector<Vec> random_gradients(Index dim, Index T, std::uint64_t seed, double scale) {
  Rng rng(seed);
  std::vector<Vec> g;
  for (Index t = 0; t < T; ++t) {
    Vec v(dim);
    for (Index j = 0; j < dim; ++j) v(j) = scale * (0.3 + rng.normal());
    g.push_back(v);
  }
  return g;
}

// sum_{s <= t} (1 - b) b^(t - s) g_s(j)^p / (1 - b^(t + 1)): the bias-corrected running mean.
double corrected_mean(const std::vector<Vec>& g, Index t, Index j, double b, int p) {
  double sum = 0.0;
  for (Index s = 0; s <= t; ++s) sum += (1.0 - b) * std::pow(b, static_cast<double>(t - s)) * std::pow(g[s](j), p);
  return sum / (1.0 - std::pow(b, static_cast<double>(t + 1)));
}

TEST(MomentFeatures, MatchDirectComputationAtEveryStep) {
  const FeatureConfig c = moment_config();
  const Index dim = 5, T = 40;
  const auto g = random_gradients(dim, T, 3, 1.0);
  ObservationFeatures f(c, dim);
  ASSERT_EQ(f.count(), 7);
  const std::vector<std::string> names{"O1", "O2", "O3", "M0.5", "M0.9", "M0.99", "R"};
  EXPECT_EQ(c.observation_names(), names);
  Mat m, some;
  for (Index t = 0; t < T; ++t) {
    f.observe(Vec::Constant(dim, 0.1 * static_cast<double>(t)), 1.0 + 0.01 * static_cast<double>(t), g[t]);
    f.compute(0, dim, m);
    f.compute(std::vector<Index>{4, 1}, some);
    ASSERT_EQ(m.rows(), 7);
    for (Index j = 0; j < dim; ++j) {
      const double rms = std::sqrt(corrected_mean(g, t, j, c.rms_decay, 2)) + c.moment_epsilon;
      for (std::size_t k = 0; k < c.momentum_decays.size(); ++k)
        EXPECT_NEAR(m(3 + static_cast<Index>(k), j), corrected_mean(g, t, j, c.momentum_decays[k], 1) / rms, 1e-12)
            << "t " << t << " j " << j << " decay " << c.momentum_decays[k];
      EXPECT_NEAR(m(6, j), g[t](j) / rms, 1e-12);
      if (t == 0) {  // one gradient seen: every moment feature is g/|g| = sign(g)
        for (Index r = 3; r < 7; ++r) EXPECT_NEAR(m(r, j), g[0](j) > 0 ? 1.0 : -1.0, 1e-10);
      }
    }
    EXPECT_EQ(some.col(0), m.col(4));
    EXPECT_EQ(some.col(1), m.col(1));
  }
}

// Multiplying every gradient by 1e4 leaves the moment features unchanged (to the epsilon).
TEST(MomentFeatures, InvariantToTheScaleOfTheGradient) {
  const Index dim = 4, T = 30;
  const auto g = random_gradients(dim, T, 5, 1.0), big = random_gradients(dim, T, 5, 1e4);
  ObservationFeatures a(moment_config(), dim), b(moment_config(), dim);
  Mat ma, mb;
  for (Index t = 0; t < T; ++t) {
    a.observe(Vec::Zero(dim), 1.0, g[t]);
    b.observe(Vec::Zero(dim), 1.0, big[t]);
    a.compute(0, dim, ma);
    b.compute(0, dim, mb);
    EXPECT_LT((ma.bottomRows(4) - mb.bottomRows(4)).cwiseAbs().maxCoeff(), 1e-9) << "t " << t;
  }
}

TEST(MomentFeatures, SaveLoadContinuesIdenticallyAndStatesAreChecked) {
  const Index dim = 6, T = 25;
  const auto g = random_gradients(dim, T, 7, 0.01);
  ObservationFeatures a(moment_config(), dim);
  for (Index t = 0; t < 10; ++t) a.observe(Vec::Constant(dim, static_cast<double>(t)), 2.0 - 0.01 * t, g[t]);
  const nlohmann::json saved = nlohmann::json::parse(a.save().dump());
  ObservationFeatures b(moment_config(), 0);
  b.load(saved);
  Mat ma, mb;
  for (Index t = 10; t < T; ++t) {
    a.observe(Vec::Constant(dim, static_cast<double>(t)), 2.0 - 0.01 * t, g[t]);
    b.observe(Vec::Constant(dim, static_cast<double>(t)), 2.0 - 0.01 * t, g[t]);
    a.compute(0, dim, ma);
    b.compute(0, dim, mb);
    EXPECT_EQ(ma, mb);
  }
  ObservationFeatures lm17(FeatureConfig{}, 0);
  EXPECT_THROW(lm17.load(saved), Error);  // a state with moments does not fit LM17's features
  nlohmann::json no_moments = saved;
  no_moments.erase("moments");
  EXPECT_THROW(b.load(no_moments), Error);
  nlohmann::json short_list = saved;
  short_list["moments"]["m"].erase(0);
  EXPECT_THROW(b.load(short_list), Error);
}

TEST(MomentFeatures, ConfigJsonRoundTripValidationAndLm17Unchanged) {
  const FeatureConfig lm17;
  EXPECT_FALSE(lm17.to_json().contains("moments"));
  EXPECT_EQ(lm17.to_json().at("observation"), (nlohmann::json{"O1", "O2", "O3"}));
  EXPECT_EQ(lm17.observation_count(), 3);

  const FeatureConfig c = moment_config();
  const FeatureConfig back = FeatureConfig::from_json(c.to_json(), "test");
  EXPECT_EQ(back.momentum_decays, c.momentum_decays);
  EXPECT_EQ(back.rms_decay, c.rms_decay);
  EXPECT_EQ(back.moment_epsilon, c.moment_epsilon);
  EXPECT_EQ(back.observation_names(), c.observation_names());

  auto rejects = [](nlohmann::json j, const std::string& what) {
    try {
      FeatureConfig::from_json(j, "features.json");
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("features.json"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  nlohmann::json j = c.to_json();
  j["moments"]["momentum_decays"] = {0.9, 1.0};
  rejects(j, "momentum_decays must be in [0, 1)");
  j = c.to_json();
  j["moments"]["rms_decay"] = -0.1;
  rejects(j, "rms_decay");
  j = c.to_json();
  j["moments"]["epsilon"] = 0.0;
  rejects(j, "moment_epsilon");
  j = c.to_json();
  j["moments"]["beta"] = 0.9;
  rejects(j, "unknown key 'moments.beta'");
  j = c.to_json();
  j["moments"]["momentum_decays"] = nlohmann::json::array();
  rejects(j, "must not be empty");
  j = c.to_json();
  j.erase("moments");  // names list of seven, settings of three
  rejects(j, "do not match the settings");
}

PsdPolicyConfig moment_policy_config() {
  PsdPolicyConfig cfg;
  cfg.features = moment_config();
  cfg.arch.inputs = cfg.features.observation_names();
  cfg.arch.layers = {6};
  return cfg;
}

// A moment-feature policy: 7 inputs, survives its file (same steps), float32 agrees with float64,
// and every mismatch between the LSTM's inputs and the features is an error naming the file.
TEST(MomentFeatures, PolicyFileRoundTripAndInputChecks) {
  const PsdPolicyConfig cfg = moment_policy_config();
  const PsdPolicy policy = PsdPolicy::fresh(cfg, 11);
  EXPECT_EQ(policy.network(PolicyNet::HiddenWeight).config().input_size, 7);
  const std::string path = ::testing::TempDir() + "psd_moments.json";
  policy.save(path, {"test", "none", 11, utc_timestamp(), "test", {}});
  const PsdPolicy loaded = PsdPolicy::load(path);
  EXPECT_EQ(loaded.params(), policy.params());
  EXPECT_EQ(loaded.fingerprint(), policy.fingerprint());
  EXPECT_EQ(loaded.config().features.momentum_decays, cfg.features.momentum_decays);

  const ParamLayout layout = mlp_param_layout({5, 4, 3});
  auto a = make_psd(path), b = make_psd(policy), c32 = make_psd(policy, {Precision::Float32, 1});
  a->init(layout);
  b->init(layout);
  c32->init(layout);
  Rng rng(2);
  Vec x = Vec::Zero(layout.dim), da, db, dc;
  for (int t = 0; t < 15; ++t) {
    Vec g(layout.dim);
    for (Index j = 0; j < layout.dim; ++j) g(j) = 0.1 * rng.normal();
    a->step({x, 1.0 / (1 + t), g}, da);
    b->step({x, 1.0 / (1 + t), g}, db);
    c32->step({x, 1.0 / (1 + t), g}, dc);
    EXPECT_EQ(da, db);
    EXPECT_LT((da - dc).cwiseAbs().maxCoeff(), 1e-4 * (1.0 + da.cwiseAbs().maxCoeff()));
    x += da;
  }
  // The moment inputs reach the step: the same policy with the first-layer columns of inputs 3-6
  // zeroed in every network (so it ignores M_b and R) steps differently on the same history.
  PsdPolicy blind = policy;
  for (PolicyNet n : blind.networks()) blind.network(n).weights(0).middleCols(3, 4).setZero();
  auto d = make_psd(policy), e = make_psd(blind);
  d->init(layout);
  e->init(layout);
  Rng rng2(3);
  Vec y = Vec::Zero(layout.dim), dd, de;
  double differs = 0.0;
  for (int t = 0; t < 5; ++t) {
    Vec g(layout.dim);
    for (Index j = 0; j < layout.dim; ++j) g(j) = 0.1 * rng2.normal();
    d->step({y, 1.0 / (1 + t), g}, dd);
    e->step({y, 1.0 / (1 + t), g}, de);
    differs = std::max(differs, (dd - de).cwiseAbs().maxCoeff());
    y += dd;
  }
  EXPECT_GT(differs, 1e-6 * (1.0 + dd.cwiseAbs().maxCoeff()));

  PsdPolicyConfig wrong = cfg;
  wrong.arch.inputs = {"O1", "O2", "O3"};
  EXPECT_THROW(PsdPolicy{wrong}, Error);

  PolicyFile f = policy.to_file({});
  f.features.erase("moments");
  f.features["observation"] = {"O1", "O2", "O3"};
  save_policy_file(path, f);
  try {
    PsdPolicy::load(path);
    ADD_FAILURE() << "loaded a 7-input LSTM with LM17's features";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("the LSTM reads inputs"), std::string::npos) << e.what();
  }
  f = policy.to_file({});
  f.architecture["lstm"]["input_size"] = 3;
  save_policy_file(path, f);
  EXPECT_THROW(PsdPolicy::load(path), Error);
  f = policy.to_file({});
  f.architecture["input_scale"] = {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}};  // 3 factors for 7 inputs
  save_policy_file(path, f);
  EXPECT_THROW(PsdPolicy::load(path), Error);
}

}  // namespace
}  // namespace l2o
