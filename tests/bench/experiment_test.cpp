// The experiment catalogue, and a whole panel on a tiny synthetic task: summary fields, ranks,
// divergence accounting, determinism.
#include "l2o/bench/experiment.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "l2o/bench/bench_run.hpp"
#include "l2o/bench/results_io.hpp"
#include "l2o/core/error.hpp"
#include "l2o/optim/registry.hpp"
#include "l2o/optim/train_loop.hpp"
#include "support/synthetic_data.hpp"

using namespace l2o;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A tiny panel: 8-8-3 on synthetic data, 3 seeds, 30 iterations.
PanelSpec tiny_spec() { return {"tiny", "synthetic", 8, {8}, 16, 30}; }

std::vector<BenchEntry> tiny_optimizers() {
  return {{"sgd", {"sgd", {{"lr", 0.1}}, ""}},
          {"adam", {"adam", {{"lr", 0.01}}, ""}},
          {"sgd-slow", {"sgd", {{"lr", 1e-4}}, ""}},
          {"sgd-huge", {"sgd", {{"lr", 1e300}}, ""}}};  // diverges
}

BenchSettings tiny_settings(int jobs) {
  BenchSettings s;
  s.seeds = 3;
  s.first_seed = 1000;
  s.eval_every = 4;
  s.jobs = jobs;
  s.train_size = -1;
  return s;
}
}  // namespace

TEST(ExperimentCatalog, HasThePapersSettings) {
  const auto all = select_experiments("all");
  ASSERT_EQ(all.size(), 8u);
  auto get = [&](const std::string& n) { return select_experiments(n).at(0); };
  EXPECT_EQ(get("fig1").width, 48);
  EXPECT_EQ(get("fig1").hidden, std::vector<int>{48});
  EXPECT_EQ(get("fig1").batch, 64);
  EXPECT_EQ(get("fig2").width, 100);
  EXPECT_EQ(get("fig2").hidden, std::vector<int>{200});
  EXPECT_EQ(get("fig3").batch, 10);
  EXPECT_EQ(get("fig4").batch, 10);
  EXPECT_EQ(get("fig4").width, 100);
  EXPECT_EQ(get("fig5").iters, 800);
  EXPECT_EQ(get("fig5").batch, 64);
  EXPECT_EQ(get("fig1").datasets, (std::vector<std::string>{"tfd", "cifar10", "cifar100"}));
  EXPECT_EQ(get("mnist").datasets, std::vector<std::string>{"mnist"});
  EXPECT_EQ(get("fashion-mnist").iters, 400);
  EXPECT_EQ(get("narrow").width, 16);
  EXPECT_EQ(get("narrow").hidden, std::vector<int>{16});
  EXPECT_EQ(get("narrow").datasets, get("fig1").datasets);
  EXPECT_EQ(panels_of(all).size(), 6u * 3u + 2u);
  EXPECT_EQ(panels_of(all)[0].arch_template(), "48-48-p");
  EXPECT_EQ(panels_of(all)[3].arch(10), (std::vector<int>{100, 200, 10}));
}

TEST(ExperimentCatalog, UnknownNamesAreErrors) {
  std::string msg = error_of([] { select_experiments("fig9"); });
  EXPECT_NE(msg.find("--experiment: unknown experiment 'fig9'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("fig5"), std::string::npos) << msg;
  msg = error_of([] { panels_of(select_experiments("fig1"), {"svhn"}); });
  EXPECT_NE(msg.find("--datasets: data set 'svhn'"), std::string::npos) << msg;
  EXPECT_EQ(panels_of(select_experiments("all"), {"tfd"}).size(), 6u);
  msg = error_of([] { parse_policy_arg("foo=bar.json"); });
  EXPECT_NE(msg.find("--policy"), std::string::npos) << msg;
  EXPECT_THROW(parse_policy_arg("psd"), Error);
  EXPECT_EQ(parse_policy_arg("psd-long=p.json"), std::make_pair(std::string("psd-long"), std::string("p.json")));
  msg = error_of([] { bench_entries({"sgd", "foo"}, {}, nullptr); });
  EXPECT_NE(msg.find("unknown optimizer 'foo'"), std::string::npos) << msg;
  msg = error_of([] { bench_entries({"psd-long"}, {}, nullptr); });
  EXPECT_NE(msg.find("--policy psd-long=FILE"), std::string::npos) << msg;
  msg = error_of([] { bench_entries({"sgd"}, {}, nullptr); });
  EXPECT_NE(msg.find("tuned"), std::string::npos) << msg;
}

TEST(BenchEntries, LearnedNamesUseTheirPolicyOrTheShippedOne) {
  auto entries = bench_entries({"psd", "l2l"}, {{"psd", "my.json"}, {"psd-2", "other.json"}}, nullptr);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].label, "psd");
  EXPECT_EQ(entries[0].spec.policy_file, "my.json");
  EXPECT_EQ(entries[1].label, "l2l");
  EXPECT_EQ(entries[1].spec.name, "l2l");
  EXPECT_EQ(entries[1].spec.policy_file, shipped_policy_path("l2l"));
  EXPECT_EQ(entries[2].label, "psd-2");
  EXPECT_EQ(entries[2].spec.name, "psd");
  EXPECT_EQ(entries[2].spec.policy_file, "other.json");
  EXPECT_THROW(bench_entries({"sgd"}, {{"psd", "a.json"}, {"psd", "b.json"}}, nullptr), Error);
  // The longest learned name a label starts with: "psd-small-2" is a psd-small label, not a psd one.
  entries = bench_entries({}, {{"psd-small", "s.json"}, {"psd-small-2", "t.json"}}, nullptr);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].spec.name, "psd-small");
  EXPECT_EQ(entries[1].label, "psd-small-2");
  EXPECT_EQ(entries[1].spec.name, "psd-small");
}

TEST(RunPanel, SummaryHasTheRequiredFieldsRanksAndDivergenceCounts) {
  const auto data = test_support::synthetic_dataset(8, 3, 200, 40);
  const PanelResult panel = run_panel(tiny_spec(), data, tiny_optimizers(), tiny_settings(2));
  const nlohmann::json j = panel_summary_json(panel);
  for (const char* key : {"experiment", "dataset", "arch", "batch", "iters", "seeds", "optimizers"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["experiment"], "tiny");
  EXPECT_EQ(j["arch"], "8-8-3");
  EXPECT_EQ(j["batch"], 16);
  EXPECT_EQ(j["iters"], 30);
  EXPECT_EQ(j["seeds"], 3);
  ASSERT_EQ(j["optimizers"].size(), 4u);
  for (const auto& o : j["optimizers"])
    for (const char* key : {"name", "final_objective_mean", "final_objective_std", "meta_loss_mean", "diverged_runs",
                            "rank", "speedup_over_adam"})
      EXPECT_TRUE(o.contains(key)) << key;

  // Meta-losses recomputed independently through the train loop.
  MlpConfig config;
  config.arch = {8, 8, 3};
  const MlpTask task(data, config, -1, 0);
  for (std::size_t k = 0; k < 3; ++k) {
    const BenchEntry entry = tiny_optimizers()[k];
    double sum = 0.0, final_sum = 0.0;
    for (std::uint64_t seed = 1000; seed < 1003; ++seed) {
      auto opt = make_hand_designed(entry.spec.name, entry.spec.hyper);
      RunOptions ro;
      ro.iters = 30;
      ro.batch = 16;
      ro.seed = seed;
      ro.eval_every = 4;
      const RunResult r = run_optimizer(task, *opt, ro);
      sum += r.meta_loss();
      final_sum += r.final_objective();
    }
    EXPECT_NEAR(j["optimizers"][k]["meta_loss_mean"].get<double>(), sum / 3, 1e-9 * sum) << entry.label;
    EXPECT_NEAR(j["optimizers"][k]["final_objective_mean"].get<double>(), final_sum / 3, 1e-9 * final_sum);
  }

  // Ranks: a permutation consistent with the meta-losses; the diverging optimizer is last.
  const auto& opts = j["optimizers"];
  EXPECT_EQ(opts[3]["diverged_runs"], 3);
  EXPECT_TRUE(opts[3]["meta_loss_mean"].is_null());
  EXPECT_TRUE(opts[3]["final_objective_mean"].is_null());
  EXPECT_TRUE(opts[3]["speedup_over_adam"].is_null());
  EXPECT_EQ(opts[3]["rank"], 4);
  EXPECT_EQ(opts[3]["divergences"].size(), 3u);
  std::vector<int> ranks;
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(opts[k]["diverged_runs"], 0);
    ranks.push_back(opts[k]["rank"].get<int>());
  }
  std::sort(ranks.begin(), ranks.end());
  EXPECT_EQ(ranks, (std::vector<int>{1, 2, 3}));
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b)
      if (opts[a]["meta_loss_mean"].get<double>() < opts[b]["meta_loss_mean"].get<double>())
        EXPECT_LT(opts[a]["rank"].get<int>(), opts[b]["rank"].get<int>());
  // The slow SGD barely moves: worse than SGD with a sensible step, and Adam reaches its final
  // value quickly (speed-up well below 1).
  EXPECT_GT(opts[2]["meta_loss_mean"].get<double>(), opts[0]["meta_loss_mean"].get<double>());
  ASSERT_TRUE(opts[2]["speedup_over_adam"].is_number());
  EXPECT_LT(opts[2]["speedup_over_adam"].get<double>(), 0.5);
  // Adam reaches its own final mean no later than its last iteration.
  ASSERT_TRUE(opts[1]["speedup_over_adam"].is_number());
  EXPECT_LE(opts[1]["speedup_over_adam"].get<double>(), 1.0);

  // The curve statistics cover every evaluated iteration; the diverged optimizer's stop early.
  EXPECT_EQ(panel.optimizers[0].stats.iters, (std::vector<int>{0, 4, 8, 12, 16, 20, 24, 28, 30}));
  EXPECT_EQ(panel.optimizers[0].stats.runs.back(), 3);
  EXPECT_LT(panel.optimizers[3].stats.iters.back(), 30);
}

TEST(RunPanel, TheSameSeedsGiveTheSameSummaryWhateverTheThreads) {
  const auto data = test_support::synthetic_dataset(8, 3, 200, 40);
  const auto a = panel_summary_json(run_panel(tiny_spec(), data, tiny_optimizers(), tiny_settings(1)));
  const auto b = panel_summary_json(run_panel(tiny_spec(), data, tiny_optimizers(), tiny_settings(2)));
  EXPECT_EQ(without_measurements(a).dump(), without_measurements(b).dump());  // seconds are measured
  BenchSettings other = tiny_settings(2);
  other.first_seed = 2000;
  const auto c = panel_summary_json(run_panel(tiny_spec(), data, tiny_optimizers(), other));
  EXPECT_NE(a["optimizers"][0]["meta_loss_mean"], c["optimizers"][0]["meta_loss_mean"]) << "seeds matter";
}

TEST(RunPanel, RejectsDataOfTheWrongWidthAndBadOptimizers) {
  const auto data = test_support::synthetic_dataset(6, 3, 50, 10);
  std::string msg = error_of([&] { run_panel(tiny_spec(), data, tiny_optimizers(), tiny_settings(1)); });
  EXPECT_NE(msg.find("width 6"), std::string::npos) << msg;
  const auto good = test_support::synthetic_dataset(8, 3, 50, 10);
  msg = error_of([&] {
    run_panel(tiny_spec(), good, {{"bad", {"sgd", {{"lr", -3.0}}, ""}}}, tiny_settings(1));
  });
  EXPECT_NE(msg.find("lr"), std::string::npos) << msg;
}

TEST(RunPanelTunedPerTask, RunsWithTheValuesTunedOnThePanelsOwnTask) {
  const auto data = test_support::synthetic_dataset(8, 3, 200, 40);
  TuneSettings tune;
  tune.seeds = 2;
  tune.step_sizes = {1e-4, 1e-2, 0.3};
  tune.momenta = {0.5, 0.9};
  std::vector<TuneResult> tuned;
  const std::vector<BenchEntry> entries{{"sgd", {"sgd", {{"lr", 1e-4}}, ""}}, {"adam", {"adam", {{"lr", 1e-4}}, ""}}};
  const PanelResult p = run_panel_tuned_per_task(tiny_spec(), data, entries, tiny_settings(2), tune, &tuned);
  EXPECT_EQ(p.tuning, "per-task");
  EXPECT_EQ(p.file_stem(), "tiny_synthetic_per-task");
  ASSERT_EQ(tuned.size(), 2u);
  EXPECT_EQ(tuned[0].optimizer, "sgd");
  EXPECT_EQ(tuned[0].grid.size(), 3u);
  EXPECT_EQ(tuned[1].grid.size(), 6u);
  // The panel ran with the tuned values (not the 1e-4 it was given), with the evaluation seeds.
  EXPECT_EQ(p.optimizers[0].hyper["lr"], tuned[0].best_hyper()["lr"]);
  EXPECT_EQ(p.optimizers[1].hyper["beta1"], tuned[1].best_hyper()["beta1"]);
  EXPECT_NE(p.optimizers[0].hyper["lr"].get<double>(), 1e-4);
  EXPECT_EQ(p.seeds, (std::vector<std::uint64_t>{1000, 1001, 1002}));
  // The tuner's choice on the panel's horizon and batch is the best of its grid.
  for (const auto& gp : tuned[0].grid)
    if (gp.diverged_runs == 0) EXPECT_LE(tuned[0].grid[tuned[0].best].meta_loss_mean, gp.meta_loss_mean);
}
