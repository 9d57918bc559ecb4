// Step-size adaptation: the multiplier rule and its clipping, the realised-KL limit, and the cost
// estimate of a policy under a model (expected cost + nu-weighted KL to the global policy).
#include "l2o/gps/traj_opt/step_adjust.hpp"

#include <gtest/gtest.h>

#include "gps/gps_test_util.hpp"
#include "l2o/core/error.hpp"
#include "l2o/gps/traj_opt/lqg.hpp"

namespace l2o::gps {
namespace {

TEST(StepAdjust, AccuratePredictionGrowsTheStep) {
  // predicted == actual: the model is trusted, the multiplier hits its upper clip.
  const StepAdjustment a = adjust_step_mult(10.0, 8.0, 8.0, 1.0, StepSizeOptions{});
  EXPECT_DOUBLE_EQ(a.predicted_improvement, 2.0);
  EXPECT_DOUBLE_EQ(a.actual_improvement, 2.0);
  EXPECT_DOUBLE_EQ(a.multiplier, 5.0);
  EXPECT_DOUBLE_EQ(a.step_mult, 5.0);
}

TEST(StepAdjust, HalfRealisedImprovementKeepsTheStep) {
  // mult = pred / (2 (pred - act)) = 2 / (2 * 1) = 1.
  const StepAdjustment a = adjust_step_mult(10.0, 8.0, 9.0, 0.5, StepSizeOptions{});
  EXPECT_DOUBLE_EQ(a.multiplier, 1.0);
  EXPECT_DOUBLE_EQ(a.step_mult, 0.5);
}

TEST(StepAdjust, WorseningShrinksTheStepWithinBounds) {
  StepSizeOptions opt;
  // Actual got worse: mult = 2 / (2 * 4) = 0.25.
  const StepAdjustment a = adjust_step_mult(10.0, 8.0, 12.0, 1.0, opt);
  EXPECT_DOUBLE_EQ(a.multiplier, 0.25);
  EXPECT_DOUBLE_EQ(a.step_mult, 0.25);
  // Predicted no improvement at all: multiplier clipped at 0.1, step_mult clipped at 0.01.
  const StepAdjustment b = adjust_step_mult(10.0, 10.0, 15.0, 0.05, opt);
  EXPECT_DOUBLE_EQ(b.multiplier, 0.1);
  EXPECT_DOUBLE_EQ(b.step_mult, 0.01);
  // Upper clip of step_mult.
  EXPECT_DOUBLE_EQ(adjust_step_mult(10.0, 8.0, 8.0, 9.0, opt).step_mult, 10.0);
}

TEST(StepAdjust, RealisedKlBelowTheBoundLowersStepMultFirst) {
  StepSizeOptions opt;
  // Realised KL 0.4 of a bound kl_step*T = 2 -> step_mult 0.2 before the multiplier (1 here).
  const StepAdjustment a = adjust_step_mult(10.0, 8.0, 9.0, 1.0, opt, 0.4, 2.0);
  EXPECT_DOUBLE_EQ(a.step_mult, 0.2);
  opt.limit_to_realised_kl = false;
  EXPECT_DOUBLE_EQ(adjust_step_mult(10.0, 8.0, 9.0, 1.0, opt, 0.4, 2.0).step_mult, 1.0);
  EXPECT_THROW(adjust_step_mult(std::nan(""), 8.0, 9.0, 1.0, opt), Error);
}

TEST(StepAdjust, EpsilonScalesWithHorizonAndMultiplier) {
  EXPECT_DOUBLE_EQ(trust_region_epsilon(0.2, 400, 0.5), 40.0);
  EXPECT_THROW(trust_region_epsilon(0.2, 400, 0.0), Error);
}

TEST(StepAdjust, CostEstimateCombinesExpectedCostAndWeightedKl) {
  Rng rng(3);
  const Index T = 5, dX = 2, dU = 1;
  LinearGaussianDynamics dyn;
  QuadraticCost cost = QuadraticCost::zero(T, dX + dU);
  for (Index t = 0; t < T; ++t) {
    dyn.A.push_back(0.8 * Mat::Identity(dX, dX));
    dyn.B.push_back(Mat::Ones(dX, dU));
    dyn.c.push_back(Vec::Zero(dX));
    dyn.F.push_back(0.1 * Mat::Identity(dX, dX));
    cost.C[t] = testing::random_spd(rng, dX + dU);
  }
  dyn.x0_mean = Vec::Ones(dX);
  dyn.x0_cov = Mat::Identity(dX, dX);
  const LinearGaussianPolicy psi =
      LinearGaussianPolicy::constant(T, Mat::Zero(dU, dX), Vec::Zero(dU), Mat::Identity(1, 1));
  const LinearGaussianPolicy global =
      LinearGaussianPolicy::constant(T, Mat::Zero(dU, dX), Vec::Constant(dU, 1.0), Mat::Identity(1, 1));
  const CostEstimate e = estimate_cost(psi, dyn, cost, global);
  // Same covariance, means differ by 1 everywhere: KL = 1/2 per step.
  for (Index t = 0; t < T; ++t) EXPECT_NEAR(e.kl(t), 0.5, 1e-12);
  const Vec nu = Vec::LinSpaced(T, 1.0, 5.0);
  EXPECT_NEAR(e.objective(nu), e.cost.sum() + 0.5 * nu.sum(), 1e-12);
  EXPECT_NEAR(e.objective(Vec()), e.cost.sum(), 1e-12);
  EXPECT_NEAR(e.cost.sum(), expected_cost(lqg_forward(dyn, psi), cost).sum(), 1e-12);
}

}  // namespace
}  // namespace l2o::gps
