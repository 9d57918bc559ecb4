// The ES fine-tuner of PSD policies (src/l2o/es) on a tiny task: a 4-6-3 net on synthetic data,
// T = 20, a policy of 6-cell LSTMs whose step is a known multiple of O2.
#include <gtest/gtest.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/es/es_config.hpp"
#include "l2o/es/es_trainer.hpp"
#include "es/es_test_util.hpp"
#include "support/synthetic_data.hpp"
#include "../psd/psd_test_util.hpp"

namespace l2o {
namespace {

const MlpTask& tiny_task_2() {  // a second member: two hidden layers
  static const ProjectedDataset data = test_support::synthetic_dataset(4, 3, 300, 50, 11, 1.0);
  static const MlpTask task(data, MlpConfig{{4, 5, 5, 3}, Activation::Relu, 0.0, 1.0}, 300, 0);
  return task;
}

// Every network steps `multiple` * O2 (psd_test_util.hpp): a too-small multiple is a policy that
// ES can improve by growing its read-out.
PsdPolicy o2_policy(double multiple) {
  PsdPolicyConfig c;
  c.arch.layers = {6};
  PsdPolicy p = PsdPolicy::fresh(c, 3);
  for (PolicyNet n : p.networks()) test::make_o2_multiple(p.network(n), multiple, c.arch.output_scale);
  return p;
}

std::vector<es::FamilyMember> family() {
  return {{&test::es_tiny_task(), 16, "4-6-3/16"}, {&tiny_task_2(), 8, "4-5-5-3/8"}};
}

// The error reading an ES config object gives, or "no error".
std::string config_error(const nlohmann::json& j) {
  try {
    (void)es::EsConfig::from_json(j, "f.json");
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return std::string("no error");
}

es::EsConfig small_config() {
  es::EsConfig c;
  c.iterations = 6;
  c.pairs = 4;
  c.sigma = 0.1;
  c.learning_rate = 0.2;
  c.eval_every = 1;
  c.validate_every = 2;
  c.validation_runs = 2;
  c.precision = Precision::Float64;
  return c;
}

TEST(EsConfig, JsonRoundTripAndErrorsNameTheField) {
  es::EsConfig c = small_config();
  c.members = {"48-48-10/10", "100-200-10/64"};
  c.params = es::EsParams::All;
  const es::EsConfig back = es::EsConfig::from_json(c.to_json(), "test");
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.members, c.members);
  EXPECT_EQ(back.params, es::EsParams::All);
  EXPECT_NE(config_error({{"sigmaa", 0.1}}).find("sigmaa"), std::string::npos);
  EXPECT_NE(config_error({{"pairs", 0}}).find("pairs"), std::string::npos);
  EXPECT_NE(config_error({{"pairs", 1e300}}).find("pairs"), std::string::npos);
  EXPECT_NE(config_error({{"sigma", -1}}).find("sigma"), std::string::npos);
  EXPECT_NE(config_error({{"params", "some"}}).find("params"), std::string::npos);
  const std::string bad = config_error({{"members", {"48-48-10"}}});
  EXPECT_NE(bad.find("members"), std::string::npos) << bad;
  EXPECT_NE(bad.find("48-48-10"), std::string::npos) << bad;
  EXPECT_NE(config_error({{"members", {"48-48-10/x"}}}).find("batch"), std::string::npos);
  EXPECT_NE(config_error({{"members", {"48-4a-10/4"}}}).find("48-4a-10"), std::string::npos);
  EXPECT_EQ(es::parse_member("100-200-10/10", "m").batch, 10);
  EXPECT_EQ(es::parse_member("100-200-10/10", "m").arch, "100-200-10");
  EXPECT_EQ(es::parse_member("100-200-10/10", "m").dataset, "");
  // A member on a data set of its own: everything after the first '@' is the data set's spec.
  const es::EsMember other = es::parse_member("48-48-100/10@idx:a/b,c@d", "m");
  EXPECT_EQ(other.arch, "48-48-100");
  EXPECT_EQ(other.batch, 10);
  EXPECT_EQ(other.dataset, "idx:a/b,c@d");
  EXPECT_EQ(other.text(), "48-48-100/10@idx:a/b,c@d");
  EXPECT_EQ(es::parse_member(other.text(), "m").text(), other.text());
  EXPECT_NE(config_error({{"members", {"48-48-100/10@"}}}).find("after '@'"), std::string::npos);
  EXPECT_NE(config_error({{"members", {"48-48-100@mnist"}}}).find("no '/'"), std::string::npos);
}

TEST(EsTrainer, MovesOnlyTheReadoutInUnitsOfItsRms) {
  const PsdPolicy p = o2_policy(-0.01);
  es::EsTrainer t(family(), p, small_config(), 20, 1);
  // 4 networks (per_kind) x 6 read-out weights.
  ASSERT_EQ(t.moved_parameters(), 4 * 6);
  EXPECT_EQ(t.policy_at(Vec::Zero(24)).params(), p.params());
  const PsdPolicy q = t.policy_at(Vec::Ones(24));
  const Vec a = p.params(), b = q.params();
  Index changed = 0;
  for (Index k = 0; k < a.size(); ++k) changed += a[k] != b[k];
  EXPECT_EQ(changed, 4 * 6);  // every read-out weight moves (u = 1 is one RMS), nothing else
  for (PolicyNet n : p.networks()) {
    const auto w0 = p.network(n).readout_weights(), w1 = q.network(n).readout_weights();
    const double rms = std::sqrt(w0.squaredNorm() / 6.0);
    EXPECT_NEAR(w1(0, 0) - w0(0, 0), rms, 1e-9 * rms);
    EXPECT_EQ(q.network(n).weights(0), p.network(n).weights(0));  // the LSTM itself is untouched
    EXPECT_EQ(q.network(n).readout_bias(), p.network(n).readout_bias());
  }
  EXPECT_THROW((void)t.policy_at(Vec::Zero(3)), Error);
  es::EsConfig all = small_config();
  all.params = es::EsParams::All;
  EXPECT_EQ(es::EsTrainer(family(), p, all, 20, 1).moved_parameters(), p.num_params());
}

TEST(EsTrainer, MovesOnlyTheNamedNetworks) {
  const PsdPolicy p = o2_policy(-0.01);
  es::EsConfig c = small_config();
  c.networks = {"output_weight", "output_bias"};
  es::EsTrainer t(family(), p, c, 20, 1);
  ASSERT_EQ(t.moved_parameters(), 2 * 6);  // two networks x 6 read-out weights
  const PsdPolicy q = t.policy_at(Vec::Ones(12));
  for (PolicyNet n : p.networks()) {
    const bool named = n == PolicyNet::OutputWeight || n == PolicyNet::OutputBias;
    EXPECT_EQ(q.network(n).readout_weights() != p.network(n).readout_weights(), named) << to_string(n);
    EXPECT_EQ(q.network(n).weights(0), p.network(n).weights(0));
  }
  c.params = es::EsParams::All;
  EXPECT_EQ(es::EsTrainer(family(), p, c, 20, 1).moved_parameters(),
            p.network(PolicyNet::OutputWeight).num_params() + p.network(PolicyNet::OutputBias).num_params());
  // A name the policy lacks (a per_kind policy has no "shared" network), an unknown or repeated name.
  c.networks = {"shared"};
  EXPECT_THROW(es::EsTrainer(family(), p, c, 20, 1), Error);
  EXPECT_NE(config_error({{"networks", {"output_wieght"}}}).find("output_wieght"), std::string::npos);
  EXPECT_NE(config_error({{"networks", {"output_bias", "output_bias"}}}).find("twice"), std::string::npos);
  EXPECT_NE(config_error({{"networks", "output_bias"}}).find("networks"), std::string::npos);
  EXPECT_EQ(es::EsConfig::from_json({{"networks", {"hidden_bias"}}}, "cfg").networks, std::vector<std::string>{"hidden_bias"});
}

TEST(EsTrainer, LowersTheValidationMetaLossOfATooTimidPolicy) {
  const PsdPolicy p = o2_policy(-0.002);
  es::EsConfig c = small_config();
  c.iterations = 10;
  c.sigma = 0.2;
  c.learning_rate = 1.0;  // u = 1 moves the O2 weight by 40 % (one of six non-zero read-out weights)
  es::EsTrainer t(family(), p, c, 20, 1);
  t.initialise();
  ASSERT_EQ(t.reference().size(), 4u);  // 2 members x 2 validation seeds
  while (!t.finished()) (void)t.run_iteration();
  ASSERT_EQ(t.history().size(), 10u);
  // The ES gradient points to larger steps: the meta-loss on the validation seeds falls by more
  // than 4 % (the initial policy scores 0 by definition).
  EXPECT_LT(t.best_validation(), std::log(0.96));
  EXPECT_GT(t.best_iteration(), 0);
  EXPECT_NEAR(t.validate(t.best_policy()), t.best_validation(), 1e-12);
  // Every validation improved on the one before (0, then -1.9 %, -3.3 %, -4.4 %, -5.5 %, -6.6 %).
  double last = 0.0;
  for (const auto& h : t.history())
    if (h.validated) {
      EXPECT_LT(h.validation, last) << "update " << h.iteration;
      last = h.validation;
    }
  // The step grew: the read-out's O2 weight of the hidden-weight network is larger in magnitude.
  const double w0 = p.network(PolicyNet::HiddenWeight).readout_weights()(0, 0);
  const double w1 = t.best_policy().network(PolicyNet::HiddenWeight).readout_weights()(0, 0);
  EXPECT_GT(std::abs(w1), std::abs(w0));
}

TEST(EsTrainer, DeterministicForASeedWhateverTheThreadCount) {
#ifdef _OPENMP
  const int threads = omp_get_max_threads();
#endif
  auto run = [](int n, std::uint64_t seed) {
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
    es::EsConfig c = small_config();
    c.iterations = 2;
    es::EsTrainer t(family(), o2_policy(-0.01), c, 20, seed);
    t.initialise();
    while (!t.finished()) (void)t.run_iteration();
    return t.checkpoint();
  };
  nlohmann::json a = run(1, 5), b = run(3, 5), other = run(1, 6);
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
  for (auto* j : {&a, &b, &other})
    for (auto& h : (*j)["history"]) h.erase("seconds");
  EXPECT_EQ(a, b);
  EXPECT_NE(a["u"], other["u"]);
}

TEST(EsTrainer, ResumesExactlyAndRefusesAnotherRun) {
  const PsdPolicy p = o2_policy(-0.01);
  es::EsConfig c = small_config();
  c.iterations = 4;
  es::EsTrainer whole(family(), p, c, 20, 2);
  whole.initialise();
  while (!whole.finished()) (void)whole.run_iteration();

  es::EsTrainer first(family(), p, c, 20, 2);
  first.initialise();
  (void)first.run_iteration();
  (void)first.run_iteration();
  const std::string text = first.checkpoint().dump();  // through text, as on disk

  es::EsTrainer resumed(family(), p, c, 20, 2);
  resumed.restore(nlohmann::json::parse(text), "ckpt.json");
  EXPECT_EQ(resumed.iterations_done(), 2);
  while (!resumed.finished()) (void)resumed.run_iteration();
  nlohmann::json a = whole.checkpoint(), b = resumed.checkpoint();
  for (auto* j : {&a, &b})
    for (auto& h : (*j)["history"]) h.erase("seconds");
  EXPECT_EQ(a, b);
  EXPECT_EQ(whole.best_policy().params(), resumed.best_policy().params());

  auto refused = [&](es::EsTrainer& t, const std::string& expect) {
    try {
      t.restore(nlohmann::json::parse(text), "ckpt.json");
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("ckpt.json"), std::string::npos) << m;
      EXPECT_NE(m.find(expect), std::string::npos) << m;
      return;
    }
    ADD_FAILURE() << "restore accepted a checkpoint of another run (" << expect << ")";
  };
  es::EsTrainer other_seed(family(), p, c, 20, 3);
  refused(other_seed, "seed");
  es::EsTrainer other_policy(family(), o2_policy(-0.02), c, 20, 2);
  refused(other_policy, "initial policy");
  es::EsConfig c2 = c;
  c2.sigma = 0.2;
  es::EsTrainer other_config(family(), p, c2, 20, 2);
  refused(other_config, "settings");
  es::EsConfig longer = c;  // more updates: the run is extended
  longer.iterations = 5;
  es::EsTrainer extended(family(), p, longer, 20, 2);
  extended.restore(nlohmann::json::parse(text), "ckpt.json");
  EXPECT_EQ(extended.iterations_done(), 2);
  EXPECT_FALSE(extended.finished());
  es::EsTrainer other_horizon(family(), p, c, 21, 2);
  refused(other_horizon, "horizon");
  // A checkpoint from before the "networks" field (every network moved) resumes; one that named
  // other networks does not.
  nlohmann::json older = nlohmann::json::parse(text);
  older["config"].erase("networks");
  es::EsTrainer from_older(family(), p, c, 20, 2);
  from_older.restore(older, "ckpt.json");
  EXPECT_EQ(from_older.iterations_done(), 2);
  es::EsConfig c3 = c;
  c3.networks = {"output_weight"};
  es::EsTrainer other_networks(family(), p, c3, 20, 2);
  refused(other_networks, "settings");
  nlohmann::json broken = nlohmann::json::parse(text);
  broken["u"] = {1.0, 2.0};
  es::EsTrainer t(family(), p, c, 20, 2);
  try {
    t.restore(broken, "ckpt.json");
    ADD_FAILURE() << "a malformed checkpoint was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("u must be a list of 24"), std::string::npos) << e.what();
  }
  broken = nlohmann::json::parse(text);
  broken["iteration"] = 1e300;
  EXPECT_THROW(t.restore(broken, "ckpt.json"), Error);
}

TEST(EsTrainer, ADivergingRolloutIsScoredNotPropagated) {
  // A policy whose steps are huge: the rollouts diverge; ES scores them by the penalty.
  const PsdPolicy p = o2_policy(-1e200);
  es::EsConfig c = small_config();
  c.iterations = 1;
  c.validate_every = 1;
  es::EsTrainer t(family(), p, c, 20, 1);
  const es::RolloutScore s = t.rollout(p, 0, 7);
  EXPECT_TRUE(s.diverged);
  EXPECT_TRUE(std::isfinite(s.meta_loss));
  t.initialise();
  const es::UpdateReport r = t.run_iteration();
  EXPECT_EQ(r.diverged, 2 * c.pairs);
  EXPECT_TRUE(std::isfinite(r.validation));
}

}  // namespace
}  // namespace l2o
