#include "l2o/gps/traj_opt/cost_model.hpp"

#include <fmt/core.h>

#include <Eigen/QR>
#include <algorithm>
#include <cmath>

#include "l2o/core/error.hpp"

namespace l2o::gps {

void QuadraticCost::validate(Index dim, const std::string& what) const {
  const Index T = steps();
  if (T == 0) throw Error(fmt::format("{}: no time steps", what));
  if (static_cast<Index>(d.size()) != T || static_cast<Index>(e.size()) != T)
    throw Error(fmt::format("{}: {} matrices, {} vectors, {} constants", what, T, d.size(), e.size()));
  for (Index t = 0; t < T; ++t) {
    if (C[t].rows() != dim || C[t].cols() != dim || d[t].size() != dim)
      throw Error(fmt::format("{}: step {} has shape {}x{}/{}, expected dimension {}", what, t, C[t].rows(),
                              C[t].cols(), d[t].size(), dim));
    if (!C[t].allFinite() || !d[t].allFinite() || !std::isfinite(e[t]))
      throw Error(fmt::format("{}: non-finite value at step {}", what, t));
  }
}

QuadraticCost QuadraticCost::zero(Index T, Index dim) {
  QuadraticCost c;
  c.C.assign(T, Mat::Zero(dim, dim));
  c.d.assign(T, Vec::Zero(dim));
  c.e.assign(T, 0.0);
  return c;
}

CurvatureData::CurvatureData(Index groups, Index T, Index N)
    : objective_change(Mat::Zero(T, N)),
      grad_dot_step(static_cast<size_t>(groups), Mat::Zero(T, N)),
      half_step_sq(static_cast<size_t>(groups), Mat::Zero(T, N)),
      secant(static_cast<size_t>(groups), Mat::Zero(T, N)) {}

void CurvatureData::record(const ParamLayout& layout, Index t, Index n, double f_before, double f_after,
                           const Vec& true_grad, const Vec& true_grad_after, const Vec& step) {
  if (static_cast<Index>(layout.groups.size()) != groups())
    throw Error(fmt::format("curvature data: layout has {} groups, data has {}", layout.groups.size(), groups()));
  if (true_grad.size() != layout.dim || true_grad_after.size() != layout.dim || step.size() != layout.dim)
    throw Error("curvature data: gradient and step must have the layout's dimension");
  if (t < 0 || t >= objective_change.rows() || n < 0 || n >= objective_change.cols())
    throw Error(fmt::format("curvature data: (step {}, trajectory {}) out of range", t, n));
  if (!std::isfinite(f_before) || !std::isfinite(f_after) || !true_grad.allFinite() || !true_grad_after.allFinite() ||
      !step.allFinite())
    throw Error(fmt::format("curvature data: non-finite objective, gradient or step at step {}", t));
  objective_change(t, n) = f_after - f_before;
  for (size_t g = 0; g < layout.groups.size(); ++g) {
    const auto& grp = layout.groups[g];
    const auto gs = true_grad.segment(grp.offset, grp.size());
    const auto as = step.segment(grp.offset, grp.size());
    grad_dot_step[g](t, n) = gs.dot(as);
    half_step_sq[g](t, n) = 0.5 * as.squaredNorm();
    secant[g](t, n) = (true_grad_after.segment(grp.offset, grp.size()) - gs).dot(as);
  }
}

namespace {

// h_{g,t} = sum secant / sum |a_g|^2 over the window (see the header).
Mat fit_secant_curvatures(const CurvatureData& data, const CostOptions& options) {
  const Index G = data.groups(), T = data.objective_change.rows(), N = data.objective_change.cols();
  if (static_cast<Index>(data.secant.size()) != G) throw Error("curvature fit: no secant sums");
  Mat h(G, T);
  const Index w = options.curvature_window;
  for (Index g = 0; g < G; ++g) {
    const Mat& sec = data.secant[static_cast<size_t>(g)];
    if (sec.rows() != T || sec.cols() != N) throw Error(fmt::format("curvature fit: group {} secants are not {}x{}", g, T, N));
    if (!sec.allFinite()) throw Error(fmt::format("curvature fit: non-finite secant in group {}", g));
    const Vec num = sec.rowwise().sum();
    const Vec den = 2.0 * data.half_step_sq[static_cast<size_t>(g)].rowwise().sum();
    const double all_den = den.sum();
    const double pooled = all_den > 0.0 ? num.sum() / all_den : options.min_curvature;
    for (Index t = 0; t < T; ++t) {
      const Index t0 = std::max<Index>(0, t - w), t1 = std::min<Index>(T - 1, t + w);
      const double n_w = num.segment(t0, t1 - t0 + 1).sum(), d_w = den.segment(t0, t1 - t0 + 1).sum();
      const double rho = options.curvature_ridge * d_w;
      h(g, t) = d_w > 0.0 ? (n_w + rho * pooled) / (d_w + rho) : pooled;
    }
  }
  if (!h.allFinite()) throw Error("curvature fit: secant ratio is not finite");
  return h.cwiseMax(options.min_curvature);
}

}  // namespace

Mat fit_group_curvatures(const CurvatureData& data, const CostOptions& options) {
  const Index G = data.groups(), T = data.objective_change.rows(), N = data.objective_change.cols();
  if (G == 0 || T == 0 || N == 0) throw Error("curvature fit: empty data");
  for (Index g = 0; g < G; ++g) {
    const auto& a = data.grad_dot_step[static_cast<size_t>(g)];
    const auto& b = data.half_step_sq[static_cast<size_t>(g)];
    if (a.rows() != T || a.cols() != N || b.rows() != T || b.cols() != N)
      throw Error(fmt::format("curvature fit: group {} sums are not {}x{}", g, T, N));
  }
  if (!data.objective_change.allFinite()) throw Error("curvature fit: non-finite objective change");
  if (options.secant_curvature) return fit_secant_curvatures(data, options);
  // Residual after the exact first-order term, and the group regressors, per (t, n).
  Mat resid = data.objective_change;
  for (Index g = 0; g < G; ++g) resid -= data.grad_dot_step[static_cast<size_t>(g)];
  auto normal_equations = [&](Index t0, Index t1, Mat& QtQ, Vec& Qty) {
    QtQ = Mat::Zero(G, G);
    Qty = Vec::Zero(G);
    for (Index t = t0; t <= t1; ++t)
      for (Index n = 0; n < N; ++n) {
        Vec q(G);
        for (Index g = 0; g < G; ++g) q(g) = data.half_step_sq[static_cast<size_t>(g)](t, n);
        QtQ += q * q.transpose();
        Qty += q * resid(t, n);
      }
  };
  // All-steps estimate (minimum-norm least squares: groups that never moved get 0).
  Mat QtQ;
  Vec Qty;
  normal_equations(0, T - 1, QtQ, Qty);
  const Vec pooled = QtQ.completeOrthogonalDecomposition().solve(Qty);
  if (!pooled.allFinite()) throw Error("curvature fit: all-steps regression is not finite");
  Mat h(G, T);
  const Index w = options.curvature_window;
  for (Index t = 0; t < T; ++t) {
    normal_equations(std::max<Index>(0, t - w), std::min<Index>(T - 1, t + w), QtQ, Qty);
    const double scale = QtQ.trace() / static_cast<double>(G);
    // Minimise |r - Q h|^2 + rho |h - pooled|^2, rho relative to the data's scale; a group with
    // no movement in the window (zero column) is held at the pooled value by the ridge.
    const double rho = scale > 0.0 ? options.curvature_ridge * scale : 1.0;
    Mat lhs = QtQ;
    Vec rhs = Qty + rho * pooled;
    lhs.diagonal().array() += rho;
    for (Index g = 0; g < G; ++g)
      if (QtQ(g, g) <= 0.0 && rho == 0.0) {  // unridged and unmoved: keep the pooled value
        lhs(g, g) = 1.0;
        rhs(g) = pooled(g);
      }
    h.col(t) = lhs.ldlt().solve(rhs);
  }
  if (!h.allFinite()) throw Error("curvature fit: regression is not finite");
  return h.cwiseMax(options.min_curvature);
}

Vec cost_weights(Index T, CostWeighting weighting) {
  Vec w(T);
  for (Index t = 0; t < T; ++t) w(t) = weighting == CostWeighting::Remaining ? static_cast<double>(T - t) : 1.0;
  return w;
}

QuadraticCost tied_step_cost(const Vec& curvature, const Vec& weights, Index state_dim,
                             const std::vector<Index>& grad_index) {
  const Index T = curvature.size(), dU = static_cast<Index>(grad_index.size());
  if (T == 0 || weights.size() != T) throw Error("tied cost: curvature and weights need T > 0 entries each");
  if (dU == 0) throw Error("tied cost: need at least one action component");
  for (Index gi : grad_index)
    if (gi < 0 || gi >= state_dim)
      throw Error(fmt::format("tied cost: gradient index {} outside the state (dimension {})", gi, state_dim));
  if (!curvature.allFinite() || !weights.allFinite()) throw Error("tied cost: non-finite curvature or weight");
  QuadraticCost cost = QuadraticCost::zero(T, state_dim + dU);
  for (Index t = 0; t < T; ++t)
    for (Index u = 0; u < dU; ++u) {
      // 1/2 z^T C z with C(g,a) = C(a,g) = w gives the bilinear term w s_g a.
      cost.C[t](grad_index[u], state_dim + u) += weights(t);
      cost.C[t](state_dim + u, grad_index[u]) += weights(t);
      cost.C[t](state_dim + u, state_dim + u) += weights(t) * curvature(t);
    }
  return cost;
}

}  // namespace l2o::gps
