// Curve statistics, meta-loss, speed-up and ranks on hand-made curves with known answers.
#include "l2o/bench/curve_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "l2o/core/error.hpp"
#include "l2o/optim/registry.hpp"
#include "support/synthetic_data.hpp"

using namespace l2o;

namespace {
RunCurve curve(std::vector<int> iters, std::vector<double> f, bool diverged = false) {
  RunCurve c;
  c.iters = std::move(iters);
  c.objective = std::move(f);
  c.diverged = diverged;
  if (diverged) c.divergence = "test divergence";
  return c;
}
}  // namespace

TEST(CurveMetaLoss, SumsEveryIterationWhenAllAreEvaluated) {
  // f = 5, 4, 3, 2 at t = 0..3: the meta-loss sums t = 1..3 only.
  EXPECT_DOUBLE_EQ(curve_meta_loss(curve({0, 1, 2, 3}, {5, 4, 3, 2}), 3), 4.0 + 3.0 + 2.0);
}

TEST(CurveMetaLoss, InterpolatesLinearlyBetweenEvaluations) {
  // Evaluated at 0, 2, 4 with f = 10, 6, 2: interpolated f(1) = 8, f(3) = 4.
  EXPECT_DOUBLE_EQ(curve_meta_loss(curve({0, 2, 4}, {10, 6, 2}), 4), 8.0 + 6.0 + 4.0 + 2.0);
  // Uneven last segment (T not a multiple of the evaluation interval): 0, 3, 4.
  EXPECT_DOUBLE_EQ(curve_meta_loss(curve({0, 3, 4}, {9, 3, 1}), 4), 7.0 + 5.0 + 3.0 + 1.0);
}

TEST(CurveMetaLoss, DivergedRunIsInfiniteAndShortCurveIsAnError) {
  EXPECT_TRUE(std::isinf(curve_meta_loss(curve({0, 2}, {1, 2}, true), 10)));
  EXPECT_THROW(curve_meta_loss(curve({0, 2}, {1, 2}), 10), Error);
}

TEST(CurveMetaLoss, AgreesWithTheTrainLoopOnARealRun) {
  auto data = test_support::synthetic_dataset(6, 3, 120, 20);
  MlpTask task(data, {{6, 5, 3}, Activation::Relu, 0.0, 1.0}, -1, 0);
  for (int every : {1, 3, 7}) {
    auto opt = make_hand_designed("sgd", {{"lr", 0.1}});
    RunOptions ro;
    ro.iters = 20;
    ro.batch = 8;
    ro.seed = 5;
    ro.eval_every = every;
    const RunResult r = run_optimizer(task, *opt, ro);
    ASSERT_FALSE(r.diverged);
    const RunCurve c = curve_from_result(r);
    EXPECT_EQ(c.iters.front(), 0);
    EXPECT_EQ(c.iters.back(), 20);
    EXPECT_NEAR(curve_meta_loss(c, 20), r.meta_loss(), 1e-9 * r.meta_loss()) << "eval_every " << every;
  }
}

TEST(MeanStdQuantile, KnownValues) {
  const MeanStd ms = mean_std({1, 2, 3, 4, std::numeric_limits<double>::infinity()});
  EXPECT_EQ(ms.count, 4);  // the infinite value is left out
  EXPECT_DOUBLE_EQ(ms.mean, 2.5);
  EXPECT_NEAR(ms.std, std::sqrt(5.0 / 3.0), 1e-12);  // sample standard deviation
  EXPECT_DOUBLE_EQ(mean_std({7}).std, 0.0);
  EXPECT_TRUE(std::isnan(mean_std({}).mean));
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 1.0), 4.0);
}

TEST(AggregateCurves, DivergedRunsLeaveTheStatisticsAfterTheirLastEvaluation) {
  const std::vector<RunCurve> runs{curve({0, 5, 10}, {4, 2, 1}), curve({0, 5, 10}, {6, 4, 3}),
                                   curve({0, 5}, {8, 100}, true)};
  const CurveStats s = aggregate_curves(runs);
  ASSERT_EQ(s.iters, (std::vector<int>{0, 5, 10}));
  EXPECT_EQ(s.runs, (std::vector<int>{3, 3, 2}));
  EXPECT_DOUBLE_EQ(s.mean[0], 6.0);
  EXPECT_DOUBLE_EQ(s.mean[1], (2.0 + 4.0 + 100.0) / 3.0);
  EXPECT_DOUBLE_EQ(s.mean[2], 2.0);
  EXPECT_DOUBLE_EQ(s.median[2], 2.0);
  EXPECT_DOUBLE_EQ(s.std[2], std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(s.q25[0], 5.0);
  EXPECT_DOUBLE_EQ(s.q75[0], 7.0);
}

TEST(IterationsToReach, InterpolatesTheFirstCrossing) {
  const std::vector<int> it{0, 10, 20};
  const std::vector<double> f{4, 2, 1};
  EXPECT_DOUBLE_EQ(*iterations_to_reach(it, f, 1.5), 15.0);
  EXPECT_DOUBLE_EQ(*iterations_to_reach(it, f, 3.0), 5.0);
  EXPECT_DOUBLE_EQ(*iterations_to_reach(it, f, 5.0), 0.0);  // already there at the start
  EXPECT_DOUBLE_EQ(*iterations_to_reach(it, f, 1.0), 20.0);
  EXPECT_FALSE(iterations_to_reach(it, f, 0.5).has_value());
  // A non-monotone curve: the first crossing counts.
  EXPECT_DOUBLE_EQ(*iterations_to_reach({0, 10, 20, 30}, {4, 1, 3, 0.5}, 2.0), 10.0 * 2.0 / 3.0);
  // NaN points (no run alive) are skipped, not crossed.
  EXPECT_FALSE(iterations_to_reach({0, 10}, {4, std::nan("")}, 1.0).has_value());
}

TEST(Speedup, OnHandMadeCurves) {
  CurveStats adam;
  adam.iters = {0, 100, 200, 300, 400};
  adam.mean = {2.0, 1.0, 0.8, 0.6, 0.5};
  // An optimizer that ends at 0.8 after 400 iterations: Adam gets there at 200 -> speed-up 0.5.
  Speedup s = speedup_over(adam, 400, 0.8, 400);
  ASSERT_TRUE(s.value.has_value());
  EXPECT_DOUBLE_EQ(*s.value, 0.5);
  // Ending at 0.7: Adam needs 250 (interpolated) -> 0.625.
  EXPECT_DOUBLE_EQ(*speedup_over(adam, 400, 0.7, 400).value, 0.625);
  // Adam itself reaches its own final value at its last iteration -> 1.
  EXPECT_DOUBLE_EQ(*speedup_over(adam, 400, 0.5, 400).value, 1.0);
  // Better than Adam ever gets: unknown, but more than 400/400.
  s = speedup_over(adam, 400, 0.3, 400);
  EXPECT_FALSE(s.value.has_value());
  ASSERT_TRUE(s.lower_bound.has_value());
  EXPECT_DOUBLE_EQ(*s.lower_bound, 1.0);
  // A run of 800 iterations against Adam's 400: lower bound 0.5.
  EXPECT_DOUBLE_EQ(*speedup_over(adam, 400, 0.3, 800).lower_bound, 0.5);
  // No final value (every run diverged): neither.
  s = speedup_over(adam, 400, std::nan(""), 400);
  EXPECT_FALSE(s.value || s.lower_bound);
}

TEST(RankByMetaLoss, DivergenceRanksLastAndTiesShareARank) {
  const std::vector<RankKey> keys{{0, 5.0}, {1, 1.0}, {0, 3.0}, {0, 5.0}, {3, std::nan("")}};
  EXPECT_EQ(rank_by_meta_loss(keys), (std::vector<int>{2, 4, 1, 2, 5}));
}

TEST(MarkBlowUp, AnObjectiveFarAboveItsStartCountsAsDiverged) {
  RunCurve c = curve({0, 5, 10, 15}, {2.0, 50.0, 250.0, 3.0});
  EXPECT_FALSE(mark_blow_up(c, 0.0)) << "disabled";
  RunCurve kept = c;
  EXPECT_FALSE(mark_blow_up(kept, 200.0)) << "250 < 200 x 2";
  EXPECT_FALSE(kept.diverged);
  EXPECT_TRUE(mark_blow_up(c, 100.0));  // 250 > 100 x 2 at iteration 10
  EXPECT_TRUE(c.diverged);
  EXPECT_EQ(c.diverged_iter, 10);
  EXPECT_EQ(c.iters, (std::vector<int>{0, 5}));  // the blown-up point and everything after are dropped
  EXPECT_NE(c.divergence.find("iteration 10"), std::string::npos) << c.divergence;
  EXPECT_TRUE(std::isinf(curve_meta_loss(c, 15)));
  RunCurve already = curve({0, 5}, {2.0, 1e9}, true);
  EXPECT_FALSE(mark_blow_up(already, 100.0)) << "already diverged: unchanged";
  EXPECT_EQ(already.iters.size(), 2u);
}

TEST(EarlyPeakRatio, HighestObjectiveInTheFirstIterationsOverTheInitialOne) {
  RunCurve c;
  c.iters = {0, 5, 10, 15, 20, 25};
  c.objective = {2.0, 6.0, 3.0, 1.0, 1.0, 9.0};  // the 9 at iteration 25 is outside the window
  EXPECT_DOUBLE_EQ(early_peak_ratio(c), 3.0);
  EXPECT_DOUBLE_EQ(early_peak_ratio(c, 30), 4.5);
  c.objective = {2.0, 1.5, 1.0, 0.5, 0.4, 0.3};
  EXPECT_DOUBLE_EQ(early_peak_ratio(c), 1.0);  // descends from the start
  EXPECT_TRUE(std::isnan(early_peak_ratio(RunCurve{})));
}
