// On-policy mirror-descent GPS (Montgomery & Levine 2016; gps.algorithm mdgps), one iteration:
//   1. trajectories from pi plus its Gaussian exploration noise (from psi in the first iteration,
//      or always with mdgps.on_policy false);
//   2. per group: tied cost, dynamics and pi's linearisation pibar on those samples; the step
//      multiplier from whether pibar's cost improved as the previous models predicted;
//   3. C-step: psi = argmin of the LQG cost subject to KL(psi || pibar) <= epsilon;
//   4. S-step: pi regressed onto psi's mean actions at the states pi visited; pi's exploration
//      variance per group becomes the covariance that best matches psi's.
// When BADMM ran the iterations before (mdgps.badmm_iterations), the first MDGPS iteration resets
// the step multipliers and takes pi's variance from the current psi.

#include <fmt/core.h>

#include "l2o/core/rng.hpp"
#include "l2o/gps/algorithm/algorithm.hpp"
#include "l2o/gps/algorithm/group_models.hpp"
#include "l2o/gps/algorithm/psi_step.hpp"
#include "l2o/gps/algorithm/regression_sets.hpp"
#include "l2o/gps/traj_opt/step_adjust.hpp"

namespace l2o::gps {
namespace {

class MdgpsAlgorithm final : public Algorithm {
 public:
  SamplingPlan plan(GpsState& state, const IterationContext& ctx) const override;
  void update(GpsState& state, const IterationContext& ctx, const PooledSamples& samples,
              IterationReport& rep) const override;
};

}  // namespace

SamplingPlan MdgpsAlgorithm::plan(GpsState& s, const IterationContext& ctx) const {
  const MdgpsOptions& md = ctx.config.gps.mdgps;
  const int it = ctx.iteration;
  if (it > 0 && it == md.badmm_iterations)  // the switch from BADMM: its step sizes and prediction do not carry over
    for (std::size_t g = 0; g < s.groups.size(); ++g) {
      GroupState& st = s.groups[g];
      st.has_model = false;
      st.step_mult = ctx.config.gps.step_size.init_step_mult;
      st.pi_var = optimal_policy_covariance(s.psi[g], st.duals.nu)(0, 0);
    }
  // From psi in the first iteration, when pi has only been pre-trained onto psi and psi is the
  // better-founded sampler.
  SamplingPlan plan;
  plan.from_pi = md.on_policy && it > 0;
  if (plan.from_pi)
    for (const GroupState& st : s.groups) plan.noise_var.push_back(md.noise_scale * md.noise_scale * st.pi_var);
  return plan;
}

void MdgpsAlgorithm::update(GpsState& s, const IterationContext& ctx, const PooledSamples& p,
                            IterationReport& rep) const {
  const GpsConfig& gps = ctx.config.gps;
  const MdgpsOptions& md = gps.mdgps;
  const Index G = static_cast<Index>(ctx.layout.groups.size());
  const Index T = p.horizon;

  // 2. Models on pi's samples; pi linearised with its own exploration covariance.
  GroupModels m = fit_group_models(*s.policy, ctx, p, [&](Index g) {
    return Mat(Mat::Constant(1, 1, s.groups[static_cast<std::size_t>(g)].pi_var));
  });
  // The step multiplier: did pi's cost (its linearisation under this iteration's models) improve
  // as the previous iteration's models predicted for the psi it was regressed onto?
  // J(pibar; M) is also the next iteration's "previous" objective.
  const Vec no_nu;
  std::vector<double> pibar_objective(static_cast<std::size_t>(G));
  for (Index g = 0; g < G; ++g) {
    const auto gs = static_cast<std::size_t>(g);
    GroupState& st = s.groups[gs];
    pibar_objective[gs] = estimate_cost(m.pibar[gs], m.dyn[gs], m.cost[gs], m.pibar[gs]).objective(no_nu);
    if (!st.has_model) continue;
    st.step_mult = adjust_step_mult(st.prev_objective, st.predicted_objective, pibar_objective[gs], st.step_mult,
                                    gps.step_size)
                       .step_mult;
  }

  // 3. C-step: LQG on the fitted models within KL(psi || pibar) <= epsilon.
  std::vector<TrustRegionResult> tr(static_cast<std::size_t>(G));
  for_each_group(G, [&](Index g) {
    const auto gs = static_cast<std::size_t>(g);
    GroupState& st = s.groups[gs];
    KlTerms terms;
    terms.previous = &m.pibar[gs];
    tr[gs] = psi_step(m.dyn[gs], m.cost[gs], terms, m.pibar[gs], gps, T, st, s.psi[gs]);
    st.prev_objective = pibar_objective[gs];
    st.predicted_objective = estimate_cost(s.psi[gs], m.dyn[gs], m.cost[gs], m.pibar[gs]).objective(no_nu);
    st.last_kl = tr[gs].kl;
    st.has_model = true;
  });

  // 4. S-step: pi onto psi's means at the states pi visited (the duals stay at lambda = 0 and a
  // constant nu, so the targets are psi's means with weights G_t^-1), with the earlier
  // iterations' sets of the buffer.
  std::vector<std::vector<Mat>> residual;  // [g][t]: mu_pi - mu_pibar at the samples
  if (md.residual_targets)
    for (Index g = 0; g < G; ++g) {
      const auto gs = static_cast<std::size_t>(g);
      residual.emplace_back();
      for (Index t = 0; t < T; ++t)
        residual.back().push_back(m.pi_mean[gs][static_cast<std::size_t>(t)] -
                                  m.pibar[gs].mean_rows(t, p.samples[gs].states[static_cast<std::size_t>(t)]));
    }
  std::vector<RegressionSet> current = regression_sets(s, ctx.layout, p, md.residual_targets ? &residual : nullptr);
  rep.regression_loss =
      s.regressor.train(*s.policy, s.buffer.with(current),
                        md.regression_epochs > 0 ? md.regression_epochs : ctx.config.regression.epochs,
                        derive_seed(ctx.seed, fmt::format("{}-regression", ctx.tag)));
  s.buffer.push(std::move(current));

  // pi's exploration variance: the covariance minimising sum_t KL(pi_t || psi_t) (harmonic mean of G_t).
  for (Index g = 0; g < G; ++g) {
    const auto gs = static_cast<std::size_t>(g);
    GroupState& st = s.groups[gs];
    st.pi_var = optimal_policy_covariance(s.psi[gs], st.duals.nu)(0, 0);
    GroupReport gr = psi_step_report(ctx.layout.groups[gs].name, tr[gs], st, m.curvature.row(g).mean());
    const auto& groups = ctx.layout.groups;
    auto after = policy_mean_actions(*s.policy, s.policy->network_for(groups[gs], groups.size()), p.obs[gs]);
    for (Mat& a : after) a.array().colwise() *= p.factor[gs].array();
    gr.kl_pi = sample_policy_kl(p.step_states(gs), after, Mat::Constant(1, 1, st.pi_var), s.psi[gs]).psi_pi.mean();
    rep.groups.push_back(gr);
  }
}

const Algorithm& mdgps_algorithm() {
  static const MdgpsAlgorithm algorithm;
  return algorithm;
}

}  // namespace l2o::gps
