// The tied quadratic cost: on a separable quadratic objective with one curvature per group the
// fitted curvatures are exact and the tied per-coordinate cost reproduces the meta-loss exactly.
#include "l2o/gps/traj_opt/cost_model.hpp"

#include <gtest/gtest.h>

#include "gps/gps_test_util.hpp"
#include "l2o/core/error.hpp"

#include <limits>

namespace l2o::gps {
namespace {

ParamLayout three_groups() {
  ParamLayout l;
  l.groups.push_back(CoordinateGroup{"W1", GroupKind::Weight, 1, false, 2, 2, 0});
  l.groups.push_back(CoordinateGroup{"b1", GroupKind::Bias, 1, false, 3, 1, 4});
  l.groups.push_back(CoordinateGroup{"W2", GroupKind::Weight, 2, true, 5, 1, 7});
  l.dim = 12;
  return l;
}

// f(x) = sum_g sum_{j in g} 1/2 h_g (x_j - x*_j)^2.
struct SeparableQuadratic {
  ParamLayout layout;
  Vec h_coord;  // curvature of each coordinate
  Vec xstar;
  double f(const Vec& x) const { return 0.5 * (h_coord.array() * (x - xstar).array().square()).sum(); }
  Vec grad(const Vec& x) const { return h_coord.cwiseProduct(x - xstar); }
};

SeparableQuadratic make_quadratic(const Vec& h_group, Rng& rng) {
  SeparableQuadratic q;
  q.layout = three_groups();
  q.h_coord.resize(q.layout.dim);
  for (size_t g = 0; g < q.layout.groups.size(); ++g)
    q.h_coord.segment(q.layout.groups[g].offset, q.layout.groups[g].size()).setConstant(h_group(static_cast<Index>(g)));
  q.xstar = testing::random_vector(rng, q.layout.dim);
  return q;
}

// Trajectories of a noisy gradient method; returns the iterates per trajectory.
std::vector<std::vector<Vec>> rollouts(const SeparableQuadratic& q, Index T, Index N, Rng& rng) {
  std::vector<std::vector<Vec>> xs(static_cast<size_t>(N));
  for (auto& traj : xs) {
    traj.push_back(testing::random_vector(rng, q.layout.dim, 2.0));
    for (Index t = 0; t < T; ++t)
      traj.push_back(traj.back() - 0.2 * q.grad(traj.back()) + testing::random_vector(rng, q.layout.dim, 0.1));
  }
  return xs;
}

TEST(CostModel, SeparableQuadraticCurvaturesAndMetaLossAreExact) {
  Rng rng(17);
  Vec h(3);
  h << 0.5, 2.0, 1.2;
  const SeparableQuadratic q = make_quadratic(h, rng);
  const Index T = 10, N = 4;
  const auto xs = rollouts(q, T, N, rng);
  CurvatureData data(3, T, N);
  for (Index n = 0; n < N; ++n)
    for (Index t = 0; t < T; ++t) {
      const Vec& x = xs[static_cast<size_t>(n)][static_cast<size_t>(t)];
      const Vec& x1 = xs[static_cast<size_t>(n)][static_cast<size_t>(t + 1)];
      data.record(q.layout, t, n, q.f(x), q.f(x1), q.grad(x), q.grad(x1), x1 - x);
    }
  CostOptions opt;
  CostOptions regression = opt;
  regression.secant_curvature = false;
  const Mat fitted = fit_group_curvatures(data, opt);
  const Mat regressed = fit_group_curvatures(data, regression);
  ASSERT_EQ(fitted.rows(), 3);
  ASSERT_EQ(fitted.cols(), T);
  for (Index g = 0; g < 3; ++g)
    for (Index t = 0; t < T; ++t) {
      EXPECT_NEAR(fitted(g, t), h(g), 1e-9) << "secant, group " << g << " step " << t;
      EXPECT_NEAR(regressed(g, t), h(g), 1e-9) << "regression, group " << g << " step " << t;
    }

  // Per-coordinate state [x_j, g_j, feature]; the tied costs summed over coordinates and steps
  // must equal the meta-loss sum_{t=1..T} f(x_t) minus its constant T f(x_0).
  const Index dX = 3;
  std::vector<QuadraticCost> costs;
  for (Index g = 0; g < 3; ++g)
    costs.push_back(tied_step_cost(fitted.row(g).transpose(), cost_weights(T, CostWeighting::Remaining), dX, {1}));
  for (Index n = 0; n < N; ++n) {
    const auto& traj = xs[static_cast<size_t>(n)];
    double meta = 0.0, tied = 0.0, immediate = 0.0;
    for (Index t = 1; t <= T; ++t) meta += q.f(traj[static_cast<size_t>(t)]);
    meta -= static_cast<double>(T) * q.f(traj[0]);
    const std::vector<QuadraticCost> uniform = {
        tied_step_cost(fitted.row(0).transpose(), cost_weights(T, CostWeighting::Uniform), dX, {1}),
        tied_step_cost(fitted.row(1).transpose(), cost_weights(T, CostWeighting::Uniform), dX, {1}),
        tied_step_cost(fitted.row(2).transpose(), cost_weights(T, CostWeighting::Uniform), dX, {1})};
    for (Index t = 0; t < T; ++t) {
      const Vec& x = traj[static_cast<size_t>(t)];
      const Vec a = traj[static_cast<size_t>(t + 1)] - x;
      const Vec grad = q.grad(x);
      for (size_t g = 0; g < 3; ++g) {
        const auto& grp = q.layout.groups[g];
        for (Index j = grp.offset; j < grp.offset + grp.size(); ++j) {
          Vec z(dX + 1);
          z << x(j), grad(j), rng.normal(), a(j);
          tied += costs[g].value(t, z);
          immediate += uniform[g].value(t, z);
        }
      }
    }
    EXPECT_NEAR(tied, meta, 1e-9 * (1.0 + std::abs(meta))) << "trajectory " << n;
    // Uniform weights reproduce the total change f(x_T) - f(x_0).
    const double total_change = q.f(traj.back()) - q.f(traj.front());
    EXPECT_NEAR(immediate, total_change, 1e-9 * (1.0 + std::abs(total_change))) << "trajectory " << n;
  }
}

// A non-separable quadratic f = 1/2 (x - x*)^T H (x - x*) whose groups' steps all scale together
// (a = -lr grad, as a tuned optimizer's): the objective-change regression cannot tell the groups
// apart, while the secants split the exact second-order change a^T H a among them, so the tied
// cost's curvature term reproduces it step for step.
TEST(CostModel, SecantCurvaturesSplitTheExactSecondOrderChange) {
  Rng rng(5);
  const ParamLayout layout = three_groups();
  const Index n = layout.dim, T = 6;
  Mat R = Mat::Random(n, n);
  const Mat H = R * R.transpose() / static_cast<double>(n) + Mat::Identity(n, n);
  const Vec xstar = testing::random_vector(rng, n);
  auto grad = [&](const Vec& x) -> Vec { return H * (x - xstar); };
  auto f = [&](const Vec& x) { return 0.5 * (x - xstar).dot(H * (x - xstar)); };
  CurvatureData data(3, T, 1);
  std::vector<Vec> steps;
  Vec x = testing::random_vector(rng, n, 2.0);
  for (Index t = 0; t < T; ++t) {
    const Vec a = -0.3 * grad(x);
    data.record(layout, t, 0, f(x), f(x + a), grad(x), grad(x + a), a);
    steps.push_back(a);
    x += a;
  }
  CostOptions opt;
  opt.curvature_window = 0;
  opt.curvature_ridge = 0.0;
  opt.min_curvature = -std::numeric_limits<double>::infinity();
  const Mat h = fit_group_curvatures(data, opt);
  for (Index t = 0; t < T; ++t) {
    const Vec& a = steps[static_cast<size_t>(t)];
    double second_order = 0.0;
    for (Index g = 0; g < 3; ++g) {
      const auto& grp = layout.groups[static_cast<size_t>(g)];
      second_order += h(g, t) * a.segment(grp.offset, grp.size()).squaredNorm();
    }
    EXPECT_NEAR(second_order, a.dot(H * a), 1e-10 * a.dot(H * a)) << "step " << t;
  }
  // A group's secant is its own block's curvature plus its share of the cross terms: with H
  // block-diagonal the secant is the Rayleigh quotient of the group's block along its step.
  Mat B = Mat::Zero(n, n);
  for (const auto& grp : layout.groups)
    B.block(grp.offset, grp.offset, grp.size(), grp.size()) = H.block(grp.offset, grp.offset, grp.size(), grp.size());
  CurvatureData block(3, 1, 1);
  const Vec x0 = testing::random_vector(rng, n), a0 = -0.3 * B * (x0 - xstar);
  block.record(layout, 0, 0, 0.0, 0.0, B * (x0 - xstar), B * (x0 + a0 - xstar), a0);
  const Mat hb = fit_group_curvatures(block, opt);
  for (Index g = 0; g < 3; ++g) {
    const auto& grp = layout.groups[static_cast<size_t>(g)];
    const Vec ag = a0.segment(grp.offset, grp.size());
    EXPECT_NEAR(hb(g, 0), ag.dot(B.block(grp.offset, grp.offset, grp.size(), grp.size()) * ag) / ag.squaredNorm(), 1e-12);
  }
}

TEST(CostModel, WeightsCountRemainingSteps) {
  const Vec w = cost_weights(4, CostWeighting::Remaining);
  EXPECT_EQ(w(0), 4.0);
  EXPECT_EQ(w(3), 1.0);
  EXPECT_EQ(cost_weights(4, CostWeighting::Uniform).sum(), 4.0);
}

TEST(CostModel, TiedCostValueIsWeightedSecondOrderChange) {
  Vec h(2), w(2);
  h << 0.7, 3.0;
  w << 2.0, 1.0;
  const QuadraticCost c = tied_step_cost(h, w, 4, {2});
  c.validate(5, "tied cost");
  Vec z(5);
  z << 9.0, -1.0, 0.4, 5.0, -0.3;  // g = z(2) = 0.4, a = -0.3
  EXPECT_NEAR(c.value(0, z), 2.0 * (0.4 * -0.3 + 0.5 * 0.7 * 0.09), 1e-15);
  EXPECT_NEAR(c.value(1, z), 1.0 * (0.4 * -0.3 + 0.5 * 3.0 * 0.09), 1e-15);
  EXPECT_THROW(tied_step_cost(h, w, 2, {2}), Error);  // gradient index outside the state
}

TEST(CostModel, CurvatureFitSmoothsNoiseAndFloorsNegativeValues) {
  // One group, residual = h_t * q + noise with h_t = 1 for t < 5 and -2 afterwards.
  const Index T = 10, N = 30;
  Rng rng(3);
  CurvatureData d(1, T, N);
  for (Index t = 0; t < T; ++t)
    for (Index n = 0; n < N; ++n) {
      const double q = 0.5 + rng.uniform();
      const double lin = rng.normal();
      d.grad_dot_step[0](t, n) = lin;
      d.half_step_sq[0](t, n) = q;
      d.objective_change(t, n) = lin + (t < 5 ? 1.0 : -2.0) * q + 0.01 * rng.normal();
    }
  CostOptions opt;
  opt.secant_curvature = false;
  opt.curvature_window = 0;
  opt.curvature_ridge = 0.0;
  opt.min_curvature = 0.0;
  const Mat h = fit_group_curvatures(d, opt);
  for (Index t = 0; t < 5; ++t) EXPECT_NEAR(h(0, t), 1.0, 0.01);
  for (Index t = 5; t < T; ++t) EXPECT_EQ(h(0, t), 0.0);  // floored
  opt.min_curvature = -10.0;
  opt.curvature_ridge = 1e6;  // everything shrunk onto the all-steps estimate
  const Mat pooled = fit_group_curvatures(d, opt);
  EXPECT_NEAR(pooled(0, 0), pooled(0, T - 1), 1e-3);
  EXPECT_NEAR(pooled(0, 0), -0.5, 0.1);
}

TEST(CostModel, GroupThatNeverMovesGetsFiniteCurvature) {
  const Index T = 4, N = 3;
  CurvatureData d(2, T, N);
  Rng rng(1);
  for (Index t = 0; t < T; ++t)
    for (Index n = 0; n < N; ++n) {
      d.half_step_sq[0](t, n) = 1.0 + rng.uniform();
      d.objective_change(t, n) = 2.0 * d.half_step_sq[0](t, n);
      d.secant[0](t, n) = 2.0 * 2.0 * d.half_step_sq[0](t, n);
    }
  for (bool secant : {false, true}) {
    CostOptions opt;
    opt.secant_curvature = secant;
    const Mat h = fit_group_curvatures(d, opt);
    EXPECT_TRUE(h.allFinite());
    EXPECT_NEAR(h(0, 0), 2.0, 1e-9) << "secant " << secant;
    EXPECT_EQ(h(1, 0), 0.0) << "secant " << secant;
  }
}

TEST(CostModel, RecordRejectsNonFiniteValues) {
  const ParamLayout l = three_groups();
  CurvatureData d(3, 2, 1);
  Vec g = Vec::Zero(12), a = Vec::Zero(12);
  a(3) = std::nan("");
  EXPECT_THROW(d.record(l, 0, 0, 1.0, 0.5, g, g, a), Error);
  EXPECT_THROW(d.record(l, 2, 0, 1.0, 0.5, g, g, Vec::Zero(12)), Error);
  Vec g1 = g;
  g1(0) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(d.record(l, 0, 0, 1.0, 0.5, g, g1, Vec::Zero(12)), Error);
}

}  // namespace
}  // namespace l2o::gps
