// Predicted Step Descent at run time, tested with policies whose behaviour is known.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/psd/psd_optimizer.hpp"
#include "psd_test_util.hpp"

namespace l2o {
namespace {

using test::make_o2_multiple;

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "l2o_test_psd";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

// A small objective with a known gradient: f(x) = 1 + sum_j a_j (x_j - c_j)^2 / 2 + 0.1 sum_j sin(x_j).
struct Objective {
  Vec a, c;
  explicit Objective(Index n) : a(n), c(n) {
    for (Index j = 0; j < n; ++j) {
      a(j) = 0.5 + 0.1 * static_cast<double>(j % 7);
      c(j) = std::cos(static_cast<double>(j));
    }
  }
  double operator()(const Vec& x, Vec& g) const {
    g = (a.array() * (x - c).array() + 0.1 * x.array().cos()).matrix();
    return 1.0 + 0.5 * (a.array() * (x - c).array().square()).sum() + 0.1 * x.array().sin().sum();
  }
};

// The reference: steps of -alpha * g_t / (|g_{t-1}| + 1), written out directly.
std::vector<Vec> normalised_gd(const Objective& f, Vec x, double alpha, int steps) {
  std::vector<Vec> xs{x};
  Vec g, g_prev;
  for (int t = 0; t < steps; ++t) {
    f(x, g);
    if (t == 0) g_prev = g;
    x = x - alpha * (g.array() / (g_prev.array().abs() + 1.0)).matrix();
    g_prev = g;
    xs.push_back(x);
  }
  return xs;
}

std::vector<Vec> run_psd(Optimizer& opt, const ParamLayout& layout, const Objective& f, Vec x, int steps) {
  opt.init(layout);
  std::vector<Vec> xs{x};
  Vec g, delta;
  for (int t = 0; t < steps; ++t) {
    const double loss = f(x, g);
    opt.step({x, loss, g}, delta);
    x += delta;
    xs.push_back(x);
  }
  return xs;
}

PsdPolicy o2_policy(PolicySharing sharing, double alpha, double output_scale = 1.0) {
  PsdPolicyConfig cfg;
  cfg.arch.sharing = sharing;
  cfg.arch.output_scale = output_scale;
  PsdPolicy p(cfg);
  for (PolicyNet n : p.networks()) make_o2_multiple(p.network(n), -alpha, output_scale);
  return p;
}

TEST(PsdOptimizer, O2MultiplePolicyReproducesNormalisedGradientDescent) {
  const double alpha = 0.3;
  const ParamLayout layout = mlp_param_layout({3, 4, 2});  // 26 coordinates, 4 groups
  const Objective f(layout.dim);
  Vec x0(layout.dim);
  for (Index j = 0; j < layout.dim; ++j) x0(j) = 0.5 * std::sin(3.0 * static_cast<double>(j));
  const auto want = normalised_gd(f, x0, alpha, 60);
  for (PolicySharing sharing : {PolicySharing::Shared, PolicySharing::PerKind}) {
    for (double scale : {1.0, 0.01}) {
      auto opt = make_psd(o2_policy(sharing, alpha, scale));
      const auto got = run_psd(*opt, layout, f, x0, 60);
      for (std::size_t t = 0; t < want.size(); ++t)
        ASSERT_LT((got[t] - want[t]).cwiseAbs().maxCoeff(), 1e-8 * (1.0 + want[t].cwiseAbs().maxCoeff()))
            << "step " << t << ", sharing " << to_string(sharing) << ", scale " << scale;
    }
  }
  // The descent is real: the objective fell.
  Vec g;
  EXPECT_LT(f(want.back(), g), 0.5 * f(x0, g));
}

TEST(PsdOptimizer, PlainLayoutWithoutInitUsesHiddenWeightNetwork) {
  // Only the hidden-weight network moves anything: a plain objective must use it.
  PsdPolicy p(PsdPolicyConfig{});
  make_o2_multiple(p.network(PolicyNet::HiddenWeight), -0.1, 1.0);
  PsdOptimizer opt(std::make_shared<const PsdPolicy>(p));
  const Vec x = Vec::Ones(5), g = Vec::Constant(5, 2.0);
  Vec delta;
  opt.step({x, 1.0, g}, delta);  // no init(): one group of 5
  ASSERT_EQ(opt.layout().groups.size(), 1u);
  EXPECT_EQ(opt.network_of(0), PolicyNet::HiddenWeight);
  for (Index j = 0; j < 5; ++j) EXPECT_NEAR(delta(j), -0.1 * 2.0 / 3.0, 1e-9);
}

// Policies whose networks output distinct constants reveal which network steps which group.
PsdPolicy constant_policy(PolicySharing sharing) {
  PsdPolicyConfig cfg;
  cfg.arch.sharing = sharing;
  cfg.arch.layers = {4};
  PsdPolicy p = PsdPolicy::fresh(cfg, 1);
  double value = 1.0;
  for (PolicyNet n : p.networks()) {
    p.network(n).readout_weights().setZero();
    p.network(n).readout_bias()(0) = value;
    value += 1.0;
  }
  return p;
}

TEST(PsdOptimizer, PerKindMappingOnThreeLayerNet) {
  const ParamLayout layout = mlp_param_layout({3, 5, 4, 2});  // W1 b1 W2 b2 (hidden), W3 b3 (output)
  const PsdPolicy policy = constant_policy(PolicySharing::PerKind);
  // Network order: hidden_weight 1, output_weight 2, hidden_bias 3, output_bias 4.
  const std::map<std::string, double> want{{"W1", 1}, {"b1", 3}, {"W2", 1}, {"b2", 3}, {"W3", 2}, {"b3", 4}};
  PsdOptimizer opt(std::make_shared<const PsdPolicy>(policy));
  opt.init(layout);
  Rng rng(3);
  Vec x(layout.dim), g(layout.dim), delta;
  for (Index j = 0; j < layout.dim; ++j) x(j) = rng.normal(), g(j) = rng.normal();
  opt.step({x, 2.0, g}, delta);
  for (const CoordinateGroup& grp : layout.groups)
    for (Index j = 0; j < grp.size(); ++j) EXPECT_EQ(delta(grp.offset + j), want.at(grp.name)) << grp.name;
  EXPECT_EQ(opt.network_of(2), PolicyNet::HiddenWeight);  // W2
  EXPECT_EQ(opt.network_of(5), PolicyNet::OutputBias);    // b3

  // Shared: one network for every group.
  PsdOptimizer shared(std::make_shared<const PsdPolicy>(constant_policy(PolicySharing::Shared)));
  shared.init(layout);
  shared.step({x, 2.0, g}, delta);
  EXPECT_TRUE((delta.array() == 1.0).all());
}

TEST(PolicyMapping, GroupsMapByKindAndLayerPosition) {
  const ParamLayout deep = mlp_param_layout({4, 8, 8, 8, 3});
  std::vector<PolicyNet> got;
  for (const auto& g : deep.groups) got.push_back(policy_network_for(g, deep.groups.size(), PolicySharing::PerKind));
  const std::vector<PolicyNet> want{PolicyNet::HiddenWeight, PolicyNet::HiddenBias, PolicyNet::HiddenWeight,
                                    PolicyNet::HiddenBias,   PolicyNet::HiddenWeight, PolicyNet::HiddenBias,
                                    PolicyNet::OutputWeight, PolicyNet::OutputBias};
  EXPECT_EQ(got, want);
  const ParamLayout plain = ParamLayout::single(10);  // flagged output_layer, but a plain objective
  EXPECT_EQ(policy_network_for(plain.groups[0], 1, PolicySharing::PerKind), PolicyNet::HiddenWeight);
  EXPECT_EQ(policy_network_for(deep.groups[7], 8, PolicySharing::Shared), PolicyNet::Shared);
}

// Coordinates of a group are interchangeable (the invariance prior of LM17 §3.5): permuting them
// within a group permutes the steps, step after step.
TEST(PsdOptimizer, StepsArePermutationEquivariantWithinGroups) {
  PsdPolicyConfig cfg;
  cfg.arch.layers = {16};
  const auto policy = std::make_shared<const PsdPolicy>(PsdPolicy::fresh(cfg, 5));
  const ParamLayout layout = mlp_param_layout({4, 3, 2});
  const CoordinateGroup& w1 = layout.groups[0];
  std::vector<Index> perm(static_cast<std::size_t>(layout.dim));
  for (Index j = 0; j < layout.dim; ++j) perm[j] = j;
  std::reverse(perm.begin() + w1.offset, perm.begin() + w1.offset + w1.size());
  PsdOptimizer a(policy), b(policy);
  a.init(layout);
  b.init(layout);
  Rng rng(9);
  Vec x(layout.dim), da, db;
  for (Index j = 0; j < layout.dim; ++j) x(j) = rng.normal();
  Vec xp = x(perm);
  const Objective f(layout.dim);
  for (int t = 0; t < 5; ++t) {
    Vec g(layout.dim);
    for (Index j = 0; j < layout.dim; ++j) g(j) = rng.normal();
    a.step({x, 1.0 + t, g}, da);
    b.step({xp, 1.0 + t, Vec(g(perm))}, db);
    EXPECT_LT((Vec(da(perm)) - db).cwiseAbs().maxCoeff(), 1e-14);
    x += da;
    xp += db;
  }
}

TEST(PsdPolicy, FreshIsSeededAndNetworksDiffer) {
  PsdPolicyConfig cfg;
  cfg.arch.layers = {8};
  const PsdPolicy a = PsdPolicy::fresh(cfg, 1), b = PsdPolicy::fresh(cfg, 1), c = PsdPolicy::fresh(cfg, 2);
  EXPECT_EQ(a.params(), b.params());
  EXPECT_NE(a.params(), c.params());
  EXPECT_NE(a.network(PolicyNet::HiddenWeight).params(), a.network(PolicyNet::OutputBias).params());
  EXPECT_EQ(a.num_params(), 4 * (4 * 8 * (3 + 8) + 4 * 8 + 8 + 1));
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_NE(a.fingerprint(), c.fingerprint());
  // set_params / params round trip.
  PsdPolicy d(cfg);
  d.set_params(c.params());
  EXPECT_EQ(d.params(), c.params());
  EXPECT_THROW(d.set_params(Vec::Zero(3)), Error);
  EXPECT_THROW(PsdPolicy(PsdPolicyConfig{{{8}, 1.0, 0.0, 1.0, PolicySharing::Shared}, {}}).network(PolicyNet::HiddenBias),
               Error);
}

// Feeds both optimizers the same random (x, loss, grad) sequence and checks the steps are identical.
void expect_identical_steps(Optimizer& a, Optimizer& b, Index dim, int steps, std::uint64_t seed) {
  Rng rng(seed);
  Vec x(dim), g(dim), da, db;
  for (Index j = 0; j < dim; ++j) x(j) = rng.normal();
  for (int t = 0; t < steps; ++t) {
    for (Index j = 0; j < dim; ++j) g(j) = rng.normal();
    const double loss = 2.0 + rng.uniform();
    a.step({x, loss, g}, da);
    b.step({x, loss, g}, db);
    ASSERT_EQ(da, db) << "step " << t;
    x += da;
  }
}

TEST(PsdPolicy, FileRoundTripGivesIdenticalSteps) {
  const PsdPolicy policy = PsdPolicy::fresh(PsdPolicyConfig{}, 42);  // the default 128-cell per-kind policy
  const std::string path = temp_path("psd_roundtrip.json");
  policy.save(path, {"test", "none", 42, utc_timestamp(), "test", {}});
  auto from_file = make_psd(path);
  auto in_memory = make_psd(policy);
  const ParamLayout layout = mlp_param_layout({6, 5, 3});
  from_file->init(layout);
  in_memory->init(layout);
  expect_identical_steps(*from_file, *in_memory, layout.dim, 20, 7);
  EXPECT_EQ(PsdPolicy::load(path).params(), policy.params());
  EXPECT_EQ(PsdPolicy::load(path).source(), path);
  EXPECT_EQ(from_file->hyperparams().at("policy"), path);
  EXPECT_EQ(from_file->hyperparams().at("sharing"), "per_kind");
}

void expect_error_naming(const std::function<void()>& f, const std::string& path, const std::string& what) {
  try {
    f();
    FAIL() << "expected an error containing '" << what << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(PsdPolicy, LoadRejectsMismatchedFiles) {
  PsdPolicyConfig cfg;
  cfg.arch.layers = {4};
  const PsdPolicy policy = PsdPolicy::fresh(cfg, 1);
  const std::string path = temp_path("psd_bad.json");

  PolicyFile f = policy.to_file({});
  f.method = "l2l";
  save_policy_file(path, f);
  expect_error_naming([&] { PsdPolicy::load(path); }, path, "not psd");

  f = policy.to_file({});
  f.architecture["lstm"]["layers"] = {5};  // tensors are for 4 cells
  save_policy_file(path, f);
  expect_error_naming([&] { make_psd(path); }, path, "has shape [16, 7], the architecture needs [20, 8]");

  f = policy.to_file({});
  f.tensors.erase(f.tensors.begin() + 4);  // output_weight/lstm1.W
  save_policy_file(path, f);
  expect_error_naming([&] { PsdPolicy::load(path); }, path, "missing tensor 'output_weight/lstm1.W'");

  f = policy.to_file({});
  f.tensors.push_back({"stray", {1}, Vec::Zero(1)});
  save_policy_file(path, f);
  expect_error_naming([&] { PsdPolicy::load(path); }, path, "unexpected extra tensors");

  f = policy.to_file({});
  f.architecture["sharing"] = "per_layer";
  save_policy_file(path, f);
  expect_error_naming([&] { PsdPolicy::load(path); }, path, "unknown policy sharing 'per_layer'");

  f = policy.to_file({});
  f.features["grad_offset"] = 0.0;
  save_policy_file(path, f);
  expect_error_naming([&] { PsdPolicy::load(path); }, path, "grad_offset");

  expect_error_naming([&] { make_psd(temp_path("no_such_policy.json")); }, "no_such_policy.json", "cannot open");
}

// The input scale multiplies each feature before the LSTM: a policy with scale s steps exactly
// like one without it whose first-layer input columns are multiplied by s (to rounding), it
// survives the file, and malformed scales are rejected naming the file.
TEST(PsdPolicy, InputScaleActsAsFixedFeatureStandardisation) {
  PsdPolicyConfig cfg;
  cfg.arch.layers = {6};
  PsdPolicy plain = PsdPolicy::fresh(cfg, 3);
  PsdPolicyConfig scaled_cfg = cfg;
  scaled_cfg.arch.input_scale = {{2.0, 1000.0, 0.5}, {1.0, 10.0, 1.0}, {3.0, 1.0, 1.0}, {1.0, 1.0, 4.0}};
  PsdPolicy scaled(scaled_cfg);
  scaled.set_params(plain.params());
  for (std::size_t k = 0; k < plain.networks().size(); ++k) {
    auto W = plain.network(plain.networks()[k]).weights(0);
    for (int r = 0; r < 3; ++r) W.col(r) *= scaled_cfg.arch.input_scale[k][static_cast<std::size_t>(r)];
  }
  const ParamLayout layout = mlp_param_layout({5, 4, 3});
  auto a = make_psd(plain), b = make_psd(scaled);
  a->init(layout);
  b->init(layout);
  Rng rng(11);
  Vec x = Vec::Zero(layout.dim), g(layout.dim), da, db;
  for (int t = 0; t < 15; ++t) {
    for (Index j = 0; j < layout.dim; ++j) g(j) = 1e-3 * rng.normal();
    const double loss = 2.0 + rng.uniform();
    a->step({x, loss, g}, da);
    b->step({x, loss, g}, db);
    ASSERT_LT((da - db).norm(), 1e-12 * (1.0 + da.norm())) << "step " << t;
    ASSERT_GT(da.norm(), 0.0);
    x += da;
  }
  // Not a no-op: the same weights without the scale step differently.
  PsdPolicy unscaled(cfg);
  unscaled.set_params(scaled.params());
  auto c = make_psd(unscaled);
  c->init(layout);
  Vec dc;
  b->init(layout);
  g.setConstant(1e-3);
  b->step({Vec::Zero(layout.dim), 2.0, g}, db);
  c->step({Vec::Zero(layout.dim), 2.0, g}, dc);
  EXPECT_GT((db - dc).norm(), 1e-6 * db.norm());

  const std::string path = temp_path("psd_input_scale.json");
  scaled.save(path, {"test", "none", 1, utc_timestamp(), "test", {}});
  EXPECT_EQ(PsdPolicy::load(path).config().arch.input_scale, scaled_cfg.arch.input_scale);
  EXPECT_EQ(PsdPolicy::load(path).fingerprint(), scaled.fingerprint());
  EXPECT_NE(scaled.fingerprint(), unscaled.fingerprint());

  PolicyFile f = scaled.to_file({});
  f.architecture["input_scale"] = {{1.0, 1.0, 1.0}};
  save_policy_file(path, f);
  expect_error_naming([&] { PsdPolicy::load(path); }, path, "input_scale has 1 entries");
  f.architecture["input_scale"] = {{1.0, 1.0, 1.0}, {1.0, -1.0, 1.0}, {1.0, 1.0, 1.0}, {1.0, 1.0, 1.0}};
  save_policy_file(path, f);
  expect_error_naming([&] { PsdPolicy::load(path); }, path, "finite and > 0");
}

TEST(PsdOptimizer, SaveLoadStateResumesBitForBit) {
  PsdPolicyConfig cfg;
  cfg.arch.layers = {12};
  const auto policy = std::make_shared<const PsdPolicy>(PsdPolicy::fresh(cfg, 3));
  const ParamLayout layout = mlp_param_layout({5, 4, 3});
  PsdOptimizer a(policy);
  a.init(layout);
  Rng rng(1);
  Vec x(layout.dim), g(layout.dim), delta;
  for (Index j = 0; j < layout.dim; ++j) x(j) = rng.normal();
  for (int t = 0; t < 7; ++t) {
    for (Index j = 0; j < layout.dim; ++j) g(j) = rng.normal();
    a.step({x, 3.0 - 0.1 * t, g}, delta);
    x += delta;
  }
  // Through text, as a checkpoint file would go; restore without init() and after init().
  const nlohmann::json saved = nlohmann::json::parse(a.save_state().dump());
  PsdOptimizer b(policy), c(policy);
  b.load_state(saved);
  c.init(layout);
  c.load_state(saved);
  EXPECT_EQ(b.layout().dim, layout.dim);
  EXPECT_EQ(b.features().time(), 6);
  PsdOptimizer a2(policy);
  a2.load_state(saved);
  expect_identical_steps(a, b, layout.dim, 10, 11);
  expect_identical_steps(a2, c, layout.dim, 10, 11);

  // A different policy, a different layout, another optimizer's state: all refused.
  PsdOptimizer other(std::make_shared<const PsdPolicy>(PsdPolicy::fresh(cfg, 4)));
  EXPECT_THROW(other.load_state(saved), Error);
  PsdOptimizer wrong_layout(policy);
  wrong_layout.init(mlp_param_layout({5, 3, 4}));
  EXPECT_THROW(wrong_layout.load_state(saved), Error);
  EXPECT_THROW(b.load_state(nlohmann::json{{"optimizer", "adam"}, {"dim", layout.dim}}), Error);
  nlohmann::json broken = saved;
  broken["groups"][1]["h"][0] = "AAAA";
  EXPECT_THROW(b.load_state(broken), Error);
}

TEST(PsdOptimizer, RejectsBadLayoutsAndNonFiniteInput) {
  const auto policy = std::make_shared<const PsdPolicy>(PsdPolicy::fresh(PsdPolicyConfig{{{4}, 1.0, 0.0, 1.0, PolicySharing::PerKind}, {}}, 1));
  PsdOptimizer opt(policy);
  ParamLayout gap = mlp_param_layout({2, 2, 2});
  gap.groups.erase(gap.groups.begin() + 1);
  EXPECT_THROW(opt.init(gap), Error);
  ParamLayout overlap = mlp_param_layout({2, 2, 2});
  overlap.groups[1].offset = 3;
  EXPECT_THROW(opt.init(overlap), Error);
  ParamLayout too_short = mlp_param_layout({2, 2, 2});
  too_short.dim += 1;
  EXPECT_THROW(opt.init(too_short), Error);

  const ParamLayout layout = mlp_param_layout({2, 2, 2});
  opt.init(layout);
  Vec x = Vec::Ones(layout.dim), g = Vec::Ones(layout.dim), delta;
  EXPECT_THROW(opt.step({Vec::Ones(3), 1.0, Vec::Ones(3)}, delta), Error);
  g(2) = std::nan("");
  EXPECT_THROW(opt.step({x, 1.0, g}, delta), DivergenceError);
  EXPECT_THROW(opt.step({x, INFINITY, Vec::Ones(layout.dim)}, delta), DivergenceError);
  // Nothing was recorded by the refused steps.
  EXPECT_EQ(opt.features().time(), -1);
  EXPECT_TRUE(opt.lstm_state(0).h[0].isZero());
}
}  // namespace
}  // namespace l2o
