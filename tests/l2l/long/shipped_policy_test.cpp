// The shipped policy policies/l2l-mnist.json (policies/MANIFEST.json; its sha256 is checked with the
// others' by tests/psd/long/shipped_policy_test.cpp): it lowers the objective of a small run on
// synthetic data, and trains its meta-training task (MNIST, 48-48-10, batch 64, 400 steps; skipped
// when the MNIST data are not prepared).
//
// The evaluation against tuned Adam over the `l2o bench` seeds 1000..1009 (docs/l2l.md, "Measured
// numbers") runs only when L2O_L2L_EVAL=1, because it takes minutes:
//   L2O_L2L_EVAL=1 ./build/test_l2l --gtest_filter='ShippedL2LPolicy.*'
#include <gtest/gtest.h>

#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "l2o/core/error.hpp"
#include "l2o/l2l/l2l_optimizer.hpp"
#include "l2o/optim/adam.hpp"
#include "l2o/optim/train_loop.hpp"
#include "l2o/task/mlp_task.hpp"
#include "support/mnist_task.hpp"
#include "support/synthetic_data.hpp"

namespace l2o {
namespace {

namespace fs = std::filesystem;

const std::string kPolicy = std::string(L2O_SOURCE_DIR) + "/policies/l2l-mnist.json";

// 48-48-10 on a synthetic 10-class set, 60 steps at minibatch 64 and 10.
TEST(ShippedL2LPolicy, LoadsAndLowersTheObjectiveOfASmallRun) {
  ASSERT_TRUE(fs::exists(kPolicy)) << kPolicy;
  const ProjectedDataset data = test_support::synthetic_dataset(48, 10, 2000, 100);
  const MlpTask task(data, MlpConfig{});
  for (int batch : {64, 10}) {
    OptimizerPtr opt = make_l2l(kPolicy);
    RunOptions run;
    run.seed = 1000;
    run.iters = 60;
    run.batch = batch;
    run.eval_every = 10;
    const RunResult r = run_optimizer(task, *opt, run);
    ASSERT_FALSE(r.diverged) << "batch " << batch << ": " << r.divergence;
    EXPECT_LT(r.final_objective(), 0.8 * r.trace.front().objective) << "batch " << batch;
  }
}

TEST(ShippedL2LPolicy, LoadsAndTrainsTheMetaTrainingTask) {
  auto task = test_support::mnist_task_if_present();
  if (!task) GTEST_SKIP() << "MNIST data not present (l2o data prepare)";
  OptimizerPtr opt = make_l2l(kPolicy);
  RunOptions run;
  run.seed = 1000;
  run.eval_every = 400;  // only the start and the end: keeps the test short
  const RunResult r = run_optimizer(*task, *opt, run);
  ASSERT_FALSE(r.diverged) << r.divergence;
  // Tuned Adam reaches about 0.3 from about 3; an untrained (zero read-out) policy stays put.
  EXPECT_LT(r.final_objective(), 0.5) << "initial " << r.trace.front().objective;
}

// Adam's tuned hyper-parameters from configs/tuned.json if present, else the best learning rate
// of a quick sweep (docs/l2l.md).
AdamOptions tuned_adam() {
  AdamOptions a;
  a.lr = 0.01;
  const std::string path = std::string(L2O_SOURCE_DIR) + "/configs/tuned.json";
  std::ifstream in(path);
  if (!in) return a;
  const auto j = nlohmann::json::parse(in);
  const auto& h = j.at("optimizers").at("adam").at("hyper");
  a.lr = h.value("lr", a.lr);
  a.beta1 = h.value("beta1", a.beta1);
  a.beta2 = h.value("beta2", a.beta2);
  a.eps = h.value("eps", a.eps);
  return a;
}

TEST(ShippedL2LPolicy, EvaluationAgainstTunedAdam) {
  const char* flag = std::getenv("L2O_L2L_EVAL");
  if (!flag || std::string(flag) != "1") GTEST_SKIP() << "set L2O_L2L_EVAL=1 to run the evaluation";
  if (!fs::exists(kPolicy)) GTEST_SKIP() << kPolicy << " not present";
  auto task = test_support::mnist_task_if_present();
  if (!task) GTEST_SKIP() << "MNIST data not present";
  const AdamOptions adam_opts = tuned_adam();
  double l2l_meta = 0, l2l_final = 0, adam_meta = 0, adam_final = 0;
  int l2l_diverged = 0, adam_diverged = 0, l2l_wins = 0;
  fmt::print("seed   l2l meta-loss  l2l final   adam meta-loss  adam final   (adam lr {})\n", adam_opts.lr);
  for (std::uint64_t seed = 1000; seed < 1010; ++seed) {
    RunOptions run;
    run.seed = seed;
    OptimizerPtr l2l = make_l2l(kPolicy);
    Adam adam(adam_opts);
    const RunResult a = run_optimizer(*task, *l2l, run);
    const RunResult b = run_optimizer(*task, adam, run);
    l2l_diverged += a.diverged;
    adam_diverged += b.diverged;
    if (!a.diverged) l2l_meta += a.meta_loss(), l2l_final += a.final_objective();
    if (!b.diverged) adam_meta += b.meta_loss(), adam_final += b.final_objective();
    l2l_wins += !a.diverged && (b.diverged || a.meta_loss() < b.meta_loss());
    fmt::print("{}   {:>13.3f}  {:>9.5f}   {:>14.3f}  {:>10.5f}\n", seed, a.meta_loss(), a.final_objective(),
               b.meta_loss(), b.final_objective());
  }
  const int n_l2l = 10 - l2l_diverged, n_adam = 10 - adam_diverged;
  fmt::print("mean   {:>13.3f}  {:>9.5f}   {:>14.3f}  {:>10.5f}\n", l2l_meta / n_l2l, l2l_final / n_l2l,
             adam_meta / n_adam, adam_final / n_adam);
  fmt::print("diverged: l2l {}, adam {}; l2l has the lower meta-loss on {} of 10 seeds\n", l2l_diverged, adam_diverged,
             l2l_wins);
  EXPECT_EQ(l2l_diverged, 0);
}
}  // namespace
}  // namespace l2o
