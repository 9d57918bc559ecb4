// Seconds in `l2o bench`: the seconds a run records at its evaluated iterations, their mean curve,
// the speed-up over Adam in seconds (exact numbers on hand-made curves, its lower bound, and
// unknown seconds from an old run store), and where they show: summary.json, the seconds CSV,
// the objective-vs-seconds figure and report.md.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "l2o/bench/curve_stats.hpp"
#include "l2o/bench/experiment.hpp"
#include "l2o/bench/plots.hpp"
#include "l2o/bench/report.hpp"
#include "l2o/bench/results_io.hpp"
#include "l2o/optim/registry.hpp"
#include "support/synthetic_data.hpp"
#include "support/temp_dir.hpp"

using namespace l2o;

namespace {
const double kNaN = std::nan("");

// A run evaluated at iterations 0, 10, 20, ... with these objectives and cumulative seconds
// (no seconds: as read from a run store written before l2o recorded them).
RunCurve timed(std::vector<double> f, std::vector<double> seconds, bool diverged = false) {
  RunCurve c;
  for (std::size_t k = 0; k < f.size(); ++k) c.iters.push_back(10 * static_cast<int>(k));
  c.objective = std::move(f);
  c.seconds = std::move(seconds);
  c.diverged = diverged;
  if (diverged) c.divergence = "test divergence";
  return c;
}

void add(PanelResult& p, const std::string& label, std::vector<RunCurve> runs) {
  OptimizerOutcome o;
  o.label = label;
  o.kind = label;
  o.runs = std::move(runs);
  o.test_accuracy.assign(o.runs.size(), 0.5);
  p.optimizers.push_back(std::move(o));
}

// Adam: mean objective 4, 2, 1 at iterations 0, 10, 20 and mean cumulative seconds 0, 2, 4.
// "fast" ends at 1.5, which Adam reaches at iteration 15, i.e. after 3 seconds, while "fast" ran
// 1.5 seconds on average (its third run diverged and does not count): speed-up 2 in seconds,
// 0.75 in iterations. "better" ends at 0.5, which Adam never reaches, after 8 seconds: more than
// Adam's 4 / 8 = 0.5 in seconds and more than 20 / 20 in iterations.
PanelResult known_panel(bool fast_timed = true, bool adam_timed = true) {
  PanelResult p;
  p.spec = {"fig1", "tfd", 8, {8}, 16, 20};
  p.dataset_display = "TFD";
  p.arch = {8, 8, 3};
  p.seeds = {1000, 1001, 1002};
  p.eval_every = 10;
  auto s = [](bool known, std::vector<double> v) { return known ? v : std::vector<double>{}; };
  add(p, "adam", {timed({4, 2, 1}, s(adam_timed, {0, 1, 2})), timed({4, 2, 1}, s(adam_timed, {0, 3, 6}))});
  add(p, "fast",
      {timed({4, 2.5, 1.5}, s(fast_timed, {0, 0.5, 1})), timed({4, 2.5, 1.5}, s(fast_timed, {0, 1, 2})),
       timed({4, 3}, s(fast_timed, {0, 50}), true)});
  add(p, "better", {timed({4, 1, 0.5}, {0, 4, 8}), timed({4, 1, 0.5}, {0, 4, 8})});
  summarize_panel(p, "adam");
  return p;
}

const OptimizerOutcome& outcome(const PanelResult& p, const std::string& label) {
  for (const auto& o : p.optimizers)
    if (o.label == label) return o;
  throw std::runtime_error("no optimizer " + label);
}

}  // namespace

TEST(Seconds, RecordedAtTheEvaluatedIterationsOfARealRun) {
  const auto data = test_support::synthetic_dataset(6, 3, 120, 20);
  const MlpTask task(data, {{6, 5, 3}, Activation::Relu, 0.0, 1.0}, -1, 0);
  auto opt = make_hand_designed("sgd", {{"lr", 0.1}});
  RunOptions ro;
  ro.iters = 20;
  ro.batch = 8;
  ro.eval_every = 5;
  const RunResult r = run_optimizer(task, *opt, ro);
  const RunCurve c = curve_from_result(r);
  ASSERT_TRUE(c.has_seconds());
  ASSERT_EQ(c.seconds.size(), 5u);  // iterations 0, 5, 10, 15, 20
  EXPECT_EQ(c.seconds[0], 0.0);
  for (std::size_t k = 1; k < c.seconds.size(); ++k) {
    EXPECT_GT(c.seconds[k], c.seconds[k - 1]) << k;
    EXPECT_EQ(c.seconds[k], r.trace[5 * k].seconds) << "the train loop's seconds at iteration " << 5 * k;
  }
}

TEST(Seconds, MeanCurveAndTotalsKnowWhatTheyDoNotKnow) {
  const CurveStats s = aggregate_curves({timed({4, 2, 1}, {0, 1, 2}), timed({4, 2, 1}, {0, 3, 6})});
  EXPECT_EQ(s.seconds, (std::vector<double>{0, 2, 4}));
  // One run without seconds among those alive: the mean over the others would be a guess.
  const CurveStats partly = aggregate_curves({timed({4, 2, 1}, {0, 1, 2}), timed({4, 2, 1}, {})});
  for (double v : partly.seconds) EXPECT_TRUE(std::isnan(v));
  // Totals: over the runs that did not diverge; unknown if one of them has no seconds.
  EXPECT_DOUBLE_EQ(mean_total_seconds({timed({4, 2}, {0, 1}), timed({4, 3}, {0, 3}), timed({4}, {0.5}, true)}), 2.0);
  EXPECT_TRUE(std::isnan(mean_total_seconds({timed({4, 2}, {0, 1}), timed({4, 3}, {})})));
  EXPECT_DOUBLE_EQ(mean_total_seconds({timed({4, 2}, {0, 1}), timed({4, 3}, {}, true)}), 1.0);
  EXPECT_TRUE(std::isnan(mean_total_seconds({timed({4, 3}, {0, 1}, true)})));  // none converged
  // The blow-up rule cuts the seconds with the objective.
  RunCurve c = timed({2, 3, 500}, {0, 1, 2});
  ASSERT_TRUE(mark_blow_up(c, 100.0));
  EXPECT_EQ(c.seconds, (std::vector<double>{0, 1}));
}

TEST(Seconds, InterpolatesBetweenTheEvaluationsAroundAnIteration) {
  const std::vector<int> it{0, 10, 20};
  EXPECT_DOUBLE_EQ(interpolate_at(it, {0, 2, 4}, 15.0), 3.0);
  EXPECT_DOUBLE_EQ(interpolate_at(it, {0, 2, 4}, 2.5), 0.5);
  EXPECT_DOUBLE_EQ(interpolate_at(it, {0, 2, 4}, 20.0), 4.0);
  EXPECT_TRUE(std::isnan(interpolate_at(it, {0, 2, 4}, 21.0)));
  EXPECT_TRUE(std::isnan(interpolate_at(it, {0, 2, 4}, -1.0)));
  EXPECT_TRUE(std::isnan(interpolate_at(it, {0, kNaN, 4}, 15.0))) << "a NaN neighbour is not skipped";
}

TEST(SecondsSpeedup, OnKnownCurvesWithKnownSeconds) {
  CurveStats adam;
  adam.iters = {0, 10, 20};
  adam.mean = {4, 2, 1};
  adam.seconds = {0, 2, 4};
  // Adam reaches 1.5 at iteration 15, after 3 seconds; the optimizer took 1.5 s.
  Speedup s = seconds_speedup_over(adam, 4.0, 1.5, 1.5);
  ASSERT_TRUE(s.value.has_value());
  EXPECT_DOUBLE_EQ(*s.value, 2.0);
  EXPECT_FALSE(s.lower_bound.has_value());
  EXPECT_DOUBLE_EQ(*seconds_speedup_over(adam, 4.0, 1.0, 4.0).value, 1.0);  // Adam against itself
  EXPECT_DOUBLE_EQ(*seconds_speedup_over(adam, 4.0, 5.0, 1.0).value, 0.0);  // Adam starts below it
  // Never reached by Adam: a lower bound, Adam's total over the optimizer's.
  s = seconds_speedup_over(adam, 4.0, 0.5, 8.0);
  EXPECT_FALSE(s.value.has_value());
  ASSERT_TRUE(s.lower_bound.has_value());
  EXPECT_DOUBLE_EQ(*s.lower_bound, 0.5);
  // Unknown seconds (this optimizer's, Adam's curve or Adam's total) or no target: nothing.
  for (const Speedup& none : {seconds_speedup_over(adam, 4.0, 1.5, kNaN), seconds_speedup_over(adam, kNaN, 0.5, 8.0),
                              seconds_speedup_over(adam, 4.0, kNaN, 1.5)})
    EXPECT_FALSE(none.value || none.lower_bound);
  adam.seconds = {kNaN, kNaN, kNaN};
  s = seconds_speedup_over(adam, 4.0, 1.5, 1.5);
  EXPECT_FALSE(s.value || s.lower_bound);
}

TEST(SecondsSpeedup, ThroughSummarizePanel) {
  const PanelResult p = known_panel();
  const OptimizerOutcome &adam = outcome(p, "adam"), &fast = outcome(p, "fast"), &better = outcome(p, "better");
  EXPECT_DOUBLE_EQ(*adam.speedup_seconds.value, 1.0);
  EXPECT_DOUBLE_EQ(adam.seconds_mean, 4.0);
  EXPECT_DOUBLE_EQ(*fast.speedup.value, 0.75);
  EXPECT_DOUBLE_EQ(*fast.speedup_seconds.value, 2.0);
  EXPECT_DOUBLE_EQ(fast.seconds_mean, 1.5) << "its diverged run (50 s) is left out";
  EXPECT_DOUBLE_EQ(*better.speedup.lower_bound, 1.0);
  EXPECT_FALSE(better.speedup_seconds.value.has_value());
  EXPECT_DOUBLE_EQ(*better.speedup_seconds.lower_bound, 0.5);
  for (const auto& o : p.optimizers) EXPECT_EQ(o.seconds_note, "") << o.label;
}

TEST(SecondsSpeedup, UnknownSecondsGiveNullAndSaySo) {
  // This optimizer's runs came from an old run store.
  const PanelResult p = known_panel(false);
  const OptimizerOutcome& fast = outcome(p, "fast");
  EXPECT_DOUBLE_EQ(*fast.speedup.value, 0.75) << "the iteration speed-up does not need seconds";
  EXPECT_FALSE(fast.speedup_seconds.value || fast.speedup_seconds.lower_bound);
  EXPECT_TRUE(std::isnan(fast.seconds_mean));
  EXPECT_EQ(fast.runs_without_seconds, 3);
  EXPECT_NE(fast.seconds_note.find("3 of its 3 runs were kept in runs/"), std::string::npos) << fast.seconds_note;
  EXPECT_DOUBLE_EQ(*outcome(p, "better").speedup_seconds.lower_bound, 0.5) << "the others are unaffected";
  // One old run among new ones (a bench resumed with more seeds): no mean over the others.
  PanelResult mixed = known_panel();
  mixed.optimizers[1].runs[0].seconds.clear();
  summarize_panel(mixed, "adam");
  EXPECT_FALSE(mixed.optimizers[1].speedup_seconds.value || mixed.optimizers[1].speedup_seconds.lower_bound);
  EXPECT_NE(mixed.optimizers[1].seconds_note.find("1 of its 3 runs"), std::string::npos)
      << mixed.optimizers[1].seconds_note;
  // Adam's runs did: every seconds speed-up is unknown, and the notes name Adam.
  const PanelResult q = known_panel(true, false);
  for (const auto& o : q.optimizers) {
    EXPECT_FALSE(o.speedup_seconds.value || o.speedup_seconds.lower_bound) << o.label;
    EXPECT_NE(o.seconds_note.find(o.label == "adam" ? "2 of its 2 runs" : "2 of the 2 runs of adam"), std::string::npos)
        << o.seconds_note;
  }
  EXPECT_DOUBLE_EQ(outcome(q, "fast").seconds_mean, 1.5) << "its own seconds are still known";
}

TEST(SecondsSummary, HasTheNewFieldsBesideTheIterationOnes) {
  const nlohmann::json j = panel_summary_json(known_panel());
  const auto& adam = j["optimizers"][0];
  const auto& fast = j["optimizers"][1];
  const auto& better = j["optimizers"][2];
  EXPECT_EQ(adam["speedup_over_adam_seconds"], 1.0);
  EXPECT_EQ(adam["seconds_per_iteration"], 0.2);  // 4 s over 20 iterations
  EXPECT_EQ(fast["speedup_over_adam"], 0.75);
  EXPECT_EQ(fast["speedup_over_adam_seconds"], 2.0);
  EXPECT_EQ(fast["seconds_per_iteration"], 0.075);
  EXPECT_FALSE(fast.contains("speedup_over_adam_seconds_more_than"));
  EXPECT_TRUE(better["speedup_over_adam"].is_null());
  EXPECT_EQ(better["speedup_over_adam_more_than"], 1.0);
  EXPECT_TRUE(better["speedup_over_adam_seconds"].is_null());
  EXPECT_EQ(better["speedup_over_adam_seconds_more_than"], 0.5);
  EXPECT_EQ(better["seconds_per_iteration"], 0.4);
  for (const auto& o : j["optimizers"]) EXPECT_FALSE(o.contains("seconds_note"));

  // Unknown seconds: null, no bound, and the reason; the rest of the entry is unchanged.
  const nlohmann::json u = panel_summary_json(known_panel(false));
  const auto& ufast = u["optimizers"][1];
  EXPECT_TRUE(ufast["speedup_over_adam_seconds"].is_null());
  EXPECT_TRUE(ufast["seconds_per_iteration"].is_null());
  EXPECT_FALSE(ufast.contains("speedup_over_adam_seconds_more_than"));
  EXPECT_NE(ufast["seconds_note"].get<std::string>().find("did not record seconds"), std::string::npos);
  EXPECT_EQ(without_measurements(u), without_measurements(j));
  EXPECT_NE(u, j);
}

TEST(SecondsCsv, MeanSecondsBesideTheObjectiveEmptyWhenUnknown) {
  test_support::TempDir dir;
  write_panel_seconds_csv(dir.str("s.csv"), known_panel(false));
  std::ifstream in(dir.str("s.csv"));
  std::string header, row0, row1;
  std::getline(in, header);
  std::getline(in, row0);
  std::getline(in, row1);
  EXPECT_EQ(header,
            "iter,adam_seconds,adam_mean,adam_q25,adam_q75,fast_seconds,fast_mean,fast_q25,fast_q75,better_seconds,"
            "better_mean,better_q25,better_q75");
  EXPECT_EQ(row0, "0,0,4,4,4,,4,4,4,0,4,4,4");
  EXPECT_EQ(row1, "10,2,2,2,2,,2.666666667,2.5,2.75,4,1,1,1");
}

TEST(SecondsPlot, ObjectiveAgainstMeanSecondsOnLogAxes) {
  const PanelResult p = known_panel(false);
  const std::string script = panel_seconds_plot_script(p, {"adam", "fast", "better"});
  EXPECT_NE(script.find("set output 'plots/fig1_tfd_seconds.png'"), std::string::npos) << script;
  EXPECT_NE(script.find("set logscale xy"), std::string::npos);
  EXPECT_NE(script.find("'fig1_tfd_seconds.csv' using ($2 > 0 ? $2 : NaN):3 with lines lw 2 lc rgb '#1f77b4' "
                        "title 'adam'"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("using ($10 > 0 ? $10 : NaN):12:13 with filledcurves"), std::string::npos);  // better's band
  EXPECT_EQ(script.find("title 'fast'"), std::string::npos) << "fast has no seconds to draw";
  EXPECT_NE(script.find("set xrange [1.81818:8.8]"), std::string::npos) << "2 s / 1.1 to 8 s x 1.1";
  // No optimizer with seconds (an old run store): no figure.
  PanelResult none = known_panel(false, false);
  for (auto& o : none.optimizers)
    for (auto& r : o.runs) r.seconds.clear();
  summarize_panel(none, "adam");
  EXPECT_EQ(panel_seconds_plot_script(none, {"adam", "fast", "better"}), "");
}

TEST(SecondsReport, BothSpeedupsTheSecondsFigureAndWhatTheSecondsAre) {
  ReportInfo info;
  info.command = "l2o bench --experiment fig1";
  info.settings = {{"seeds", 3}, {"first_seed", 1000}, {"eval_every", 10}, {"train_size", -1}};
  info.plots.figures = {"plots/fig1_tfd.png", "plots/fig1_tfd_seconds.png"};
  const std::string md = render_report({known_panel(false)}, info);
  EXPECT_NE(md.find("| speed-up over Adam (iterations) | speed-up over Adam (seconds) | ms per iteration |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| 2 | adam | 1 ± 0 | 1 | 43.5 | 0/2 | 1x | 1x | 200 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | better | 0.5 ± 0 | 0.5 | 30.75 | 0/2 | > 1.00x | > 0.50x | 400 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 3 | fast | 1.5 ± 0 | 1.5 | 51.25 | 1/3 | 0.75x | unknown | — |"), std::string::npos) << md;
  EXPECT_NE(md.find("Speed-ups in seconds that are unknown:\n- fast: 3 of its 3 runs were kept in runs/"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("![fig1_tfd_seconds](plots/fig1_tfd_seconds.png)"), std::string::npos) << md;
  EXPECT_NE(md.find("[fig1_tfd_seconds.csv](fig1_tfd_seconds.csv)"), std::string::npos);
  EXPECT_NE(md.find("minibatch gradients and optimizer steps, not the evaluations of the true objective"),
            std::string::npos);
  EXPECT_NE(md.find("they vary with the machine, its load and the --jobs count"), std::string::npos);
}
