// The pieces assembled into a small Convolutional-GPS loop on a problem with a known answer:
// gradient-based optimisation of a separable quadratic f(x) = sum_j h/2 (x_j - x*_j)^2 with one
// coordinate group. Per-coordinate state s_j = [x_j, g_j] (g_j the true gradient), action a_j.
// Each iteration samples trajectories from psi, fits the dynamics and the tied cost, adapts the
// step size from predicted vs actual improvement, and solves the trust-region LQG. The true
// meta-loss sum_{t=1..T} f(x_t) must fall from one iteration to the next, and psi's gain on the
// gradient must move from the initial small step toward Newton's -1/h.
#include <gtest/gtest.h>

#include "gps/gps_test_util.hpp"
#include "l2o/gps/dynamics/dynamics_fit.hpp"
#include "l2o/gps/traj_opt/cost_model.hpp"
#include "l2o/gps/traj_opt/lqg.hpp"
#include "l2o/gps/traj_opt/step_adjust.hpp"

namespace l2o::gps {
namespace {

constexpr double kH = 2.0;  // curvature
constexpr Index kHorizon = 10;    // horizon
constexpr Index kM = 40;    // coordinates per trajectory (one group)
constexpr Index kN = 8;     // trajectories per iteration

struct Rollouts {
  GroupSamples samples;  // pooled over trajectories and coordinates
  CurvatureData curvature;
  double meta_loss = 0.0;  // mean over trajectories of sum_{t=1..T} f(x_t)
};

Rollouts loop_sample(const LinearGaussianPolicy& psi, const Vec& xstar_mean, Rng& rng) {
  ParamLayout layout = ParamLayout::single(kM);
  Rollouts r;
  r.curvature = CurvatureData(1, kHorizon, kN);
  r.samples.states.assign(kHorizon + 1, Mat(kN * kM, 2));
  r.samples.actions.assign(kHorizon, Mat(kN * kM, 1));
  for (Index n = 0; n < kN; ++n) {
    const Vec xstar = xstar_mean + testing::random_vector(rng, kM, 0.5);
    Vec x = testing::random_vector(rng, kM);
    auto f = [&](const Vec& y) { return 0.5 * kH * (y - xstar).squaredNorm(); };
    for (Index t = 0; t <= kHorizon; ++t) {
      const Vec g = kH * (x - xstar);
      r.samples.states[t].middleRows(n * kM, kM) << x, g;
      if (t == kHorizon) break;
      Mat s(kM, 2);
      s << x, g;
      const Vec a = psi.mean_rows(t, s).col(0) + std::sqrt(psi.cov[t](0, 0)) * testing::random_vector(rng, kM);
      r.samples.actions[t].middleRows(n * kM, kM) = a;
      const Vec x1 = x + a;
      r.curvature.record(layout, t, n, f(x), f(x1), g, kH * (x1 - xstar), a);
      r.meta_loss += f(x1) / kN;
      x = x1;
    }
  }
  return r;
}

struct Model {
  LinearGaussianDynamics dyn;
  QuadraticCost cost;
};

Model fit_model(const Rollouts& r) {
  Model m;
  m.dyn = fit_dynamics(r.samples, DynamicsFitOptions{});
  const Mat h = fit_group_curvatures(r.curvature, CostOptions{});
  m.cost = tied_step_cost(h.row(0).transpose(), cost_weights(kHorizon, CostWeighting::Remaining), 2, {1});
  return m;
}

TEST(GpsLoop, TrustRegionLqgLowersTheTrueMetaLossEachIteration) {
  Rng rng(2024);
  const Vec xstar_mean = Vec::Constant(kM, 0.3);
  // Initial psi: gradient descent with a small step (0.05 where Newton's is 1/h = 0.5), plus
  // exploration noise.
  Mat K0(1, 2);
  K0 << 0.0, -0.05;
  LinearGaussianPolicy psi = LinearGaussianPolicy::constant(kHorizon, K0, Vec::Zero(1), Mat::Constant(1, 1, 0.04));
  TrustRegionOptions tr;
  StepSizeOptions steps;
  double step_mult = steps.init_step_mult, kappa = tr.kappa_init;
  std::vector<double> losses;
  Rollouts prev_r = loop_sample(psi, xstar_mean, rng);
  Model prev_m = fit_model(prev_r);
  LinearGaussianPolicy prev_psi = psi;
  losses.push_back(prev_r.meta_loss);
  for (int it = 0; it < 6; ++it) {
    const double eps = trust_region_epsilon(tr.kl_step, kHorizon, step_mult);
    KlTerms terms;
    terms.previous = &psi;
    const TrustRegionResult res = solve_trust_region(prev_m.dyn, prev_m.cost, terms, eps, kappa, tr);
    ASSERT_NE(res.status, TrustRegionStatus::Exceeded) << "iteration " << it;
    kappa = res.kappa;
    prev_psi = psi;
    psi = res.policy;
    const Rollouts r = loop_sample(psi, xstar_mean, rng);
    const Model m = fit_model(r);
    // Step adjustment: old model's cost of old and new psi, new model's cost of new psi.
    const double prev_obj = estimate_cost(prev_psi, prev_m.dyn, prev_m.cost, prev_psi).objective(Vec());
    const double pred_obj = estimate_cost(psi, prev_m.dyn, prev_m.cost, psi).objective(Vec());
    const double act_obj = estimate_cost(psi, m.dyn, m.cost, psi).objective(Vec());
    const StepAdjustment adj = adjust_step_mult(prev_obj, pred_obj, act_obj, step_mult, steps, res.kl, tr.kl_step * kHorizon);
    EXPECT_GT(adj.predicted_improvement, 0.0) << "iteration " << it;
    step_mult = adj.step_mult;
    losses.push_back(r.meta_loss);
    prev_r = r;
    prev_m = m;
  }
  for (size_t i = 0; i < losses.size(); ++i)
    RecordProperty("meta_loss_" + std::to_string(i), std::to_string(losses[i]));
  for (size_t i = 1; i < losses.size(); ++i) EXPECT_LT(losses[i], losses[i - 1]) << "iteration " << i;
  EXPECT_LT(losses.back(), 0.5 * losses.front());
  // The gain on the gradient at t = 0 moved most of the way from -0.05 toward -1/h = -0.5.
  RecordProperty("gain_on_gradient_t0", std::to_string(psi.K[0](0, 1)));
  EXPECT_LT(psi.K[0](0, 1), -0.3);
  EXPECT_GT(psi.K[0](0, 1), -0.7);
}

}  // namespace
}  // namespace l2o::gps
