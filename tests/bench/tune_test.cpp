// The tuner: its grid, its criterion (with divergence) and its choice, on synthetic trials with a
// known answer and on a tiny MLP where the answer is computed independently.
#include "l2o/bench/tune.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "l2o/bench/curve_stats.hpp"
#include "l2o/bench/optimizer_factory.hpp"
#include "l2o/core/error.hpp"
#include "l2o/optim/registry.hpp"
#include "l2o/optim/train_loop.hpp"
#include "support/synthetic_data.hpp"

using namespace l2o;

TEST(HalfDecadeGrid, CoversOneE5ToTen) {
  const auto g = half_decade_grid(1e-5, 10.0);
  ASSERT_EQ(g.size(), 13u);
  EXPECT_NEAR(g.front(), 1e-5, 1e-20);
  EXPECT_NEAR(g[1], 3.1622776601683795e-05, 1e-18);
  EXPECT_NEAR(g[2], 1e-4, 1e-19);
  EXPECT_NEAR(g.back(), 10.0, 1e-12);
  for (std::size_t i = 1; i < g.size(); ++i) EXPECT_NEAR(g[i] / g[i - 1], std::sqrt(10.0), 1e-9);
  EXPECT_THROW(half_decade_grid(0.0, 1.0), Error);
}

TEST(TuningGrid, FollowsTheRegistrysTunableKeys) {
  TuneSettings s;
  const auto sgd = tuning_grid(tunable_keys("sgd"), s);
  ASSERT_EQ(sgd.size(), 13u);
  EXPECT_EQ(sgd[0].size(), 1u);
  EXPECT_TRUE(sgd[0].contains("lr"));
  const auto adam = tuning_grid(tunable_keys("adam"), s);
  ASSERT_EQ(adam.size(), 13u * 4u);
  EXPECT_DOUBLE_EQ(adam[0]["beta1"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(adam.back()["beta1"].get<double>(), 0.99);
  EXPECT_NEAR(adam.back()["lr"].get<double>(), 10.0, 1e-12);
  EXPECT_EQ(tuning_grid(tunable_keys("momentum"), s).size(), 52u);
  // Every grid point is a valid optimizer.
  for (const auto& name : hand_designed_names())
    for (const auto& h : tuning_grid(tunable_keys(name), s)) EXPECT_NO_THROW(make_optimizer({name, h, ""})) << name;
}

namespace {
// A synthetic problem whose meta-loss is (log10 lr + 2)^2 + 0.01 * seed: best lr 1e-2. Step sizes
// above 1 diverge; lr = 10^-1.5 diverges for seed 1 only although its converged meta-loss would be best.
TrialOutcome synthetic_trial(const std::string&, const nlohmann::json& hyper, std::uint64_t seed) {
  const double lr = hyper["lr"].get<double>();
  if (lr > 1.0) return {std::numeric_limits<double>::infinity(), true, "lr too large"};
  if (std::abs(std::log10(lr) + 1.5) < 1e-9 && seed == 1) return {std::numeric_limits<double>::infinity(), true, "unlucky"};
  const double offset = std::abs(std::log10(lr) + 1.5) < 1e-9 ? -1.0 : 0.0;  // would be best if it never diverged
  // With a momentum key, 0.9 is best.
  const double mom_penalty = hyper.contains("momentum") ? std::abs(hyper["momentum"].get<double>() - 0.9) : 0.0;
  return {std::pow(std::log10(lr) + 2.0, 2) + 0.01 * static_cast<double>(seed) + offset + mom_penalty, false, ""};
}
}  // namespace

TEST(TuneGrid, PicksTheKnownBestAndRanksDivergedPointsLast) {
  TuneSettings s;
  s.seeds = 3;
  s.first_seed = 0;
  const std::vector<TuneJob> jobs{{"sgd", tuning_grid(TunableKeys{"lr", ""}, s)},
                                  {"momentum", tuning_grid(TunableKeys{"lr", "momentum"}, s)}};
  for (int threads : {1, 2}) {
    s.jobs = threads;
    const auto results = tune_grid(jobs, s, synthetic_trial);
    ASSERT_EQ(results.size(), 2u);
    EXPECT_NEAR(results[0].best_hyper()["lr"].get<double>(), 1e-2, 1e-15);
    EXPECT_NEAR(results[1].best_hyper()["lr"].get<double>(), 1e-2, 1e-15);
    EXPECT_DOUBLE_EQ(results[1].best_hyper()["momentum"].get<double>(), 0.9);
    // The point with one diverged seed keeps its count and the mean of its other runs.
    for (const auto& gp : results[0].grid) {
      const double lr = gp.hyper["lr"].get<double>();
      if (std::abs(std::log10(lr) + 1.5) < 1e-9) {
        EXPECT_EQ(gp.diverged_runs, 1);
        EXPECT_NEAR(gp.meta_loss_mean, 0.25 - 1.0 + 0.01, 1e-12);  // seeds 0 and 2
      }
      if (lr > 1.0) EXPECT_EQ(gp.diverged_runs, 3);
    }
    // The mean meta-loss of the best point: (0 + 0.01 + 0.02) / 3.
    EXPECT_NEAR(results[0].grid[results[0].best].meta_loss_mean, 0.01, 1e-12);
    EXPECT_FALSE(results[0].all_diverged());
  }
}

TEST(LocalGrid, HalfDecadesAroundTheCentre) {
  const auto g = local_step_sizes(0.01, 2);
  ASSERT_EQ(g.size(), 5u);
  EXPECT_NEAR(g.front(), 1e-3, 1e-18);
  EXPECT_DOUBLE_EQ(g[2], 0.01);
  EXPECT_NEAR(g.back(), 0.1, 1e-15);
  EXPECT_THROW(local_step_sizes(0.0, 2), Error);
  EXPECT_THROW(local_step_sizes(0.01, 0), Error);
}

namespace {
std::vector<nlohmann::json> local_points(double centre, int half_decades, nlohmann::json base = nlohmann::json::object()) {
  std::vector<nlohmann::json> out;
  for (double lr : local_step_sizes(centre, half_decades)) {
    nlohmann::json h = base;
    h["lr"] = lr;
    out.push_back(h);
  }
  return out;
}
}  // namespace

TEST(LocalGrid, AnInteriorBestNeedsNoExtension) {
  TuneSettings s;
  s.seeds = 2;
  s.local_half_decades = 2;
  int calls = 0;
  const TrialFn counted = [&](const std::string& n, const nlohmann::json& h, std::uint64_t seed) {
    ++calls;
    return synthetic_trial(n, h, seed);
  };
  // Centred on the answer (1e-2): five points, the best in the middle, no extra run.
  const auto r = tune_local_grid({{"sgd", local_points(1e-2, 2)}}, {"lr"}, s, counted);
  ASSERT_EQ(r[0].grid.size(), 5u);
  EXPECT_EQ(calls, 10);
  EXPECT_EQ(r[0].best, 2u);
  EXPECT_DOUBLE_EQ(r[0].best_hyper()["lr"].get<double>(), 1e-2);
}

TEST(LocalGrid, GrowsPastTheEdgeUntilTheBestIsInsideAndKeepsOtherKeys) {
  TuneSettings s;
  s.seeds = 1;
  s.local_half_decades = 1;
  // (log10 lr + 2)^2: best 1e-2; above 1 it diverges.
  const TrialFn bowl = [](const std::string&, const nlohmann::json& h, std::uint64_t) {
    const double lr = h["lr"].get<double>();
    if (lr > 1.0) return TrialOutcome{std::numeric_limits<double>::infinity(), true, "lr too large"};
    return TrialOutcome{std::pow(std::log10(lr) + 2.0, 2), false, ""};
  };
  for (double centre : {1e-4, 1.0}) {  // the answer 1e-2 is 4 half decades above / below
    for (int threads : {1, 2}) {
      s.jobs = threads;
      const auto r = tune_local_grid({{"momentum", local_points(centre, 1, {{"momentum", 0.9}})}}, {"lr"}, s, bowl);
      EXPECT_NEAR(r[0].best_hyper()["lr"].get<double>(), 1e-2, 1e-15) << centre;
      EXPECT_DOUBLE_EQ(r[0].best_hyper()["momentum"].get<double>(), 0.9);
      // Sorted by step size; the best has a neighbour on each side.
      for (std::size_t p = 1; p < r[0].grid.size(); ++p)
        EXPECT_LT(r[0].grid[p - 1].hyper["lr"].get<double>(), r[0].grid[p].hyper["lr"].get<double>());
      EXPECT_GT(r[0].best, 0u);
      EXPECT_LT(r[0].best + 1, r[0].grid.size());
    }
  }
  // At most max_extensions points are added: from 1e-7 with 2 extensions the best stays at the edge.
  s.max_extensions = 2;
  const auto r = tune_local_grid({{"sgd", local_points(1e-7, 1)}}, {"lr"}, s, bowl);
  EXPECT_EQ(r[0].grid.size(), 5u);
  EXPECT_EQ(r[0].best + 1, r[0].grid.size());
}

namespace {
// An 8-8-3 MLP on `examples` synthetic examples, and tuning settings for it (seeds from 0).
MlpTask tiny_mlp(int examples) {
  return MlpTask(test_support::synthetic_dataset(8, 3, examples, examples / 10), {{8, 8, 3}, Activation::Relu, 0.0, 1.0},
                 -1, 0);
}
TuneSettings tiny_tuning(int iters, int batch, int seeds) {
  TuneSettings s;
  s.iters = iters;
  s.batch = batch;
  s.seeds = seeds;
  s.first_seed = 0;
  return s;
}
}  // namespace

TEST(TuneOnTask, ALocalGridNeedsACentreForEachOptimizer) {
  const MlpTask task = tiny_mlp(100);
  TuneSettings s = tiny_tuning(5, 8, 1);
  s.local_half_decades = 1;
  EXPECT_THROW(tune_on_task(task, {"sgd"}, s), Error);
  const auto r = tune_on_task(task, {"sgd"}, s, false, RunStore(), {{"sgd", {{"lr", 0.1}}}});
  ASSERT_GE(r[0].grid.size(), 3u);
}

TEST(TuneOnTask, PicksTheStepSizeWithTheLowestMeanMetaLossOnATinyMlp) {
  const MlpTask task = tiny_mlp(300);
  TuneSettings s = tiny_tuning(40, 16, 2);
  s.eval_every = 1;
  s.jobs = 2;
  s.step_sizes = {1e-4, 1e-2, 1e-1, 1.0, 1e3};
  const auto results = tune_on_task(task, {"sgd"}, s);
  ASSERT_EQ(results.size(), 1u);
  const TuneResult& r = results[0];
  ASSERT_EQ(r.grid.size(), 5u);

  // Independently: run every step size with every seed through the train loop.
  double best_loss = std::numeric_limits<double>::infinity();
  double best_lr = 0.0;
  for (double lr : s.step_sizes) {
    double sum = 0.0;
    bool diverged = false;
    for (std::uint64_t seed = 0; seed < 2; ++seed) {
      auto opt = make_hand_designed("sgd", {{"lr", lr}});
      RunOptions ro;
      ro.iters = 40;
      ro.batch = 16;
      ro.seed = seed;
      const RunResult run = run_optimizer(task, *opt, ro);
      diverged |= run.diverged;
      sum += run.meta_loss();
    }
    if (!diverged && sum / 2 < best_loss) {
      best_loss = sum / 2;
      best_lr = lr;
    }
  }
  EXPECT_DOUBLE_EQ(r.best_hyper()["lr"].get<double>(), best_lr);
  EXPECT_NEAR(r.grid[r.best].meta_loss_mean, best_loss, 1e-9 * best_loss);
  // The answer is an interior point: the smallest step barely moves, the largest blows up.
  EXPECT_GT(best_lr, 1e-4);
  EXPECT_LT(best_lr, 1e3);
}

TEST(TuneOnTask, RejectsLearnedAndUnknownOptimizers) {
  auto data = test_support::synthetic_dataset(4, 2, 20, 5);
  const MlpTask task(data, {{4, 3, 2}, Activation::Relu, 0.0, 1.0}, -1, 0);
  TuneSettings s;
  s.iters = 2;
  s.seeds = 1;
  try {
    tune_on_task(task, {"psd"}, s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("learned"), std::string::npos) << e.what();
  }
  try {
    tune_on_task(task, {"sgdd"}, s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown optimizer 'sgdd'"), std::string::npos) << e.what();
  }
}

TEST(TunedFile, WritesLoadsAndMergesUnderTheSameSettings) {
  const auto dir = std::filesystem::path(L2O_BINARY_DIR) / "bench_test_tuned";
  std::filesystem::remove_all(dir);
  const std::string path = (dir / "tuned.json").string();
  TuneSettings s;
  s.seeds = 2;
  const nlohmann::json settings = tune_settings_json(s, {{"dataset", "mnist"}, {"arch", "48-48-10"}});
  EXPECT_EQ(settings["seeds"], nlohmann::json({0, 1}));
  EXPECT_EQ(settings["dataset"], "mnist");

  TuneResult sgd;
  sgd.optimizer = "sgd";
  sgd.grid = {{{{"lr", 0.1}}, {3.0, 5.0}, 0, 4.0, 1.4, {}},
              {{{"lr", 10.0}}, {std::numeric_limits<double>::infinity(), 2.0}, 1, 2.0, 0.0, {"x"}}};
  sgd.best = 0;
  write_tuned_file(path, {sgd}, settings, "l2o tune --optimizers sgd");
  TunedTable t = TunedTable::load(path);
  EXPECT_DOUBLE_EQ(t.hyper("sgd")["lr"].get<double>(), 0.1);
  EXPECT_EQ(t.json()["command"], "l2o tune --optimizers sgd");
  EXPECT_TRUE(t.json()["optimizers"]["sgd"]["grid"][1]["meta_losses"][0].is_null());  // diverged -> null
  EXPECT_EQ(t.json()["optimizers"]["sgd"]["grid"][1]["diverged_runs"], 1);

  TuneResult adam = sgd;
  adam.optimizer = "adam";
  write_tuned_file(path, {adam}, settings, "l2o tune --optimizers adam");
  t = TunedTable::load(path);
  EXPECT_TRUE(t.has("sgd")) << "same settings: the earlier entry is kept";
  EXPECT_TRUE(t.has("adam"));
  EXPECT_EQ(t.json()["optimizers"]["sgd"]["command"], "l2o tune --optimizers sgd");

  nlohmann::json other = settings;
  other["iters"] = 7;
  write_tuned_file(path, {adam}, other, "l2o tune --iters 7");
  t = TunedTable::load(path);
  EXPECT_FALSE(t.has("sgd")) << "different settings: the file is replaced";
  EXPECT_TRUE(t.has("adam"));
  std::filesystem::remove_all(dir);
}
