// BADMM GPS (LM17 §3.4-3.5; method §5.7; GPS-code AlgorithmBADMM), one iteration:
//   1. trajectories from psi (fresh seeds each iteration);
//   2. per group: tied curvature cost, GMM/NIW dynamics, pi's linearisation; the step-size update
//      from the previous iteration's prediction;
//   3. the inner loop (gps.badmm.inner_iterations passes): theta-step (pi's regression onto the
//      lambda-shifted psi, skipped on the first pass of iteration 0), pi re-linearised, lambda
//      step (nu step on the last pass), psi-step (trust-region LQG centred on the sampled psi).
// The dual updates themselves are in badmm_duals.hpp.

#include <fmt/core.h>

#include "l2o/core/rng.hpp"
#include "l2o/gps/algorithm/algorithm.hpp"
#include "l2o/gps/algorithm/group_models.hpp"
#include "l2o/gps/algorithm/psi_step.hpp"
#include "l2o/gps/algorithm/regression_sets.hpp"
#include "l2o/gps/traj_opt/step_adjust.hpp"

namespace l2o::gps {
namespace {

class BadmmAlgorithm final : public Algorithm {
 public:
  SamplingPlan plan(GpsState&, const IterationContext&) const override { return {}; }  // always psi
  void update(GpsState& state, const IterationContext& ctx, const PooledSamples& samples,
              IterationReport& rep) const override;
};

}  // namespace

void BadmmAlgorithm::update(GpsState& s, const IterationContext& ctx, const PooledSamples& p,
                            IterationReport& rep) const {
  const GpsConfig& gps = ctx.config.gps;
  const Index G = static_cast<Index>(ctx.layout.groups.size());
  const Index T = p.horizon;

  // 2. Models per group. pi's covariance minimises the nu-weighted KL to the current psi
  // (recomputed at every linearisation).
  auto pi_cov = [&](Index g) {
    const auto gs = static_cast<std::size_t>(g);
    const Vec nu = s.groups[gs].duals.nu;
    return Mat(nu.sum() > 0 ? optimal_policy_covariance(s.psi[gs], nu) : s.psi[gs].cov.front());
  };
  GroupModels m = fit_group_models(*s.policy, ctx, p, pi_cov);

  // Step-size adaptation from the previous iteration's prediction.
  const double kl_T = gps.trust_region.kl_step * static_cast<double>(T);
  for (Index g = 0; g < G; ++g) {
    const auto gs = static_cast<std::size_t>(g);
    GroupState& st = s.groups[gs];
    if (!st.has_model) continue;
    const double actual = estimate_cost(s.psi[gs], m.dyn[gs], m.cost[gs], m.pibar[gs]).objective(st.duals.nu);
    st.step_mult = adjust_step_mult(st.prev_objective, st.predicted_objective, actual, st.step_mult, gps.step_size,
                                    st.last_kl, kl_T)
                       .step_mult;
  }

  // 3. The inner loop; psi's trust region is centred on the psi that sampled.
  const std::vector<LinearGaussianPolicy> sampled = s.psi;
  std::vector<TrustRegionResult> tr(static_cast<std::size_t>(G));
  const int inner = gps.badmm.inner_iterations;
  for (int i = 0; i < inner; ++i) {
    if (!(ctx.iteration == 0 && i == 0)) {  // the first pass of all: pi was just pre-trained onto psi
      const std::vector<RegressionSet> current = regression_sets(s, ctx.layout, p);
      rep.regression_loss = s.regressor.train(*s.policy, s.buffer.with(current), ctx.config.regression.epochs,
                                              derive_seed(ctx.seed, fmt::format("{}-regression-{}", ctx.tag, i)));
      for_each_group(G, [&](Index g) {
        m.pi_cov[static_cast<std::size_t>(g)] = pi_cov(g);
        linearise_pi(*s.policy, ctx, p, g, m);
      });
    }
    for_each_group(G, [&](Index g) {
      const auto gs = static_cast<std::size_t>(g);
      GroupState& st = s.groups[gs];
      const auto s_t = p.step_states(gs);
      lambda_step(st.duals, mean_action_gap(s_t, m.pi_mean[gs], s.psi[gs]), s.psi[gs], gps.badmm);
      if (i == inner - 1)
        nu_step(st.duals, sample_policy_kl(s_t, m.pi_mean[gs], m.pi_cov[gs], s.psi[gs]).psi_pi, gps.badmm);
      KlTerms terms;
      terms.previous = &sampled[gs];
      terms.global = &m.pibar[gs];
      terms.nu = st.duals.nu;
      terms.lambda = st.duals.lambda;
      tr[gs] = psi_step(m.dyn[gs], m.cost[gs], terms, s.psi[gs], gps, T, st, s.psi[gs]);
    });
  }

  // Bookkeeping for the next step-size update, and the report.
  for (Index g = 0; g < G; ++g) {
    const auto gs = static_cast<std::size_t>(g);
    GroupState& st = s.groups[gs];
    st.prev_objective = estimate_cost(sampled[gs], m.dyn[gs], m.cost[gs], m.pibar[gs]).objective(st.duals.nu);
    st.predicted_objective = estimate_cost(s.psi[gs], m.dyn[gs], m.cost[gs], m.pibar[gs]).objective(st.duals.nu);
    st.last_kl = tr[gs].kl;
    st.has_model = true;
    GroupReport gr = psi_step_report(ctx.layout.groups[gs].name, tr[gs], st, m.curvature.row(g).mean());
    gr.kl_pi = sample_policy_kl(p.step_states(gs), m.pi_mean[gs], m.pi_cov[gs], s.psi[gs]).psi_pi.mean();
    gr.nu = st.duals.nu.mean();
    rep.groups.push_back(gr);
  }
  // The buffer keeps the sets under the final psi and duals (unused when it keeps nothing).
  if (s.buffer.capacity() > 0) s.buffer.push(regression_sets(s, ctx.layout, p));
}

const Algorithm& badmm_algorithm() {
  static const BadmmAlgorithm algorithm;
  return algorithm;
}

}  // namespace l2o::gps
