// The run store of a resumable `l2o bench`/`l2o tune`: a kept run is found again with exactly its
// numbers (non-finite ones included), a key that differs in any setting finds nothing, a damaged
// file counts as absent, and a panel run against a store gives the same results whether its runs
// are computed or reused.
#include "l2o/bench/run_store.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "l2o/bench/experiment.hpp"
#include "l2o/bench/results_io.hpp"
#include "l2o/bench/tune.hpp"
#include "l2o/core/error.hpp"
#include "support/synthetic_data.hpp"
#include "support/temp_dir.hpp"

using namespace l2o;
namespace fs = std::filesystem;

namespace {
using test_support::TempDir;

nlohmann::json key(int seed) { return {{"task", "abc"}, {"seed", seed}, {"optimizer", {{"lr", 0.1}}}}; }

StoredRun sample_run() {
  StoredRun r;
  r.curve.iters = {0, 5, 10};
  r.curve.objective = {2.0, 1.0 / 3.0, 0.1 + 0.2};  // values whose decimal forms do not terminate
  r.curve.diverged = true;
  r.curve.diverged_iter = 12;
  r.curve.divergence = "NaN in the gradient";
  r.test_accuracy = std::numeric_limits<double>::quiet_NaN();
  return r;
}
}  // namespace

TEST(RunStore, KeepsAndFindsARunBitForBit) {
  TempDir dir;
  const RunStore store(dir.str("runs"), "--out");
  EXPECT_FALSE(store.find(key(1)).has_value());
  store.keep(key(1), sample_run());
  const auto found = store.find(key(1));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->curve.iters, sample_run().curve.iters);
  EXPECT_EQ(found->curve.objective, sample_run().curve.objective);  // exact, not approximate
  EXPECT_TRUE(found->curve.diverged);
  EXPECT_EQ(found->curve.diverged_iter, 12);
  EXPECT_EQ(found->curve.divergence, "NaN in the gradient");
  EXPECT_TRUE(std::isnan(found->test_accuracy));
  EXPECT_EQ(store.reused(), 1);
  // Another process (a fresh store on the same folder) finds it too.
  EXPECT_TRUE(RunStore(dir.str("runs"), "--out").find(key(1)).has_value());
}

TEST(RunStore, AnotherKeyFindsNothing) {
  TempDir dir;
  const RunStore store(dir.str("runs"), "--out");
  store.keep(key(1), sample_run());
  EXPECT_FALSE(store.find(key(2)).has_value());
  nlohmann::json other = key(1);
  other["optimizer"]["lr"] = 0.1000001;
  EXPECT_FALSE(store.find(other).has_value());
  EXPECT_EQ(store.reused(), 0);
}

TEST(RunStore, DamagedFilesCountAsAbsent) {
  TempDir dir;
  const RunStore store(dir.str("runs"), "--out");
  store.keep(key(1), sample_run());
  const std::string path = store.path_of(key(1));
  std::string text;
  {
    std::ifstream in(path);
    std::getline(in, text);
  }
  std::ofstream(path) << text.substr(0, text.size() / 2);  // truncated
  EXPECT_FALSE(store.find(key(1)).has_value());
  std::ofstream(path) << R"({"format": "l2o-run 1", "key": {"seed": 9}, "run": {}})";  // another key inside
  EXPECT_FALSE(store.find(key(1)).has_value());
}

TEST(RunStore, DisabledStoreKeepsNothing) {
  const RunStore store;
  EXPECT_FALSE(store.enabled());
  store.keep(key(1), sample_run());
  EXPECT_FALSE(store.find(key(1)).has_value());
}

TEST(RunStore, UnwritableFolderIsRefusedAtOnce) {
  TempDir dir;
  std::ofstream(dir.str("file")) << "x";
  EXPECT_THROW(RunStore(dir.str("file/runs"), "--out"), Error);
}

TEST(RunStore, PanelResultsAreTheSameWhetherRunsAreComputedOrReused) {
  TempDir dir;
  const auto data = test_support::synthetic_dataset(8, 3, 120, 30);
  const PanelSpec spec{"tiny", "synthetic", 8, {8}, 16, 20};
  const std::vector<BenchEntry> opts{{"sgd", {"sgd", {{"lr", 0.1}}, ""}}, {"adam", {"adam", {{"lr", 0.01}}, ""}}};
  BenchSettings s;
  s.seeds = 3;
  s.eval_every = 5;
  s.train_size = -1;
  const nlohmann::json plain = panel_summary_json(run_panel(spec, data, opts, s));
  const RunStore store(dir.str("runs"), "--out");
  const PanelResult first = run_panel(spec, data, opts, s, false, store);
  EXPECT_EQ(first.reused_runs, 0);
  const PanelResult second = run_panel(spec, data, opts, s, false, store);
  EXPECT_EQ(second.reused_runs, 6);
  EXPECT_EQ(panel_summary_json(first), plain);
  EXPECT_EQ(panel_summary_json(second), plain);
  // A post-processing setting reuses the runs; one that changes the runs does not.
  BenchSettings strict = s;
  strict.divergence_factor = 1.01;
  EXPECT_EQ(run_panel(spec, data, opts, strict, false, store).reused_runs, 6);
  BenchSettings other = s;
  other.eval_every = 4;
  EXPECT_EQ(run_panel(spec, data, opts, other, false, store).reused_runs, 0);
}

TEST(RunStore, TuningReusesItsRuns) {
  TempDir dir;
  const auto data = test_support::synthetic_dataset(8, 3, 120, 30);
  MlpConfig mc;
  mc.arch = {8, 8, 3};
  const MlpTask task(data, mc, -1);
  TuneSettings s;
  s.iters = 15;
  s.batch = 16;
  s.seeds = 2;
  s.step_sizes = {0.01, 0.1};
  s.momenta = {0.9};
  const nlohmann::json plain = tune_results_json(tune_on_task(task, {"sgd", "adam"}, s));
  const RunStore store(dir.str("runs"), "--out");
  EXPECT_EQ(tune_results_json(tune_on_task(task, {"sgd", "adam"}, s, false, store)), plain);
  EXPECT_EQ(store.reused(), 0);
  EXPECT_EQ(tune_results_json(tune_on_task(task, {"sgd", "adam"}, s, false, store)), plain);
  EXPECT_EQ(store.reused(), 8);  // 2 optimizers x 2 step sizes x 2 seeds
}
