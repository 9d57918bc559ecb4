#include "l2o/gps/traj_opt/lqg.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "l2o/core/error.hpp"

namespace l2o::gps {

namespace {

// Checks that the dynamics cover the horizon of `cost` with consistent shapes; returns dU.
Index check_problem(const LinearGaussianDynamics& dyn, const QuadraticCost& cost, const char* what) {
  const Index T = cost.steps(), dX = dyn.state_dim();
  if (T == 0) throw Error(fmt::format("{}: cost has no time steps", what));
  if (dX == 0) throw Error(fmt::format("{}: dynamics have no initial state", what));
  const Index dU = cost.C[0].rows() - dX;
  if (dU <= 0)
    throw Error(
        fmt::format("{}: cost dimension {} leaves no action for state dimension {}", what, cost.C[0].rows(), dX));
  cost.validate(dX + dU, what);
  if (dyn.steps() < T - 1)
    throw Error(fmt::format("{}: {} dynamics steps for a horizon of {} (need {})", what, dyn.steps(), T, T - 1));
  if (dyn.x0_cov.rows() != dX || dyn.x0_cov.cols() != dX)
    throw Error(fmt::format("{}: initial-state covariance is not {}x{}", what, dX, dX));
  for (Index t = 0; t + 1 < T; ++t) {
    if (dyn.A[t].rows() != dX || dyn.A[t].cols() != dX || dyn.B[t].rows() != dX || dyn.B[t].cols() != dU ||
        dyn.c[t].size() != dX || dyn.F[t].rows() != dX || dyn.F[t].cols() != dX)
      throw Error(fmt::format("{}: dynamics step {} has inconsistent shapes", what, t));
    if (!dyn.A[t].allFinite() || !dyn.B[t].allFinite() || !dyn.c[t].allFinite() || !dyn.F[t].allFinite())
      throw Error(fmt::format("{}: dynamics step {} has a non-finite value", what, t));
  }
  return dU;
}

void check_policy(const LinearGaussianPolicy& p, Index T, Index dX, Index dU, const char* role) {
  if (p.steps() < T || p.state_dim() != dX || p.action_dim() != dU)
    throw Error(fmt::format("LQG: {} has {} steps of {}x{} gains; need {} steps of {}x{}", role, p.steps(),
                            p.action_dim(), p.state_dim(), T, dU, dX));
  if (static_cast<Index>(p.inv_cov.size()) < T) throw Error(fmt::format("LQG: {} was not refreshed", role));
}

// -log N(a; K s + k, S) up to a constant, as a quadratic in z = [s; a]: 1/2 z^T M z + v^T z.
void add_gaussian_log_term(Mat& C, Vec& d, const Mat& K, const Vec& k, const Mat& prec, double weight) {
  const Index dX = K.cols(), dU = K.rows();
  const Mat KtP = K.transpose() * prec;
  C.topLeftCorner(dX, dX) += weight * KtP * K;
  C.topRightCorner(dX, dU) -= weight * KtP;
  C.bottomLeftCorner(dU, dX) -= weight * KtP.transpose();
  C.bottomRightCorner(dU, dU) += weight * prec;
  d.head(dX) += weight * KtP * k;
  d.tail(dU) -= weight * prec * k;
}

// One backward pass at a fixed kappa; returns the first step (from the end) where Q_aa is not PD,
// or -1 on success.
Index backward_once(const LinearGaussianDynamics& dyn, const AugmentedCost& aug, Index dX, Index dU,
                    const LqgOptions& options, LinearGaussianPolicy& out) {
  const Index T = aug.cost.steps();
  out.K.assign(T, Mat());
  out.k.assign(T, Vec());
  out.cov.assign(T, Mat());
  out.chol.assign(T, Mat());
  out.inv_cov.assign(T, Mat());
  Mat V;  // value function of step t+1 (quadratic and linear terms)
  Vec v;
  for (Index t = T - 1; t >= 0; --t) {
    Mat Q = aug.cost.C[t];
    Vec q = aug.cost.d[t];
    if (t < T - 1) {
      const double ratio = aug.divisor(t + 1) / aug.divisor(t);
      Mat Fm(dX, dX + dU);
      Fm << dyn.A[t], dyn.B[t];
      Q += ratio * Fm.transpose() * V * Fm;
      q += ratio * Fm.transpose() * (v + V * dyn.c[t]);
    }
    Q = symmetrize(Q);
    const Mat Qaa = Q.bottomRightCorner(dU, dU);
    Eigen::LLT<Mat> llt(Qaa);
    const Mat L = llt.matrixL();
    if (llt.info() != Eigen::Success || !L.allFinite() || !(L.diagonal().array() > 0.0).all()) return t;
    const Mat Qas = Q.bottomLeftCorner(dU, dX);
    out.K[t] = -llt.solve(Qas);
    out.k[t] = -llt.solve(q.tail(dU));
    // Max-entropy covariance G = Q_aa^-1, clamped to keep psi proper and bounded.
    out.cov[t] =
        clamp_eigenvalues(llt.solve(Mat::Identity(dU, dU)), options.min_action_variance, options.max_action_variance);
    V = symmetrize(Q.topLeftCorner(dX, dX) + Q.topRightCorner(dX, dU) * out.K[t]);
    v = q.head(dX) + Q.topRightCorner(dX, dU) * out.k[t];
    if (!out.K[t].allFinite() || !out.k[t].allFinite() || !V.allFinite() || !v.allFinite())
      throw Error(
          fmt::format("LQG backward pass: non-finite gain or value function at step {} (dynamics or cost "
                      "badly scaled?)",
                      t));
  }
  out.refresh("LQG backward pass");
  return -1;
}

}  // namespace

const char* to_string(TrustRegionStatus status) {
  switch (status) {
    case TrustRegionStatus::Met:
      return "met";
    case TrustRegionStatus::Slack:
      return "slack";
    case TrustRegionStatus::Exceeded:
      return "exceeded";
    case TrustRegionStatus::Failed:
      return "failed: kept the previous policy";
  }
  return "?";
}

AugmentedCost augmented_cost(const QuadraticCost& cost, const KlTerms& terms, double kappa, Index state_dim,
                             const LqgOptions& options) {
  const Index T = cost.steps(), dX = state_dim;
  if (T == 0) throw Error("augmented cost: no time steps");
  const Index dU = cost.C[0].rows() - dX;
  if (dU <= 0) throw Error("augmented cost: cost dimension too small for the state");
  if (!(kappa >= 0.0) || !std::isfinite(kappa)) throw Error(fmt::format("augmented cost: kappa {} is invalid", kappa));
  if (terms.nu.size() != 0 && terms.nu.size() != T)
    throw Error(fmt::format("augmented cost: {} nu values for {} steps", terms.nu.size(), T));
  if (!terms.lambda.empty() && static_cast<Index>(terms.lambda.size()) != T)
    throw Error(fmt::format("augmented cost: {} lambda values for {} steps", terms.lambda.size(), T));
  if (terms.nu.size() != 0 && (!terms.nu.allFinite() || (terms.nu.array() < 0.0).any()))
    throw Error("augmented cost: nu must be finite and >= 0");
  const bool use_prev = kappa > 0.0;
  const bool use_global = terms.nu.size() != 0 && (terms.nu.array() > 0.0).any();
  if (use_prev) {
    if (terms.previous == nullptr) throw Error("augmented cost: kappa > 0 needs the previous policy");
    check_policy(*terms.previous, T, dX, dU, "previous policy");
  }
  if (use_global) {
    if (terms.global == nullptr) throw Error("augmented cost: nu > 0 needs the linearised global policy");
    check_policy(*terms.global, T, dX, dU, "linearised global policy");
  }
  AugmentedCost out;
  out.cost = cost;
  out.divisor.resize(T);
  for (Index t = 0; t < T; ++t) {
    const double nu = terms.nu.size() != 0 ? terms.nu(t) : 0.0;
    double D = nu + kappa + options.entropy_weight;
    if (!(D > 0.0)) D = 1.0;  // plain LQR: the max-entropy covariance Q_aa^-1, same K and k
    out.divisor(t) = D;
    Mat& C = out.cost.C[t];
    Vec& d = out.cost.d[t];
    if (!terms.lambda.empty()) {
      if (terms.lambda[t].size() != dU)
        throw Error(fmt::format("augmented cost: lambda at step {} is not {}-d", t, dU));
      d.tail(dU) -= terms.lambda[t];
    }
    if (use_prev)
      add_gaussian_log_term(C, d, terms.previous->K[t], terms.previous->k[t], terms.previous->inv_cov[t], kappa);
    if (use_global && nu > 0.0)
      add_gaussian_log_term(C, d, terms.global->K[t], terms.global->k[t], terms.global->inv_cov[t], nu);
    C /= D;
    d /= D;
    out.cost.e[t] /= D;
  }
  return out;
}

LqgSolution lqg_backward(const LinearGaussianDynamics& dynamics, const QuadraticCost& cost, const KlTerms& terms,
                         double kappa, const LqgOptions& options) {
  const Index dU = check_problem(dynamics, cost, "LQG backward pass");
  const Index dX = dynamics.state_dim();
  LqgSolution sol;
  double k_try = kappa, delta = options.pd_delta_init;
  for (;;) {
    const AugmentedCost aug = augmented_cost(cost, terms, k_try, dX, options);
    const Index fail = backward_once(dynamics, aug, dX, dU, options, sol.policy);
    if (fail < 0) break;
    if (terms.previous == nullptr)
      throw Error(
          fmt::format("LQG backward pass: Q_aa is not positive definite at step {} and there is no previous "
                      "policy whose KL term could regularise it (cost not convex in the action?)",
                      fail));
    // Raise kappa: the trust-region term pulls Q_aa toward the previous policy's precision.
    k_try = kappa + delta;
    delta *= 2.0;
    ++sol.pd_retries;
    if (k_try >= options.kappa_cap)
      throw NotPositiveDefinite(
          fmt::format("LQG backward pass: Q_aa is not positive definite at step {} even with kappa = {:.3g} "
                      "(check that the dynamics and cost are well conditioned)",
                      fail, k_try));
  }
  sol.kappa = k_try;
  return sol;
}

StateActionMarginals lqg_forward(const LinearGaussianDynamics& dynamics, const LinearGaussianPolicy& policy) {
  const Index T = policy.steps(), dX = dynamics.state_dim(), dU = policy.action_dim();
  if (T == 0) throw Error("LQG forward pass: policy has no time steps");
  if (policy.state_dim() != dX) throw Error("LQG forward pass: policy and dynamics disagree on the state dimension");
  if (dynamics.steps() < T - 1) throw Error("LQG forward pass: dynamics do not cover the policy's horizon");
  StateActionMarginals m;
  m.mean.resize(T);
  m.cov.resize(T);
  Vec mu_s = dynamics.x0_mean;
  Mat sig_s = dynamics.x0_cov;
  for (Index t = 0; t < T; ++t) {
    const Mat& K = policy.K[t];
    Vec mu(dX + dU);
    mu << mu_s, K * mu_s + policy.k[t];
    Mat sig(dX + dU, dX + dU);
    const Mat KS = K * sig_s;
    sig << sig_s, KS.transpose(), KS, KS * K.transpose() + policy.cov[t];
    m.mean[t] = mu;
    m.cov[t] = symmetrize(sig);
    if (!mu.allFinite() || !sig.allFinite())
      throw Error(fmt::format("LQG forward pass: non-finite state-action marginal at step {}", t));
    if (t + 1 < T) {
      Mat Fm(dX, dX + dU);
      Fm << dynamics.A[t], dynamics.B[t];
      mu_s = Fm * mu + dynamics.c[t];
      sig_s = symmetrize(Fm * m.cov[t] * Fm.transpose() + dynamics.F[t]);
    }
  }
  return m;
}

Vec expected_policy_kl(const StateActionMarginals& marginals, const LinearGaussianPolicy& p,
                       const LinearGaussianPolicy& q) {
  const Index T = marginals.steps();
  if (p.steps() < T || q.steps() < T) throw Error("expected KL: policies shorter than the marginals");
  const Index dX = p.state_dim(), dU = p.action_dim();
  if (q.state_dim() != dX || q.action_dim() != dU) throw Error("expected KL: policies have different shapes");
  if (static_cast<Index>(p.chol.size()) < T || static_cast<Index>(q.chol.size()) < T)
    throw Error("expected KL: policy factors missing (build policies with LinearGaussianPolicy::make or refresh())");
  Vec kl(T);
  for (Index t = 0; t < T; ++t) {
    const Vec mu_s = marginals.mean[t].head(dX);
    const Mat sig_s = marginals.cov[t].topLeftCorner(dX, dX);
    const Mat& Pq = q.inv_cov[t];
    const Mat dK = p.K[t] - q.K[t];
    const Vec dmean = dK * mu_s + (p.k[t] - q.k[t]);
    const double logdet_p = 2.0 * p.chol[t].diagonal().array().log().sum();
    const double logdet_q = 2.0 * q.chol[t].diagonal().array().log().sum();
    const double val =
        0.5 * ((Pq * p.cov[t]).trace() + dmean.dot(Pq * dmean) + (dK.transpose() * Pq * dK * sig_s).trace() -
               static_cast<double>(dU) + logdet_q - logdet_p);
    if (!std::isfinite(val)) throw Error(fmt::format("expected KL: not finite at step {}", t));
    kl(t) = std::max(0.0, val);
  }
  return kl;
}

Vec expected_cost(const StateActionMarginals& marginals, const QuadraticCost& cost) {
  const Index T = marginals.steps();
  if (cost.steps() < T) throw Error("expected cost: cost shorter than the marginals");
  Vec out(T);
  for (Index t = 0; t < T; ++t) {
    const Vec& mu = marginals.mean[t];
    if (cost.C[t].rows() != mu.size()) throw Error("expected cost: cost and marginals have different dimensions");
    out(t) =
        0.5 * (cost.C[t].cwiseProduct(marginals.cov[t]).sum() + mu.dot(cost.C[t] * mu)) + cost.d[t].dot(mu) + cost.e[t];
  }
  return out;
}

TrustRegionResult solve_trust_region(const LinearGaussianDynamics& dynamics, const QuadraticCost& cost,
                                     const KlTerms& terms, double epsilon, double kappa_start,
                                     const TrustRegionOptions& options) {
  if (terms.previous == nullptr) throw Error("trust region: needs the previous policy");
  if (!(epsilon > 0.0) || !std::isfinite(epsilon))
    throw Error(fmt::format("trust region: epsilon {} must be > 0", epsilon));
  double lower = options.kappa_min, upper = options.kappa_max;
  double kappa = std::clamp(kappa_start, lower, upper);
  TrustRegionResult last, best_feasible;
  bool have_feasible = false;
  int pd_retries = 0;
  for (int it = 1; it <= options.max_iterations; ++it) {
    LqgSolution sol = lqg_backward(dynamics, cost, terms, kappa, options.lqg);
    pd_retries += sol.pd_retries;
    kappa = sol.kappa;
    last.marginals = lqg_forward(dynamics, sol.policy);
    last.kl = expected_policy_kl(last.marginals, sol.policy, *terms.previous).sum();
    last.policy = std::move(sol.policy);
    last.kappa = kappa;
    last.iterations = it;
    last.epsilon = epsilon;
    const double con = last.kl - epsilon;
    if (std::abs(con) < options.kl_tolerance * epsilon) {
      last.status = TrustRegionStatus::Met;
      last.pd_retries = pd_retries;
      return last;
    }
    if (con < 0.0) {
      if (!have_feasible || last.kl > best_feasible.kl) {
        best_feasible = last;
        have_feasible = true;
      }
      // Stopping when kappa is already at the bottom of the bracket: the bound is inactive.
      if (kappa <= options.kappa_min * (1.0 + 1e-12)) break;
      upper = kappa;
      kappa = std::max(std::sqrt(lower * upper), 0.1 * upper);
    } else {
      if (kappa >= options.kappa_max) break;
      lower = kappa;
      kappa = std::min(std::sqrt(lower * upper), 10.0 * lower);
    }
  }
  const int iterations = last.iterations;
  TrustRegionResult out = have_feasible ? std::move(best_feasible) : std::move(last);
  out.status = have_feasible ? TrustRegionStatus::Slack : TrustRegionStatus::Exceeded;
  out.iterations = iterations;
  out.pd_retries = pd_retries;
  return out;
}

TrustRegionResult solve_trust_region_or_keep(const LinearGaussianDynamics& dynamics, const QuadraticCost& cost,
                                             const KlTerms& terms, double epsilon, double kappa_start,
                                             const LinearGaussianPolicy& keep, const TrustRegionOptions& options) {
  try {
    return solve_trust_region(dynamics, cost, terms, epsilon, kappa_start, options);
  } catch (const NotPositiveDefinite&) {
    TrustRegionResult r;
    r.policy = keep;
    r.kappa = kappa_start;
    r.epsilon = epsilon;
    r.kl = 0.0;
    r.status = TrustRegionStatus::Failed;
    return r;
  }
}

}  // namespace l2o::gps
