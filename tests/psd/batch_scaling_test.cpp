// Batch-aware steps (BatchScaling): the factor, its effect on the PSD step through StepContext's
// batch (the train loop fills it in: tests/optim/train_loop_test.cpp), the JSON field and its
// errors, and that a policy without the field is unchanged (GPS meta-training refuses it:
// tests/gps/psd_gps_trainer_test.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/psd/psd_optimizer.hpp"
#include "psd/psd_test_util.hpp"

namespace l2o {
namespace {

TEST(BatchScaling, FactorShrinksOnlyBelowTheReferenceBatch) {
  const BatchScaling s{64, 0.5};
  EXPECT_DOUBLE_EQ(s.factor(16), 0.5);
  EXPECT_DOUBLE_EQ(s.factor(1), 0.125);
  EXPECT_DOUBLE_EQ(BatchScaling({64, 0.2}).factor(10), std::pow(10.0 / 64.0, 0.2));
  EXPECT_EQ(s.factor(64), 1.0);
  EXPECT_EQ(s.factor(1000), 1.0);  // above the reference: unchanged
  EXPECT_EQ(s.factor(0), 1.0);     // not known
  EXPECT_EQ(BatchScaling{}.factor(4), 1.0);  // off by default
  EXPECT_FALSE(BatchScaling{}.active());
}

PsdPolicy scaled_copy(const PsdPolicy& plain, BatchScaling s) {
  PsdPolicyConfig cfg = plain.config();
  cfg.arch.batch_scaling = s;
  PsdPolicy p(cfg);
  p.set_params(plain.params());
  return p;
}

TEST(BatchScaling, MultipliesEveryStepByTheFactorOfTheContextsBatch) {
  PsdPolicyConfig cfg;
  cfg.arch.layers = {16};
  cfg.arch.output_scale = 0.01;
  const PsdPolicy plain = PsdPolicy::fresh(cfg, 5);
  const PsdPolicy scaled = scaled_copy(plain, {64, 0.3});
  const ParamLayout layout = mlp_param_layout({12, 8, 3});
  for (Precision p : {Precision::Float64, Precision::Float32}) {
    for (Index batch : {Index{0}, Index{4}, Index{64}, Index{200}}) {
      PsdOptimizer a(std::make_shared<const PsdPolicy>(plain), {p, 1}),
          b(std::make_shared<const PsdPolicy>(scaled), {p, 1});
      a.init(layout);
      b.init(layout);
      Rng rng(6);
      Vec x(layout.dim), g(layout.dim);
      for (Index k = 0; k < layout.dim; ++k) x[k] = 0.1 * rng.normal(), g[k] = 0.01 * rng.normal();
      const double f = scaled.config().arch.batch_scaling.factor(batch);
      for (int t = 0; t < 3; ++t) {
        Vec da, db;
        a.step({x, 2.0 - 0.1 * t, g, nullptr, batch}, da);
        b.step({x, 2.0 - 0.1 * t, g, nullptr, batch}, db);
        if (f == 1.0) {
          EXPECT_EQ(da, db) << "batch " << batch << ": the step must be bit-identical at factor 1";
        } else {
          EXPECT_LE((db - f * da).cwiseAbs().maxCoeff(), 1e-15 * da.cwiseAbs().maxCoeff()) << "batch " << batch;
          EXPECT_GT((db - da).cwiseAbs().maxCoeff(), 0.0);
        }
        // The features see the same iterates, so the LSTM's state does not depend on the factor.
        x += 0.001 * g;
      }
    }
  }
}

TEST(BatchScaling, JsonRoundTripOmittedWhenOffAndErrorsNameTheField) {
  PsdArchitecture a;
  EXPECT_FALSE(a.to_json().contains("batch_scaling"));  // old files and fingerprints are unchanged
  a.batch_scaling = {32, 0.25};
  const PsdArchitecture b = PsdArchitecture::from_json(a.to_json(), "test.json");
  EXPECT_EQ(b.batch_scaling.power, 0.25);
  EXPECT_EQ(b.batch_scaling.reference_batch, 32);

  auto expect_error = [](nlohmann::json scaling, const std::string& part) {
    nlohmann::json j = PsdArchitecture{}.to_json();
    j["batch_scaling"] = std::move(scaling);
    try {
      PsdArchitecture::from_json(j, "p.json");
      FAIL() << "accepted " << j["batch_scaling"].dump();
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("p.json"), std::string::npos) << m;
      EXPECT_NE(m.find(part), std::string::npos) << m;
    }
  };
  expect_error({{"power", -0.1}}, "batch_scaling.power");
  expect_error({{"power", 3}}, "batch_scaling.power");
  expect_error({{"power", "0.2"}}, "'power' must be a number");
  expect_error({{"reference_batch", 64}}, "lacks 'power'");
  expect_error({{"power", 0.2}, {"reference_batch", 0}}, "reference_batch");
  expect_error({{"power", 0.2}, {"batch", 64}}, "unknown key 'batch'");
  expect_error(0.2, "must be a JSON object");
}

}  // namespace
}  // namespace l2o
