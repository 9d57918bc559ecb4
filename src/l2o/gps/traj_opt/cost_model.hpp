#pragma once
// The tied quadratic state-action cost of Convolutional GPS (method §2.4; design and argument in
// docs/gps.md, "Cost").
//
// The meta-loss is sum_{t=1..T} f(x_t) = T f(x_0) + sum_{t=0..T-1} (T - t) [f(x_{t+1}) - f(x_t)]:
// the change made by step t is paid at every later step. The change is expanded to second order
// with one curvature per coordinate group g and time step t,
//   f(x_{t+1}) - f(x_t) ~= sum_g sum_{j in g} ( g_{j,t} a_{j,t} + 1/2 h_{g,t} a_{j,t}^2 ),
// where g_{j,t} is the TRUE gradient component (a state component of every coordinate) and a_j
// the coordinate's step. Each coordinate of group g then carries the same cost on its own
// per-coordinate (s, a):
//   l_{g,t}(s, a) = w_t ( s[grad_index] a + 1/2 h_{g,t} a^2 ),   w_t = T - t (or 1),
// and summing l over a group's coordinates and the groups reproduces the (weighted) expansion.
// For a separable quadratic objective whose curvature is constant within each group the
// expansion is exact, so the tied cost reproduces the meta-loss exactly.
#include <vector>

#include "l2o/core/layout.hpp"
#include "l2o/core/types.hpp"
#include "l2o/gps/config.hpp"

namespace l2o::gps {

// Per-step quadratic cost on z = [s; a]: l_t(z) = 1/2 z^T C_t z + d_t^T z + e_t.
struct QuadraticCost {
  std::vector<Mat> C;
  std::vector<Vec> d;
  std::vector<double> e;

  Index steps() const { return static_cast<Index>(C.size()); }
  double value(Index t, const Vec& z) const { return 0.5 * z.dot(C[t] * z) + d[t].dot(z) + e[t]; }
  // Throws l2o::Error naming `what` if the shapes are inconsistent (dim = dX + dU) or a value is
  // not finite.
  void validate(Index dim, const std::string& what) const;
  static QuadraticCost zero(Index T, Index dim);
};

// Per-trajectory, per-step sums from which the group curvatures are fitted. All matrices are
// T x N (N trajectories); grad_dot_step[g](t, n) = sum_{j in g} g_{j,t} a_{j,t},
// half_step_sq[g](t, n) = 1/2 sum_{j in g} a_{j,t}^2 and secant[g](t, n) =
// sum_{j in g} a_{j,t} (g_{j,t+1} - g_{j,t}) over ALL coordinates of group g (cheap, and not
// subsampled: the objective change involves every coordinate). For a quadratic f with Hessian H,
// sum_g secant[g] = a^T H a: the groups' secants split the step's whole second-order change,
// cross-group terms included, among the groups.
struct CurvatureData {
  Mat objective_change;            // f(x_{t+1}) - f(x_t), true objective
  std::vector<Mat> grad_dot_step;  // one per group
  std::vector<Mat> half_step_sq;   // one per group
  std::vector<Mat> secant;         // one per group

  CurvatureData() = default;
  CurvatureData(Index groups, Index T, Index N);
  Index groups() const { return static_cast<Index>(grad_dot_step.size()); }
  // Records step t of trajectory n from full parameter vectors: the true objective and gradient
  // before and after the step, and the step; groups follow `layout`.
  void record(const ParamLayout& layout, Index t, Index n, double f_before, double f_after, const Vec& true_grad,
              const Vec& true_grad_after, const Vec& step);
};

// Fits h_{g,t} (groups x T), pooling steps t-w..t+w (w = options.curvature_window) over all
// trajectories, then floors them at options.min_curvature.
//   secant_curvature (default): h_{g,t} = sum secant[g] / sum 2 half_step_sq[g] over the window,
//     shrunk toward the all-steps ratio with weight curvature_ridge (relative to the window's
//     sum of |a_g|^2); a group that never moved gets the all-steps ratio (or the floor).
//   otherwise: least squares of (objective change - sum_g grad_dot_step) on the group columns
//     half_step_sq, shrunk toward the all-steps estimate with ridge curvature_ridge (relative to
//     the mean diagonal of the normal equations).
Mat fit_group_curvatures(const CurvatureData& data, const CostOptions& options);

// w_t for t = 0..T-1: T - t (Remaining) or 1 (Uniform).
Vec cost_weights(Index T, CostWeighting weighting);

// The tied per-coordinate cost of one group: l_t(s, a) = w_t sum_u ( s[grad_index[u]] a_u +
// 1/2 h_t a_u^2 ) for a state of dimension dX and dU = grad_index.size() action components
// (dU = 1 for an optimizer: the coordinate's step). `curvature` and `weights` have T entries.
QuadraticCost tied_step_cost(const Vec& curvature, const Vec& weights, Index state_dim,
                             const std::vector<Index>& grad_index);

}  // namespace l2o::gps
