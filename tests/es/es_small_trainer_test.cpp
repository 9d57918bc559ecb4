// ES on psd-small policies (es_policy.hpp, es_trainer.hpp) and the family's member options: a 4-6-3
// net on synthetic data, T = 20, starting from the Adam-equivalent policy at too small a step.
#include <gtest/gtest.h>

#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/es/es_config.hpp"
#include "l2o/es/es_trainer.hpp"
#include "es/es_test_util.hpp"
#include "support/synthetic_data.hpp"

namespace l2o {
namespace {

std::vector<es::FamilyMember> small_family(int second_horizon = 0) {
  return {{&test::es_tiny_task(), 16, "4-6-3/16"}, {&test::es_tiny_task(), 16, "4-6-3/16:T40", second_horizon}};
}

PsdSmallArchitecture small_arch() {
  PsdSmallArchitecture a;
  a.hidden = {4};
  return a;
}

es::EsConfig small_es_config() {
  es::EsConfig c;
  c.iterations = 6;
  c.pairs = 4;
  c.sigma = 0.1;
  c.learning_rate = 0.3;
  c.eval_every = 1;
  c.validate_every = 2;
  c.validation_runs = 2;
  return c;
}

TEST(EsMember, OptionsForRawInputsActivationAndHorizonRoundTrip) {
  const es::EsMember m = es::parse_member("784-100-10/128:raw:tanh:T2000@fashion-mnist", "m");
  EXPECT_EQ(m.arch, "784-100-10");
  EXPECT_EQ(m.batch, 128);
  EXPECT_EQ(m.inputs, "raw");
  EXPECT_EQ(m.activation, "tanh");
  EXPECT_EQ(m.horizon, 2000);
  EXPECT_EQ(m.dataset, "fashion-mnist");
  EXPECT_EQ(m.text(), "784-100-10/128:raw:tanh:T2000@fashion-mnist");
  EXPECT_EQ(es::parse_member(m.text(), "m").text(), m.text());
  const es::EsMember plain = es::parse_member("48-48-10/64", "m");
  EXPECT_EQ(plain.inputs, "projected");
  EXPECT_EQ(plain.activation, "");
  EXPECT_EQ(plain.horizon, 0);
  auto error = [](const std::string& text) {
    try {
      (void)es::parse_member(text, "--member");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("48-48-10/64:fast").find("unknown option 'fast'"), std::string::npos);
  EXPECT_NE(error("48-48-10/64:T0").find("at least 1"), std::string::npos);
  EXPECT_NE(error("48-48-10/64:Tx").find("unknown option"), std::string::npos);
  EXPECT_NE(error("48-48-10/64:").find("--member"), std::string::npos);
}

TEST(EsSmallTrainer, MovesTheReadoutAndStepSizeHeadWithScalesForZeroTensors) {
  const PsdSmallPolicy p = PsdSmallPolicy::adam_equivalent(small_arch(), 1e-3, 1);
  es::EsSmallTrainer t(small_family(), p, small_es_config(), 20, 1);
  // w3 (2 x 4), u (12), log_lr (1).
  EXPECT_EQ(t.moved_parameters(), 8 + 12 + 1);
  const PsdSmallPolicy q = t.policy_at(Vec::Ones(t.moved_parameters()));
  EXPECT_EQ(q.w1, p.w1);  // the hidden layer does not move
  EXPECT_EQ(q.b3, p.b3);  // nor the read-out bias
  EXPECT_NEAR(q.w3(1, 2), 0.5, 1e-12);  // a zero tensor's scale: 1/sqrt(its 4 columns)
  EXPECT_NEAR(q.u[3], 1.0 / std::sqrt(12.0), 1e-12);
  EXPECT_NEAR(q.log_lr, p.log_lr + 1.0, 1e-12);  // log_lr's scale is 1
  es::EsConfig all = small_es_config();
  all.params = es::EsParams::All;
  EXPECT_EQ(es::EsSmallTrainer(small_family(), p, all, 20, 1).moved_parameters(), p.num_parameters());
  es::EsConfig named = small_es_config();
  named.networks = {"log_lr"};
  EXPECT_EQ(es::EsSmallTrainer(small_family(), p, named, 20, 1).moved_parameters(), 1);
  named.networks = {"hidden_weight"};  // a PSD network name: not a tensor of this policy
  EXPECT_THROW(es::EsSmallTrainer(small_family(), p, named, 20, 1), Error);
}

TEST(EsSmallTrainer, RaisesTheStepSizeOfATooTimidStartAndResumesExactly) {
  const PsdSmallPolicy p = PsdSmallPolicy::adam_equivalent(small_arch(), 1e-4, 1);
  es::EsConfig c = small_es_config();
  es::EsSmallTrainer t(small_family(), p, c, 20, 4);
  t.initialise();
  (void)t.run_iteration();
  (void)t.run_iteration();
  const std::string text = t.checkpoint().dump();
  while (!t.finished()) (void)t.run_iteration();
  // Adam at 1e-4 barely moves in 20 steps: ES raises the step size, and the validation meta-loss falls.
  EXPECT_LT(t.best_validation(), std::log(0.99));
  EXPECT_GT(t.best_policy().log_lr, p.log_lr);

  es::EsSmallTrainer resumed(small_family(), p, c, 20, 4);
  resumed.restore(nlohmann::json::parse(text), "ckpt.json");
  while (!resumed.finished()) (void)resumed.run_iteration();
  EXPECT_EQ(resumed.best_policy().parameters(), t.best_policy().parameters());

  // A PSD fine-tuning's checkpoint is refused by name.
  nlohmann::json other = nlohmann::json::parse(text);
  other["method"] = "psd";
  try {
    resumed.restore(other, "ckpt.json");
    ADD_FAILURE() << "a checkpoint of another method was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("psd-small"), std::string::npos) << e.what();
  }
}

TEST(EsSmallTrainer, AMemberWithItsOwnHorizonRollsOutThatLong) {
  const PsdSmallPolicy p = PsdSmallPolicy::adam_equivalent(small_arch(), 1e-2, 1);
  es::EsSmallTrainer t(small_family(40), p, small_es_config(), 20, 1);
  // The meta-loss sums the objective over the horizon; the same task, batch and seed take the same
  // first 20 steps, so 40 steps add 20 more positive, smaller terms.
  const double at20 = t.rollout(p, 0, 7).meta_loss, at40 = t.rollout(p, 1, 7).meta_loss;
  EXPECT_GT(at40, at20);
  EXPECT_LT(at40, 2.0 * at20);
}

}  // namespace
}  // namespace l2o
