// The run store of a resumable `l2o bench`/`l2o tune`: a kept run is found again with exactly its
// numbers (non-finite ones and seconds included), a key that differs in any setting finds nothing,
// a damaged file counts as absent, a run kept before seconds were recorded still loads (its seconds
// unknown), and a panel run against a store gives the same results whether its runs are computed
// or reused.
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
  r.curve.seconds = {0.0, 0.1 / 3.0, 2.0 / 7.0};
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
  EXPECT_EQ(found->curve.seconds, sample_run().curve.seconds);
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

// A run kept by an l2o that did not record seconds (the same format, without "seconds") is still
// found, with its seconds unknown; seconds of the wrong length make the file count as damaged.
TEST(RunStore, FindsARunKeptBeforeSecondsWereRecorded) {
  TempDir dir;
  const RunStore store(dir.str("runs"), "--out");
  const std::string old_run =
      R"({"iters": [0, 5, 10], "objective": [2.0, 1.5, 1.25], "diverged": false, "diverged_iter": -1, )"
      R"("divergence": "", "test_accuracy": 0.75})";
  std::ofstream(store.path_of(key(1))) << R"({"format": "l2o-run 1", "key": )" << key(1).dump()
                                       << R"(, "run": )" << old_run << "}\n";
  const auto found = store.find(key(1));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->curve.objective, (std::vector<double>{2.0, 1.5, 1.25}));
  EXPECT_TRUE(found->curve.seconds.empty());
  EXPECT_FALSE(found->curve.has_seconds());
  EXPECT_EQ(found->test_accuracy, 0.75);

  nlohmann::json short_seconds = nlohmann::json::parse(old_run);
  short_seconds["seconds"] = {0.0, 0.5};
  std::ofstream(store.path_of(key(2)))
      << nlohmann::json{{"format", "l2o-run 1"}, {"key", key(2)}, {"run", short_seconds}};
  EXPECT_FALSE(store.find(key(2)).has_value());
}

TEST(RunStore, BytesCarryTheSecondsAndTheirAbsence) {
  const StoredRun back = decode_stored_run(encode_stored_run(sample_run()));
  EXPECT_EQ(back.curve.seconds, sample_run().curve.seconds);
  EXPECT_EQ(back.curve.objective, sample_run().curve.objective);
  StoredRun old = sample_run();
  old.curve.seconds.clear();
  EXPECT_FALSE(decode_stored_run(encode_stored_run(old)).curve.has_seconds());
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
  // Seconds are measured, so they differ between runs; everything else must not.
  const nlohmann::json plain = without_measurements(panel_summary_json(run_panel(spec, data, opts, s)));
  const RunStore store(dir.str("runs"), "--out");
  const PanelResult first = run_panel(spec, data, opts, s, false, store);
  EXPECT_EQ(first.reused_runs, 0);
  const PanelResult second = run_panel(spec, data, opts, s, false, store);
  EXPECT_EQ(second.reused_runs, 6);
  EXPECT_EQ(without_measurements(panel_summary_json(first)), plain);
  EXPECT_EQ(panel_summary_json(second), panel_summary_json(first)) << "reused runs keep their seconds exactly";
  EXPECT_TRUE(panel_summary_json(second)["optimizers"][1]["speedup_over_adam_seconds"].is_number());  // adam's
  // A post-processing setting reuses the runs; one that changes the runs does not.
  BenchSettings strict = s;
  strict.divergence_factor = 1.01;
  EXPECT_EQ(run_panel(spec, data, opts, strict, false, store).reused_runs, 6);
  BenchSettings other = s;
  other.eval_every = 4;
  EXPECT_EQ(run_panel(spec, data, opts, other, false, store).reused_runs, 0);
}

// A bench resumed from a run store written before l2o recorded seconds: the runs are reused, the
// seconds speed-ups are null with the reason, and nothing else changes.
TEST(RunStore, ABenchResumedFromAStoreWithoutSecondsSaysTheyAreUnknown) {
  TempDir dir;
  const auto data = test_support::synthetic_dataset(8, 3, 120, 30);
  const PanelSpec spec{"tiny", "synthetic", 8, {8}, 16, 20};
  const std::vector<BenchEntry> opts{{"sgd", {"sgd", {{"lr", 0.1}}, ""}}, {"adam", {"adam", {{"lr", 0.01}}, ""}}};
  BenchSettings s;
  s.seeds = 2;
  s.eval_every = 5;
  s.train_size = -1;
  const RunStore store(dir.str("runs"), "--out");
  const nlohmann::json fresh = panel_summary_json(run_panel(spec, data, opts, s, false, store));
  int rewritten = 0;
  for (const auto& entry : fs::directory_iterator(dir.str("runs"))) {
    std::ifstream in(entry.path());
    nlohmann::json doc = nlohmann::json::parse(in);
    in.close();
    ASSERT_TRUE(doc["run"].contains("seconds"));
    doc["run"].erase("seconds");
    std::ofstream(entry.path()) << doc.dump() << "\n";
    ++rewritten;
  }
  ASSERT_EQ(rewritten, 4);
  const PanelResult resumed = run_panel(spec, data, opts, s, false, store);
  EXPECT_EQ(resumed.reused_runs, 4);
  const nlohmann::json j = panel_summary_json(resumed);
  for (const auto& o : j["optimizers"]) {
    EXPECT_TRUE(o["speedup_over_adam"].is_number() || o.contains("speedup_over_adam_more_than")) << o.dump();
    EXPECT_TRUE(o["speedup_over_adam_seconds"].is_null()) << o.dump();
    EXPECT_FALSE(o.contains("speedup_over_adam_seconds_more_than"));
    EXPECT_TRUE(o["seconds_per_iteration"].is_null());
    EXPECT_NE(o["seconds_note"].get<std::string>().find("2 of its 2 runs were kept in runs/"), std::string::npos)
        << o.dump();
  }
  EXPECT_EQ(without_measurements(j), without_measurements(fresh));
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
