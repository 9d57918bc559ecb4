// Output-layer warm-up (OutputWarmup): the factor, its effect on the PSD step (only the output
// layer's groups, only below its minibatch size, only for its first steps), the JSON field and its
// errors, and that a policy without the field is unchanged (GPS meta-training refuses it:
// tests/gps/psd_gps_trainer_test.cpp).
#include <gtest/gtest.h>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/psd/psd_optimizer.hpp"
#include "psd/psd_test_util.hpp"

namespace l2o {
namespace {

TEST(OutputWarmup, FactorRampsOnlyTheOutputLayerBelowItsBatch) {
  const ParamLayout layout = mlp_param_layout({12, 8, 3});  // W1 b1 (hidden), W2 b2 (output)
  const std::size_t n = layout.groups.size();
  const CoordinateGroup &hidden = layout.groups[0], &out_w = layout.groups[2], &out_b = layout.groups[3];
  const OutputWarmup w{4, 64};
  EXPECT_DOUBLE_EQ(w.factor(out_w, n, 1, 10), 0.25);
  EXPECT_DOUBLE_EQ(w.factor(out_b, n, 3, 10), 0.75);
  EXPECT_EQ(w.factor(out_w, n, 4, 10), 1.0);
  EXPECT_EQ(w.factor(out_w, n, 100, 10), 1.0);  // after the ramp
  EXPECT_EQ(w.factor(hidden, n, 1, 10), 1.0);   // hidden layers never
  EXPECT_EQ(w.factor(out_w, n, 1, 64), 1.0);    // at the batch size and above: never
  EXPECT_EQ(w.factor(out_w, n, 1, 500), 1.0);
  EXPECT_EQ(w.factor(out_w, n, 1, 0), 1.0);     // batch not known
  EXPECT_DOUBLE_EQ(OutputWarmup({4, 65}).factor(out_w, n, 1, 64), 0.25);
  // A layout of one group (a synthetic task) has no output layer to warm up.
  CoordinateGroup only = out_w;
  EXPECT_EQ(w.factor(only, 1, 1, 10), 1.0);
  EXPECT_EQ(OutputWarmup{}.factor(out_w, n, 1, 10), 1.0);  // off by default
  EXPECT_FALSE(OutputWarmup{}.active());
}

PsdPolicy warmed_copy(const PsdPolicy& plain, OutputWarmup w) {
  PsdPolicyConfig cfg = plain.config();
  cfg.arch.output_warmup = w;
  PsdPolicy p(cfg);
  p.set_params(plain.params());
  return p;
}

TEST(OutputWarmup, MultipliesOnlyTheOutputLayersFirstStepsAndOnlyAtSmallBatches) {
  PsdPolicyConfig cfg;
  cfg.arch.layers = {16};
  cfg.arch.output_scale = 0.01;
  const PsdPolicy plain = PsdPolicy::fresh(cfg, 5);
  const OutputWarmup w{3, 64};
  const PsdPolicy warmed = warmed_copy(plain, w);
  const ParamLayout layout = mlp_param_layout({12, 8, 3});
  for (Precision p : {Precision::Float64, Precision::Float32}) {
    for (Index batch : {Index{0}, Index{10}, Index{64}, Index{200}}) {
      PsdOptimizer a(std::make_shared<const PsdPolicy>(plain), {p, 1}),
          b(std::make_shared<const PsdPolicy>(warmed), {p, 1});
      a.init(layout);
      b.init(layout);
      Rng rng(6);
      Vec x(layout.dim), g(layout.dim);
      for (Index k = 0; k < layout.dim; ++k) x[k] = 0.1 * rng.normal(), g[k] = 0.01 * rng.normal();
      bool changed = false;
      for (Index t = 1; t <= 5; ++t) {
        Vec da, db;
        a.step({x, 2.0 - 0.1 * t, g, nullptr, batch}, da);
        b.step({x, 2.0 - 0.1 * t, g, nullptr, batch}, db);
        for (const CoordinateGroup& grp : layout.groups) {
          const Vec sa = da.segment(grp.offset, grp.size()), sb = db.segment(grp.offset, grp.size());
          const double f = w.factor(grp, layout.groups.size(), t, batch);
          if (f == 1.0) {
            EXPECT_EQ(sa, sb) << grp.name << " batch " << batch << " step " << t << ": must be bit-identical";
          } else {
            changed = true;
            EXPECT_TRUE(grp.output_layer);
            EXPECT_LE((sb - f * sa).cwiseAbs().maxCoeff(), 1e-15 * sa.cwiseAbs().maxCoeff())
                << grp.name << " batch " << batch << " step " << t;
          }
        }
        // The features see the same iterates, so the LSTM's state does not depend on the factor.
        x += 0.001 * g;
      }
      EXPECT_EQ(changed, batch == 10) << "batch " << batch;
    }
  }
}

TEST(OutputWarmup, JsonRoundTripOmittedWhenOffAndErrorsNameTheField) {
  PsdArchitecture a;
  EXPECT_FALSE(a.to_json().contains("output_warmup"));  // old files and fingerprints are unchanged
  a.output_warmup = {16, 32};
  const PsdArchitecture b = PsdArchitecture::from_json(a.to_json(), "test.json");
  EXPECT_EQ(b.output_warmup.iterations, 16);
  EXPECT_EQ(b.output_warmup.below_batch, 32);
  nlohmann::json short_form = PsdArchitecture{}.to_json();
  short_form["output_warmup"] = {{"iterations", 8}};
  EXPECT_EQ(PsdArchitecture::from_json(short_form, "t.json").output_warmup.below_batch, 64);  // the default

  auto expect_error = [](nlohmann::json warmup, const std::string& part) {
    nlohmann::json j = PsdArchitecture{}.to_json();
    j["output_warmup"] = std::move(warmup);
    try {
      PsdArchitecture::from_json(j, "p.json");
      FAIL() << "accepted " << j["output_warmup"].dump();
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("p.json"), std::string::npos) << m;
      EXPECT_NE(m.find(part), std::string::npos) << m;
    }
  };
  expect_error({{"iterations", -1}}, "output_warmup.iterations");
  expect_error({{"iterations", 2.5}}, "'iterations' must be an integer");
  expect_error({{"below_batch", 64}}, "lacks 'iterations'");
  expect_error({{"iterations", 8}, {"below_batch", 0}}, "output_warmup.below_batch");
  expect_error({{"iterations", 8}, {"below_batch", "64"}}, "'below_batch' must be a number");
  expect_error({{"iterations", 8}, {"batch", 64}}, "unknown key 'batch'");
  expect_error(16, "must be a JSON object");
}

}  // namespace
}  // namespace l2o
