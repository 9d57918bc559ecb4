// The shipped policy policies/psd-mnist.json on its meta-training task (MNIST, 48-48-10, batch 64,
// 400 steps, evaluation seed 1000). Skipped when the MNIST data or the policy file are missing.
// The full evaluation (10 seeds, every optimizer) is `l2o bench --experiment mnist --seeds 10`
// (docs/meta-training.md): there the policy's meta-loss is 162.2 against tuned AdaGrad's 164.4
// and the previous, momentum-initialised policy's 197.8.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <vector>

#include "l2o/nn/policy_file.hpp"
#include "l2o/optim/train_loop.hpp"
#include "l2o/psd/psd_optimizer.hpp"
#include "psd/psd_test_util.hpp"
#include "l2o/core/rng.hpp"
#include "support/mnist_task.hpp"

namespace l2o {
namespace {

namespace fs = std::filesystem;

const std::string kPolicy = std::string(L2O_SOURCE_DIR) + "/policies/psd-mnist.json";

// One 400-step run of a policy file on the task, evaluation seed 1000, objective every 10 steps.
RunResult run_policy(const MlpTask& task, const std::string& path, int batch) {
  OptimizerPtr opt = make_psd(path);
  RunOptions run;
  run.seed = 1000;
  run.batch = batch;
  run.eval_every = 10;
  return run_optimizer(task, *opt, run);
}

// Every network of `tuned` has the LSTM weights and read-out bias of `base`; its read-out weights
// differ by less than half their norm. Returns, per network, whether they moved (by > 0.1 %).
std::vector<bool> expect_only_readout_weights_differ(const PsdPolicy& tuned, const PsdPolicy& base) {
  std::vector<bool> moved;
  EXPECT_EQ(tuned.networks(), base.networks());
  if (tuned.networks() != base.networks()) return moved;
  for (PolicyNet n : tuned.networks()) {
    const Lstm& a = tuned.network(n);
    const Lstm& b = base.network(n);
    EXPECT_EQ(a.weights(0), b.weights(0)) << to_string(n);
    EXPECT_EQ(a.bias(0), b.bias(0)) << to_string(n);
    EXPECT_EQ(a.readout_bias(), b.readout_bias()) << to_string(n);
    const double rel = (a.readout_weights() - b.readout_weights()).norm() / b.readout_weights().norm();
    EXPECT_LT(rel, 0.5) << to_string(n);
    moved.push_back(rel > 1e-3);
  }
  return moved;
}

// The policy trains MNIST 48-48-10 well at batch 64 and descends at batch 10 (evaluation seed 1000).
void expect_trains_mnist_at_batch_64_and_10(const MlpTask& task, const std::string& path) {
  const RunResult r = run_policy(task, path, 64);
  ASSERT_FALSE(r.diverged) << r.divergence;
  EXPECT_LT(r.meta_loss(), 170.0);
  const RunResult r10 = run_policy(task, path, 10);
  ASSERT_FALSE(r10.diverged) << r10.divergence;
  EXPECT_LT(r10.final_objective(), r10.trace.front().objective);
}

// A policy made by another GPS run of the family config, then the chain's factors (fan-in at power
// 1 capped at 1, batch at `batch_power`, the chain's 0.2 unless re-chosen): the chain's layout,
// other input scales. The step scale, set
// from the teacher before GPS, is the chain's bit for bit when the GPS run was on the chain's CPU
// (output_scale_tolerance 0) and to the last digits when it was on another.
void expect_the_chains_layout_and_factors(const std::string& path, const std::string& chain_path,
                                          double output_scale_tolerance, double batch_power = 0.2,
                                          Index output_warmup = 0) {
  const PsdPolicy policy = PsdPolicy::load(path);
  const PsdPolicy chain = PsdPolicy::load(chain_path);
  nlohmann::json mine = policy.config().arch.to_json(), theirs = chain.config().arch.to_json();
  EXPECT_NE(mine.at("input_scale"), theirs.at("input_scale"));  // another GPS run
  if (output_scale_tolerance == 0.0)
    EXPECT_EQ(mine.at("output_scale"), theirs.at("output_scale"));
  else
    EXPECT_NEAR(mine.at("output_scale").get<double>(), theirs.at("output_scale").get<double>(), output_scale_tolerance);
  EXPECT_EQ(policy.config().arch.batch_scaling.reference_batch, chain.config().arch.batch_scaling.reference_batch);
  for (const char* key : {"input_scale", "output_scale", "batch_scaling", "output_warmup"}) {
    mine.erase(key);
    theirs.erase(key);
  }
  EXPECT_EQ(mine, theirs);
  EXPECT_EQ(policy.config().arch.step_scaling.max_factor, 1.0);
  EXPECT_EQ(policy.config().arch.batch_scaling.power, batch_power);
  EXPECT_EQ(policy.config().arch.output_warmup.iterations, output_warmup);
  EXPECT_EQ(policy.config().arch.output_warmup.below_batch, 64.0);
  EXPECT_FALSE(chain.config().arch.output_warmup.active());
}

TEST(ShippedPsdPolicy, IsStandardisedAndTrainsTheMetaTrainingTaskLikeTheBestBaseline) {
  if (!fs::exists(kPolicy)) GTEST_SKIP() << kPolicy << " not present";
  const PsdPolicy policy = PsdPolicy::load(kPolicy);
  EXPECT_EQ(policy.config().arch.layers, std::vector<Index>{128});
  ASSERT_EQ(policy.config().arch.input_scale.size(), 4u);  // per-kind networks, standardised inputs
  auto task = test_support::mnist_task_if_present();
  if (!task) GTEST_SKIP() << "MNIST data not present (l2o data prepare)";
  const RunResult r = run_policy(*task, kPolicy, 64);
  ASSERT_FALSE(r.diverged) << r.divergence;
  // Seed 1000 (objective every 5 iterations): this policy 160.7 / 0.276, tuned AdaGrad 162.9 /
  // 0.280, the previous policy 195.0 / 0.33.
  EXPECT_LT(r.meta_loss(), 170.0);
  EXPECT_LT(r.final_objective(), 0.30) << "initial " << r.trace.front().objective;
}

// The family policy, meta-trained over a family of MNIST nets with the moment features
// (docs/meta-training.md): width-aware steps at power 1 relative to 48-48, the 7 inputs of the
// moment features, its provenance names the distribution, and on the meta-training task it does
// better than tuned AdaGrad at batch 64 (validation seeds: 158.6 vs 163.5) and trains at batch 10
// without diverging. The default `psd` is its ES fine-tuning (next test).
TEST(ShippedPsdPolicy, TheDefaultFamilyPolicyHasMomentFeaturesAndWidthSteps) {
  const std::string path = std::string(L2O_SOURCE_DIR) + "/policies/psd-mnist-multi.json";
  if (!fs::exists(path)) GTEST_SKIP() << path << " not present";
  const PsdPolicy policy = PsdPolicy::load(path);
  const StepScaling& s = policy.config().arch.step_scaling;
  EXPECT_EQ(s.rule, StepScaling::Rule::FanIn);
  EXPECT_EQ(s.power, 1.0);
  EXPECT_EQ(s.reference_hidden_fan_in, 48.0);
  EXPECT_EQ(policy.config().features.momentum_decays, (std::vector<double>{0.5, 0.9, 0.99}));
  EXPECT_EQ(policy.config().arch.input_count(), 7);
  EXPECT_EQ(load_policy_file(path).provenance.extra.at("config").at("distribution").at("tasks"), 5);
  auto task = test_support::mnist_task_if_present();
  if (!task) GTEST_SKIP() << "MNIST data not present (l2o data prepare)";
  const RunResult r = run_policy(*task, path, 64);
  ASSERT_FALSE(r.diverged) << r.divergence;
  EXPECT_LT(r.meta_loss(), 170.0);
  const RunResult r10 = run_policy(*task, path, 10);
  ASSERT_FALSE(r10.diverged) << r10.divergence;
  EXPECT_LT(r10.final_objective(), r10.trace.front().objective);
}

// The default shipped policy: the family policy fine-tuned by ES (docs/meta-training.md,
// "Fine-tuning π on its own meta-loss: ES"). ES moved only the read-out weights of the family
// policy it names by fingerprint: everything else (architecture, features, width-aware steps, the
// LSTM weights, the read-out biases) is the family policy's. On the meta-training task it trains at
// batch 64 and 10 (validation seeds: 153.4 / 280.1 after 20 updates, against 158.6 / 285.2 before).
TEST(ShippedPsdPolicy, TheDefaultIsTheFamilyPolicyWithAnEsFineTunedReadout) {
  const std::string dir = std::string(L2O_SOURCE_DIR) + "/policies/";
  if (!fs::exists(dir + "psd-mnist-multi-es.json") || !fs::exists(dir + "psd-mnist-multi.json"))
    GTEST_SKIP() << "shipped policies not present";
  const PsdPolicy es = PsdPolicy::load(dir + "psd-mnist-multi-es.json");
  const PsdPolicy family = PsdPolicy::load(dir + "psd-mnist-multi.json");
  const PolicyFile file = load_policy_file(dir + "psd-mnist-multi-es.json");
  EXPECT_EQ(file.provenance.extra.at("initial_policy").at("fingerprint"), family.fingerprint());
  EXPECT_EQ(file.provenance.extra.at("config").at("params"), "readout");
  EXPECT_EQ(es.config().arch.to_json(), family.config().arch.to_json());
  const std::vector<bool> moved = expect_only_readout_weights_differ(es, family);
  EXPECT_NE(std::find(moved.begin(), moved.end(), true), moved.end()) << "ES moved no read-out";
  auto task = test_support::mnist_task_if_present();
  if (!task) GTEST_SKIP() << "MNIST data not present (l2o data prepare)";
  expect_trains_mnist_at_batch_64_and_10(*task, dir + "psd-mnist-multi-es.json");
}

// The default shipped policy: the ES policy above with batch-aware steps (docs/psd.md, "Batch-aware
// steps"; power 0.2 chosen on validation seeds). Same weights, so at batch 64 it runs exactly as the
// ES policy; at batch 10 its steps are (10/64)^0.2 = 0.69 of the ES policy's first step.
TEST(ShippedPsdPolicy, TheDefaultIsTheEsPolicyWithBatchAwareSteps) {
  const std::string dir = std::string(L2O_SOURCE_DIR) + "/policies/";
  if (!fs::exists(dir + "psd-mnist-multi-es-batch.json") || !fs::exists(dir + "psd-mnist-multi-es.json"))
    GTEST_SKIP() << "shipped policies not present";
  const PsdPolicy batch = PsdPolicy::load(dir + "psd-mnist-multi-es-batch.json");
  const PsdPolicy es = PsdPolicy::load(dir + "psd-mnist-multi-es.json");
  EXPECT_EQ(batch.params(), es.params());
  PsdArchitecture arch = batch.config().arch;
  EXPECT_EQ(arch.batch_scaling.power, 0.2);
  EXPECT_EQ(arch.batch_scaling.reference_batch, 64);
  arch.batch_scaling = BatchScaling{};
  EXPECT_EQ(arch.to_json(), es.config().arch.to_json());
  auto task = test_support::mnist_task_if_present();
  if (!task) GTEST_SKIP() << "MNIST data not present (l2o data prepare)";
  RunOptions run;
  run.seed = 1000;
  run.iters = 20;
  run.eval_every = 1;
  OptimizerPtr a = make_psd(dir + "psd-mnist-multi-es-batch.json"), b = make_psd(dir + "psd-mnist-multi-es.json");
  const RunResult ra = run_optimizer(*task, *a, run), rb = run_optimizer(*task, *b, run);
  ASSERT_EQ(ra.trace.size(), rb.trace.size());
  for (std::size_t i = 0; i < ra.trace.size(); ++i) {
    EXPECT_EQ(ra.trace[i].objective, rb.trace[i].objective) << i;
    EXPECT_EQ(ra.trace[i].step_norm, rb.trace[i].step_norm) << i;
  }
  run.batch = 10;
  run.iters = 1;
  const RunResult sa = run_optimizer(*task, *a, run), sb = run_optimizer(*task, *b, run);
  EXPECT_NEAR(sa.trace.back().step_norm / sb.trace.back().step_norm, std::pow(10.0 / 64.0, 0.2), 1e-12);
}

// policies/psd-mnist-multi-es-pairs.json: the batch-aware policy above, its read-outs fine-tuned by
// two ES runs whose families add MNIST-pairs members (100 classes; docs/meta-training.md,
// "Many-class output layers"): every read-out, then the output layer's two. Everything but the
// read-out weights is the batch-aware policy's, batch-aware steps included.
TEST(ShippedPsdPolicy, ThePairsPolicyIsTheBatchAwarePolicyWithReadoutsFineTunedOnManyClasses) {
  const std::string dir = std::string(L2O_SOURCE_DIR) + "/policies/";
  if (!fs::exists(dir + "psd-mnist-multi-es-pairs.json") || !fs::exists(dir + "psd-mnist-multi-es-batch.json"))
    GTEST_SKIP() << "shipped policies not present";
  const PsdPolicy pairs = PsdPolicy::load(dir + "psd-mnist-multi-es-pairs.json");
  const PsdPolicy batch = PsdPolicy::load(dir + "psd-mnist-multi-es-batch.json");
  EXPECT_EQ(pairs.config().arch.to_json(), batch.config().arch.to_json());
  EXPECT_EQ(pairs.config().arch.batch_scaling.power, 0.2);
  const PolicyFile file = load_policy_file(dir + "psd-mnist-multi-es-pairs.json");
  const auto& extra = file.provenance.extra;
  EXPECT_EQ(extra.at("config").at("networks"), nlohmann::json({"output_weight", "output_bias"}));
  bool many_class_member = false;
  for (const auto& m : extra.at("family")) many_class_member = many_class_member || m.get<std::string>().find("48-48-100/10@idx:") == 0;
  EXPECT_TRUE(many_class_member) << extra.at("family").dump();
  // Every read-out moved (the first run moved all four, the second the output layer's two).
  EXPECT_EQ(expect_only_readout_weights_differ(pairs, batch), std::vector<bool>(pairs.networks().size(), true));
  auto task = test_support::mnist_task_if_present();
  if (!task) GTEST_SKIP() << "MNIST data not present (l2o data prepare)";
  expect_trains_mnist_at_batch_64_and_10(*task, dir + "psd-mnist-multi-es-pairs.json");
}

// The first `steps` steps of two policies on a layout, from the same made-up gradients: equal to
// the bit (want_equal) or different somewhere.
void expect_same_steps(const PsdPolicy& a, const PsdPolicy& b, const std::vector<int>& arch, bool want_equal) {
  const ParamLayout layout = test::mlp_layout(arch);
  PsdOptimizer oa(std::make_shared<const PsdPolicy>(a), {Precision::Float32, 1}),
      ob(std::make_shared<const PsdPolicy>(b), {Precision::Float32, 1});
  oa.init(layout);
  ob.init(layout);
  Rng rng(7);
  Vec x(layout.dim), g(layout.dim);
  bool equal = true;
  for (int t = 0; t < 4; ++t) {
    for (Index k = 0; k < layout.dim; ++k) x[k] = 0.1 * rng.normal(), g[k] = 0.01 * rng.normal();
    Vec da, db;
    oa.step({x, 2.0 - 0.1 * t, g}, da);
    ob.step({x, 2.0 - 0.1 * t, g}, db);
    equal = equal && da == db;
  }
  EXPECT_EQ(equal, want_equal) << "net " << layout.dim << " parameters";
}

// policies/psd-mnist-multi-es-noisy.json: the pairs policy above, its read-out weights fine-tuned by
// ES on a family with MNIST-noisy members (high-loss tasks; docs/meta-training.md), and its
// width-aware factors capped at 1 (docs/psd.md, "Narrow nets"): on nets at least as wide as
// 48-48 it steps exactly as without the cap; on narrower ones as with no width factors at all.
TEST(ShippedPsdPolicy, TheNoisyPolicyIsThePairsPolicyWithReadoutsTunedOnHighLossTasksAndCappedWidthFactors) {
  const std::string dir = std::string(L2O_SOURCE_DIR) + "/policies/";
  if (!fs::exists(dir + "psd-mnist-multi-es-noisy.json") || !fs::exists(dir + "psd-mnist-multi-es-pairs.json"))
    GTEST_SKIP() << "shipped policies not present";
  const PsdPolicy noisy = PsdPolicy::load(dir + "psd-mnist-multi-es-noisy.json");
  const PsdPolicy pairs = PsdPolicy::load(dir + "psd-mnist-multi-es-pairs.json");
  EXPECT_EQ(noisy.config().arch.step_scaling.max_factor, 1.0);
  PsdPolicyConfig uncapped = noisy.config();
  uncapped.arch.step_scaling.max_factor = std::numeric_limits<double>::infinity();
  EXPECT_EQ(uncapped.arch.to_json(), pairs.config().arch.to_json());
  const PolicyFile file = load_policy_file(dir + "psd-mnist-multi-es-noisy.json");
  bool noisy_member = false;
  for (const auto& m : file.provenance.extra.at("family"))
    noisy_member = noisy_member || m.get<std::string>().find("@idx:data/mnist-noisy/") != std::string::npos;
  EXPECT_TRUE(noisy_member) << file.provenance.extra.at("family").dump();
  EXPECT_EQ(expect_only_readout_weights_differ(noisy, pairs), std::vector<bool>(noisy.networks().size(), true));

  PsdPolicy without_cap(uncapped);
  without_cap.set_params(noisy.params());
  PsdPolicyConfig unscaled = uncapped;
  unscaled.arch.step_scaling.rule = StepScaling::Rule::None;
  PsdPolicy without_factors(unscaled);
  without_factors.set_params(noisy.params());
  for (const std::vector<int>& wide : {std::vector<int>{48, 48, 10}, {100, 200, 10}, {48, 96, 7}})
    expect_same_steps(noisy, without_cap, wide, true);
  expect_same_steps(noisy, without_cap, {16, 16, 10}, false);
  expect_same_steps(noisy, without_factors, {16, 16, 10}, true);
  expect_same_steps(noisy, without_factors, {32, 24, 10}, true);

  auto task = test_support::mnist_task_if_present();
  if (!task) GTEST_SKIP() << "MNIST data not present (l2o data prepare)";
  expect_trains_mnist_at_batch_64_and_10(*task, dir + "psd-mnist-multi-es-noisy.json");
}

// policies/psd-mnist-multi-es-noisy-pairs.json (E7, the default `psd` before the 60-minute policy):
// the noisy policy above, its read-out weights fine-tuned twice more by ES on families with noisy
// MNIST-pairs members (100 classes and a high loss, as CIFAR-100), the second run with narrow-net
// members too
// (docs/meta-training.md, "Many classes at minibatch 10"; the first run's policy is not shipped,
// so its provenance names an initial policy that is not in the repository). Same architecture and
// factors, so only the read-outs can change its steps.
TEST(ShippedPsdPolicy, TheNoisyPairsPolicyIsTheNoisyPolicyWithReadoutsTunedOnManyNoisyClasses) {
  const std::string dir = std::string(L2O_SOURCE_DIR) + "/policies/";
  if (!fs::exists(dir + "psd-mnist-multi-es-noisy-pairs.json") || !fs::exists(dir + "psd-mnist-multi-es-noisy.json"))
    GTEST_SKIP() << "shipped policies not present";
  const PsdPolicy tuned = PsdPolicy::load(dir + "psd-mnist-multi-es-noisy-pairs.json");
  const PsdPolicy noisy = PsdPolicy::load(dir + "psd-mnist-multi-es-noisy.json");
  EXPECT_EQ(tuned.config().arch.to_json(), noisy.config().arch.to_json());
  const PolicyFile file = load_policy_file(dir + "psd-mnist-multi-es-noisy-pairs.json");
  const auto& extra = file.provenance.extra;
  EXPECT_NE(extra.at("initial_policy").at("fingerprint"), noisy.fingerprint());  // the first run's policy
  int noisy_pairs_members = 0, narrow_members = 0;
  for (const auto& m : extra.at("family")) {
    const std::string member = m.get<std::string>();
    noisy_pairs_members += member.find("/mnist-noisy-pairs/") != std::string::npos;
    narrow_members += member.rfind("16-", 0) == 0;
  }
  // 48-48-100 at 64, at 10 twice, and 16-16-100 at 64; the narrow ones 16-48-10 and 16-16-100.
  EXPECT_EQ(noisy_pairs_members, 4) << extra.at("family").dump();
  EXPECT_EQ(narrow_members, 2) << extra.at("family").dump();
  EXPECT_EQ(expect_only_readout_weights_differ(tuned, noisy), std::vector<bool>(tuned.networks().size(), true));
  auto task = test_support::mnist_task_if_present();
  if (!task) GTEST_SKIP() << "MNIST data not present (l2o data prepare)";
  expect_trains_mnist_at_batch_64_and_10(*task, dir + "psd-mnist-multi-es-noisy-pairs.json");
}

// policies/psd-mnist-multi-60min.json (the default `psd`): the one-recipe policy of
// scripts/meta_train_60min.sh (docs/meta-training.md, "A fifth round within 60 minutes"): π
// pre-trained onto the family config's ψ₀ (GPS with no iterations), the fan-in factors capped at 1,
// ES on every read-out, ES on the output layer's read-outs, the batch factor's power raised to 0.3,
// a last output-layer ES run whose family draws noisy MNIST-pairs at minibatch 10 three times of
// eight, all with float32 rollouts, and the output layer warmed up over 16 steps below minibatch
// 64. Its layout and factors are those of the chain's policy but for that power and the warm-up
// (its input scales come from its own pre-training, on an AMD CPU); its provenance records the
// last ES run and the warm-up.
TEST(ShippedPsdPolicy, TheSixtyMinutePolicyHasTheChainsLayoutABatchPowerOf03ALastEsRunOnManyNoisyClassesAndAWarmUp) {
  const std::string dir = std::string(L2O_SOURCE_DIR) + "/policies/";
  if (!fs::exists(dir + "psd-mnist-multi-60min.json") || !fs::exists(dir + "psd-mnist-multi-es-noisy-pairs.json"))
    GTEST_SKIP() << "shipped policies not present";
  expect_the_chains_layout_and_factors(dir + "psd-mnist-multi-60min.json", dir + "psd-mnist-multi-es-noisy-pairs.json",
                                       1e-12, 0.3, 16);

  const PolicyFile file = load_policy_file(dir + "psd-mnist-multi-60min.json");
  const auto& extra = file.provenance.extra;
  EXPECT_EQ(extra.at("config").at("precision"), "float32");
  EXPECT_EQ(extra.at("config").at("networks"), nlohmann::json({"output_weight", "output_bias"}));
  EXPECT_LT(extra.at("best_validation_log_ratio").get<double>(), 0.0);
  EXPECT_EQ(extra.at("config").at("iterations"), 30);  // X2's last stage (X's ran 18 updates)
  EXPECT_EQ(extra.at("best_update"), 30);              // so validating after the last update only gives the same file
  int mnist_b64 = 0, noisy_pairs_b10 = 0;
  for (const auto& m : extra.at("family")) {
    const std::string member = m.get<std::string>();
    mnist_b64 += member == "48-48-10/64";
    noisy_pairs_b10 += member.rfind("48-48-100/10@", 0) == 0 && member.find("/mnist-noisy-pairs/") != std::string::npos;
  }
  EXPECT_EQ(extra.at("family").size(), 8u) << extra.at("family").dump();
  EXPECT_EQ(mnist_b64, 2) << extra.at("family").dump();        // the command's task and one more
  EXPECT_EQ(noisy_pairs_b10, 3) << extra.at("family").dump();  // the panel it was made for: Fig. 3 CIFAR-100
  EXPECT_EQ(extra.at("output_warmup_applied").at("output_warmup"), nlohmann::json({{"iterations", 16}, {"below_batch", 64.0}}));

  auto task = test_support::mnist_task_if_present();
  if (!task) GTEST_SKIP() << "MNIST data not present (l2o data prepare)";
  expect_trains_mnist_at_batch_64_and_10(*task, dir + "psd-mnist-multi-60min.json");
}

// policies/psd-mnist-multi-gps0.json (a candidate for --policy; not the default): GPS with no
// iterations (π pre-trained onto ψ₀, seed 2), the fan-in factors capped at 1 and the batch factor,
// ES on MNIST at minibatch 64 and 10, then ES on the output layer's read-outs alone over many-class
// members at minibatch 10, both with float32 rollouts (docs/meta-training.md, "Where the chain's
// lead at 800 iterations comes from"). Same layout and factors as the chain's policy; its provenance
// records the last ES run.
TEST(ShippedPsdPolicy, TheGpsZeroCandidateHasTheChainsLayoutAndItsLastEsRunTunedTheOutputLayerInFloat32) {
  const std::string dir = std::string(L2O_SOURCE_DIR) + "/policies/";
  if (!fs::exists(dir + "psd-mnist-multi-gps0.json") || !fs::exists(dir + "psd-mnist-multi-es-noisy-pairs.json"))
    GTEST_SKIP() << "shipped policies not present";
  expect_the_chains_layout_and_factors(dir + "psd-mnist-multi-gps0.json", dir + "psd-mnist-multi-es-noisy-pairs.json",
                                       1e-12);  // pre-trained on an AMD CPU, the chain on an Intel one

  const PolicyFile file = load_policy_file(dir + "psd-mnist-multi-gps0.json");
  const auto& config = file.provenance.extra.at("config");
  EXPECT_EQ(config.at("precision"), "float32");
  EXPECT_EQ(config.at("networks"), nlohmann::json({"output_weight", "output_bias"}));
  EXPECT_LT(file.provenance.extra.at("best_validation_log_ratio").get<double>(), 0.0);

  auto task = test_support::mnist_task_if_present();
  if (!task) GTEST_SKIP() << "MNIST data not present (l2o data prepare)";
  expect_trains_mnist_at_batch_64_and_10(*task, dir + "psd-mnist-multi-gps0.json");
}

}  // namespace
}  // namespace l2o
