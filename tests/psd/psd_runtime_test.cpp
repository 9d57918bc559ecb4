// The runtime options of the PSD optimizer: the float32 path against float64, threads inside a
// step (bit-identical for any count), state round trips in float32. The accuracy target on a whole
// MNIST run is tests/psd/long/psd_runtime_mnist_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/nn/bf16x3_product.hpp"
#include "l2o/psd/psd_optimizer.hpp"
#include "psd/psd_test_util.hpp"

namespace l2o {
namespace {
using test::runnable_precisions;

Vec random_vec(Rng& rng, Index n, double scale) {
  Vec v(n);
  for (Index k = 0; k < n; ++k) v[k] = scale * rng.normal();
  return v;
}

std::shared_ptr<const PsdPolicy> fresh_policy() {
  PsdPolicyConfig cfg;
  cfg.arch.layers = {32};
  cfg.arch.output_scale = 0.01;
  cfg.arch.input_scale = {{1.0, 300.0, 1.0}, {1.0, 30.0, 1.0}, {1.0, 10.0, 1.0}, {1.0, 3.0, 1.0}};
  return std::make_shared<const PsdPolicy>(PsdPolicy::fresh(cfg, 5));
}

// Steps `opt` `steps` times along a fixed synthetic gradient sequence; returns every delta.
std::vector<Vec> run_steps(Optimizer& opt, const ParamLayout& layout, int steps, std::uint64_t seed = 11) {
  Rng rng(seed);
  Vec x = random_vec(rng, layout.dim, 0.1);
  std::vector<Vec> deltas;
  for (int t = 0; t < steps; ++t) {
    const Vec g = random_vec(rng, layout.dim, 1e-2);
    Vec d;
    opt.step({x, 2.0 - 0.01 * t, g}, d);
    x += d;
    deltas.push_back(d);
  }
  return deltas;
}

const ParamLayout& layout() {
  static const ParamLayout l = mlp_param_layout({48, 48, 10});  // W1 2304 columns: 18 blocks
  return l;
}

// A `prec` optimizer stepped 20 times beside a float64 one; `worst` is the largest step difference
// relative to the step's size.
struct AgainstFloat64 {
  std::unique_ptr<PsdOptimizer> opt;
  double worst = 0.0;
};
AgainstFloat64 against_float64(Precision prec) {
  auto p = fresh_policy();
  PsdOptimizer f64(p);
  AgainstFloat64 r{std::make_unique<PsdOptimizer>(p, PsdRuntimeOptions{prec, 1})};
  f64.init(layout());
  r.opt->init(layout());
  const auto a = run_steps(f64, layout(), 20), b = run_steps(*r.opt, layout(), 20);
  for (std::size_t t = 0; t < a.size(); ++t)
    r.worst = std::max(r.worst, (a[t] - b[t]).cwiseAbs().maxCoeff() / a[t].cwiseAbs().maxCoeff());
  return r;
}

TEST(PsdRuntime, Float32FollowsFloat64) {
  const auto f32 = against_float64(Precision::Float32);
  EXPECT_LT(f32.worst, 1e-4);
  EXPECT_GT(f32.worst, 0.0);
  EXPECT_EQ(f32.opt->hyperparams().at("precision"), "float32");
  EXPECT_EQ(PsdOptimizer(fresh_policy()).hyperparams().at("precision"), "float64");
  EXPECT_THROW(f32.opt->lstm_state(0), Error);  // the float64 state accessor does not apply
}

TEST(PsdRuntime, Bf16x3FollowsFloat64) {
  std::string why;
  if (!bf16x3_available(&why)) GTEST_SKIP() << "bf16x3: " << why;
  const auto fx3 = against_float64(Precision::Bf16x3);
  EXPECT_LT(fx3.worst, 1e-3);
  EXPECT_GT(fx3.worst, against_float64(Precision::Float32).worst);  // not the float32 path
  EXPECT_EQ(fx3.opt->hyperparams().at("precision"), "bf16x3");
  EXPECT_THROW(fx3.opt->lstm_state(0), Error);
}

// Where the CPU has no bfloat16 products, asking for bf16x3 fails when the optimizer is made,
// with the reason, not later at init() or at the first step.
TEST(PsdRuntime, Bf16x3IsRefusedWhenMadeWhereUnavailable) {
  std::string why;
  if (bf16x3_available(&why)) GTEST_SKIP() << "bf16x3 is available here";
  try {
    PsdOptimizer opt(fresh_policy(), {Precision::Bf16x3, 1});
    FAIL() << "bf16x3 accepted on a CPU without it";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bf16x3 precision is not available: " + why), std::string::npos) << e.what();
  }
}

TEST(PsdRuntime, ThreadsGiveBitIdenticalStepsInEveryPrecision) {
  auto p = fresh_policy();
  for (Precision prec : runnable_precisions()) {
    PsdOptimizer one(p, {prec, 1});
    one.init(layout());
    const auto ref = run_steps(one, layout(), 8);
    for (int threads : {2, 3}) {
      PsdOptimizer many(p, {prec, threads});
      many.init(layout());
      const auto got = run_steps(many, layout(), 8);
      for (std::size_t t = 0; t < ref.size(); ++t)
        ASSERT_TRUE(got[t] == ref[t]) << to_string(prec) << ", " << threads << " threads, step " << t;
    }
  }
  EXPECT_THROW(PsdOptimizer(p, {Precision::Float32, 0}), Error);
}

TEST(PsdRuntime, Float32StateRoundTripResumesExactlyAndOtherPrecisionIsRefused) {
  auto p = fresh_policy();
  PsdOptimizer a(p, {Precision::Float32, 1});
  a.init(layout());
  run_steps(a, layout(), 5, 1);
  const nlohmann::json saved = a.save_state();
  EXPECT_EQ(saved.at("precision"), "float32");
  const auto cont = run_steps(a, layout(), 5, 2);
  PsdOptimizer b(p, {Precision::Float32, 2});  // no init(): the state carries the layout
  b.load_state(saved);
  const auto resumed = run_steps(b, layout(), 5, 2);
  for (std::size_t t = 0; t < cont.size(); ++t) ASSERT_TRUE(resumed[t] == cont[t]) << "step " << t;

  PsdOptimizer c(p);  // float64
  try {
    c.load_state(saved);
    FAIL() << "a float32 state loaded into a float64 optimizer";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("computed in float32, this optimizer runs float64"), std::string::npos)
        << e.what();
  }
  if (bf16x3_available()) {  // a bf16x3 state resumes bf16x3 exactly and is refused by float32
    PsdOptimizer x(p, {Precision::Bf16x3, 1});
    x.init(layout());
    run_steps(x, layout(), 5, 1);
    const nlohmann::json sx = x.save_state();
    EXPECT_EQ(sx.at("precision"), "bf16x3");
    const auto xc = run_steps(x, layout(), 5, 2);
    PsdOptimizer xr(p, {Precision::Bf16x3, 2});
    xr.load_state(sx);
    const auto xres = run_steps(xr, layout(), 5, 2);
    for (std::size_t t = 0; t < xc.size(); ++t) ASSERT_TRUE(xres[t] == xc[t]) << "bf16x3 step " << t;
    PsdOptimizer f32(p, {Precision::Float32, 1});
    EXPECT_THROW(f32.load_state(sx), Error);
  }
  // A state without the field is a float64 state (files written before the float32 runtime).
  PsdOptimizer d(p);
  d.init(layout());
  run_steps(d, layout(), 3, 1);
  nlohmann::json old = d.save_state();
  old.erase("precision");
  PsdOptimizer e(p);
  EXPECT_NO_THROW(e.load_state(old));
  PsdOptimizer f(p, {Precision::Float32, 1});
  EXPECT_THROW(f.load_state(old), Error);
}

}  // namespace
}  // namespace l2o
