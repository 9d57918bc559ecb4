#pragma once
// Small deterministic objectives and a driver loop for the optimizer tests (no data needed).
#include <cmath>
#include <functional>
#include <vector>

#include <gtest/gtest.h>

#include "l2o/core/rng.hpp"
#include "l2o/optim/optimizer.hpp"

namespace l2o::test {

// f(x) = 0.5 x'Ax - b'x, gradient Ax - b.
struct Quadratic {
  Mat A;
  Vec b;
  double value(const Vec& x) const { return 0.5 * x.dot(A * x) - b.dot(x); }
  LossGradFn fn() const {
    return [A = A, b = b](const Vec& x, Vec& g) {
      g = A * x - b;
      return 0.5 * x.dot(A * x) - b.dot(x);
    };
  }
  Vec minimizer() const { return A.ldlt().solve(b); }
};

// A = Q diag(eigenvalues) Q' with a seeded random orthogonal Q; b seeded.
inline Quadratic random_quadratic(const Vec& eigenvalues, std::uint64_t seed) {
  const Index n = eigenvalues.size();
  Rng rng(seed, "quadratic");
  Mat m(n, n);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = rng.normal();
  const Mat q = Eigen::HouseholderQR<Mat>(m).householderQ();
  Quadratic p;
  p.A = q * eigenvalues.asDiagonal() * q.transpose();
  p.A = 0.5 * (p.A + p.A.transpose());
  p.b.resize(n);
  for (Index i = 0; i < n; ++i) p.b[i] = rng.normal();
  return p;
}

// 2-D Rosenbrock, minimum 0 at (1, 1).
inline double rosenbrock(const Vec& x, Vec& g) {
  const double a = 1.0 - x[0], b = x[1] - x[0] * x[0];
  g.resize(2);
  g[0] = -2.0 * a - 400.0 * x[0] * b;
  g[1] = 200.0 * b;
  return a * a + 100.0 * b * b;
}

// Runs `iters` steps from x0. `fn_at(t)` is the objective of step t (a fixed function for
// deterministic problems, a different "minibatch" per step for stochastic ones); it is passed as
// ctx.eval unless `with_eval` is false. Returns x_0, ..., x_iters.
inline std::vector<Vec> run_steps(Optimizer& opt, const std::function<LossGradFn(int)>& fn_at,
                                  Vec x0, int iters, bool with_eval = true) {
  std::vector<Vec> xs{x0};
  Vec x = std::move(x0), g, delta;
  for (int t = 0; t < iters; ++t) {
    const LossGradFn f = fn_at(t);
    const double loss = f(x, g);
    opt.step({x, loss, g, with_eval ? &f : nullptr}, delta);
    x += delta;
    xs.push_back(x);
  }
  return xs;
}

inline std::vector<Vec> run_steps(Optimizer& opt, const LossGradFn& f, Vec x0, int iters,
                                  bool with_eval = true) {
  return run_steps(
      opt, [&](int) { return f; }, std::move(x0), iters, with_eval);
}

// Steps on a fixed objective (passed as ctx.eval) until `done(x)`; returns the number of steps
// taken, or -1 if `done` never held within `max_iters`. The final point is left in `x`.
inline int steps_until(Optimizer& opt, const LossGradFn& f, Vec& x, int max_iters,
                       const std::function<bool(const Vec&)>& done) {
  Vec g, delta;
  for (int t = 0; t < max_iters; ++t) {
    if (done(x)) return t;
    const double loss = f(x, g);
    opt.step({x, loss, g, &f}, delta);
    x += delta;
  }
  return done(x) ? max_iters : -1;
}

// A stochastic quadratic: step t sees A + noise_t, b + noise_t (seeded by t), like a minibatch.
inline std::function<LossGradFn(int)> noisy_quadratic(const Quadratic& base, double noise,
                                                      std::uint64_t seed) {
  return [base, noise, seed](int t) {
    Rng rng(seed + static_cast<std::uint64_t>(t), "minibatch");
    Quadratic q = base;
    const Index n = q.b.size();
    Mat e(n, n);
    for (Index i = 0; i < e.size(); ++i) e.data()[i] = noise * rng.normal();
    q.A += 0.5 * (e + e.transpose()) / std::sqrt(static_cast<double>(n));
    for (Index i = 0; i < n; ++i) q.b[i] += noise * rng.normal();
    return q.fn();
  };
}

// 300 steps of `opt` on noisy minibatches (noise 0.5, `seed`) of an 8-dimensional quadratic with
// eigenvalues 1..30, from x = 1. Counts, per step, the minibatch gradients the optimizer evaluates
// (at most `max_evals` allowed) and whether its step is finite; returns false at the first step
// that breaks either. `f_start` / `f_end` get the noise-free objective at the start and the end.
inline bool noisy_quadratic_run(Optimizer& opt, int max_evals, std::uint64_t seed, double& f_start, double& f_end) {
  const Quadratic base = random_quadratic(Vec::LinSpaced(8, 1.0, 30.0), 8);
  const auto batches = noisy_quadratic(base, 0.5, seed);
  Vec x = Vec::Ones(8), g, delta;
  f_start = base.value(x);
  for (int t = 0; t < 300; ++t) {
    const LossGradFn batch = batches(t);
    int calls = 0;
    const LossGradFn counted = [&](const Vec& at, Vec& gr) {
      ++calls;
      return batch(at, gr);
    };
    const double loss = batch(x, g);
    opt.step({x, loss, g, &counted}, delta);
    if (calls > max_evals || !delta.allFinite()) return false;
    x += delta;
  }
  f_end = base.value(x);
  return true;
}

// Plain linear conjugate gradient on Ax = b from x0 (Hestenes & Stiefel 1952): the reference
// iterates for nonlinear CG and L-BFGS with exact line searches on a quadratic.
inline std::vector<Vec> linear_cg_iterates(const Quadratic& q, Vec x, int iters) {
  std::vector<Vec> xs{x};
  Vec r = q.b - q.A * x, p = r;
  for (int k = 0; k < iters; ++k) {
    const Vec ap = q.A * p;
    const double rr = r.squaredNorm();
    const double alpha = rr / p.dot(ap);
    x += alpha * p;
    r -= alpha * ap;
    p = r + (r.squaredNorm() / rr) * p;
    xs.push_back(x);
  }
  return xs;
}
// n steps of `opt` from x = 1 on q (n-dimensional) follow linear CG's iterates and end at the
// minimiser, the gradient vanishing to rounding: what CG and L-BFGS do with exact line searches.
inline void expect_linear_cg_iterates(Optimizer& opt, const Quadratic& q, int n) {
  const Vec x0 = Vec::Ones(n);
  const auto xs = run_steps(opt, q.fn(), x0, n);
  const auto ref = linear_cg_iterates(q, x0, n);
  for (int k = 1; k <= n; ++k)
    EXPECT_LT((xs[k] - ref[k]).norm(), 1e-7 * (1.0 + ref[k].norm())) << "iteration " << k;
  Vec g0, gn;
  q.fn()(x0, g0);
  q.fn()(xs[n], gn);
  EXPECT_LT(gn.norm(), 1e-8 * g0.norm());
  EXPECT_LT((xs[n] - q.minimizer()).norm(), 1e-8);
}

}  // namespace l2o::test
