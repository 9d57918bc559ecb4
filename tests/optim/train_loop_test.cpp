#include "l2o/optim/train_loop.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "l2o/core/error.hpp"
#include "support/synthetic_data.hpp"

using namespace l2o;

namespace {

// Gradient descent with a fixed step, or a poisoned step at a chosen iteration.
class FixedStep : public Optimizer {
 public:
  explicit FixedStep(double lr, int poison_at = -1) : lr_(lr), poison_at_(poison_at) {}
  std::string name() const override { return "fixed"; }
  void init(const ParamLayout&) override { t_ = 0; }
  void step(const StepContext& ctx, Vec& delta) override {
    ++t_;
    delta = -lr_ * ctx.grad;
    if (t_ == poison_at_) delta[0] = std::nan("");
  }
  nlohmann::json hyperparams() const override { return {{"lr", lr_}}; }
  nlohmann::json save_state() const override { return {{"t", t_}}; }
  void load_state(const nlohmann::json& s) override { t_ = s.at("t"); }

 private:
  double lr_;
  int poison_at_;
  int t_ = 0;
};

MlpTask small_task() {
  static const auto data = test_support::synthetic_dataset(6, 3, 200, 20);
  return MlpTask(data, {{6, 5, 3}}, -1);
}

// Records the minibatch size each step is told (StepContext::batch).
class BatchRecorder : public Optimizer {
 public:
  std::string name() const override { return "recorder"; }
  void init(const ParamLayout&) override {}
  void step(const StepContext& ctx, Vec& delta) override {
    batches.push_back(ctx.batch);
    delta = Vec::Zero(ctx.x.size());
  }
  nlohmann::json hyperparams() const override { return nlohmann::json::object(); }
  nlohmann::json save_state() const override { return nlohmann::json::object(); }
  void load_state(const nlohmann::json&) override {}
  std::vector<Index> batches;
};

TEST(TrainLoop, TellsTheOptimizerEachMinibatchsSize) {
  MlpTask task = small_task();  // 200 training examples
  for (int b : {1, 10, 200, 500}) {
    BatchRecorder rec;
    RunOptions o;
    o.iters = 3;
    o.batch = b;
    o.seed = 1;
    run_optimizer(task, rec, o);
    ASSERT_EQ(rec.batches.size(), 3u);
    for (Index got : rec.batches) EXPECT_EQ(got, std::min(b, 200)) << "batch " << b;
  }
}

TEST(TrainLoop, TraceRowsFollowTheDocumentedMeaning) {
  MlpTask task = small_task();
  FixedStep opt(0.1);
  RunResult r = run_optimizer(task, opt, {.iters = 20, .batch = 8, .seed = 3});
  ASSERT_EQ(r.trace.size(), 21u);
  EXPECT_FALSE(r.diverged);
  EXPECT_DOUBLE_EQ(r.trace[0].objective, task.objective(task.initial_params(3)));
  // Replay by hand: same sampler, same steps.
  Vec x = task.initial_params(3);
  MinibatchSampler sampler(task.train_count(), 8, 3);
  double meta = 0.0;
  for (int t = 1; t <= 20; ++t) {
    Vec g;
    const double loss = task.loss_grad(x, sampler.next(), &g);
    EXPECT_DOUBLE_EQ(r.trace[static_cast<size_t>(t)].minibatch_loss, loss);
    EXPECT_NEAR(r.trace[static_cast<size_t>(t)].step_norm, 0.1 * g.norm(), 1e-12);
    x -= 0.1 * g;
    EXPECT_NEAR(r.trace[static_cast<size_t>(t)].objective, task.objective(x), 1e-12);
    meta += task.objective(x);
  }
  EXPECT_NEAR(r.meta_loss(), meta, 1e-9);
  EXPECT_LT(r.final_objective(), r.trace[0].objective);
  EXPECT_TRUE(r.final_params.isApprox(x));
}

TEST(TrainLoop, SameSeedSameTraceDifferentSeedDifferent) {
  MlpTask task = small_task();
  FixedStep a(0.1), b(0.1), c(0.1);
  auto ra = run_optimizer(task, a, {.iters = 10, .batch = 8, .seed = 5});
  auto rb = run_optimizer(task, b, {.iters = 10, .batch = 8, .seed = 5});
  auto rc = run_optimizer(task, c, {.iters = 10, .batch = 8, .seed = 6});
  for (size_t i = 0; i < ra.trace.size(); ++i) EXPECT_EQ(ra.trace[i].objective, rb.trace[i].objective);
  EXPECT_NE(ra.final_objective(), rc.final_objective());
}

TEST(TrainLoop, DivergenceIsReportedAndStopsTheRun) {
  MlpTask task = small_task();
  FixedStep poisoned(0.1, 4);
  RunResult r = run_optimizer(task, poisoned, {.iters = 10, .batch = 8, .seed = 1});
  EXPECT_TRUE(r.diverged);
  EXPECT_EQ(r.diverged_iter, 4);
  EXPECT_EQ(r.trace.size(), 5u);  // rows 0..4
  EXPECT_NE(r.divergence.find("iteration 4"), std::string::npos) << r.divergence;
  EXPECT_TRUE(r.final_params.allFinite());  // the poisoned step was not applied

  FixedStep huge(1e6);
  RunResult h = run_optimizer(task, huge, {.iters = 200, .batch = 8, .seed = 1});
  EXPECT_TRUE(h.diverged) << "a step size of 1e6 must blow up";
}

TEST(TrainLoop, EvalEveryInterpolatesTheMetaLoss) {
  MlpTask task = small_task();
  FixedStep a(0.05), b(0.05);
  auto full = run_optimizer(task, a, {.iters = 20, .batch = 8, .seed = 2});
  auto sparse = run_optimizer(task, b, {.iters = 20, .batch = 8, .seed = 2, .eval_every = 5});
  EXPECT_TRUE(std::isnan(sparse.trace[3].objective));
  EXPECT_EQ(sparse.trace[5].objective, full.trace[5].objective);
  EXPECT_EQ(sparse.final_objective(), full.final_objective());
  // Linear interpolation between the evaluated points 0, 5, 10, 15, 20, computed by hand.
  double expected = 0.0;
  for (int t = 1; t <= 20; ++t) {
    const int lo = (t - 1) / 5 * 5, hi = lo + 5;
    const double a = full.trace[static_cast<size_t>(lo)].objective, b = full.trace[static_cast<size_t>(hi)].objective;
    expected += a + (b - a) * (t - lo) / 5.0;
  }
  EXPECT_NEAR(sparse.meta_loss(), expected, 1e-9);
  EXPECT_NEAR(sparse.meta_loss(), full.meta_loss(), 0.05 * full.meta_loss());
}

TEST(TrainLoop, WritesTheTraceCsv) {
  MlpTask task = small_task();
  FixedStep a(0.1);
  auto r = run_optimizer(task, a, {.iters = 3, .batch = 8, .seed = 2});
  const std::string path = ::testing::TempDir() + "/trace.csv";
  write_trace_csv(path, r);
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "iter,objective,minibatch_loss,grad_norm,step_norm,seconds");
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_EQ(lines, 4);
  EXPECT_THROW(write_trace_csv("/nonexistent-dir/x.csv", r), Error);
}
}  // namespace
