#include "l2o/gps/algorithm/group_models.hpp"

#include <fmt/core.h>

#include "l2o/core/rng.hpp"
#include "l2o/gps/dynamics/dynamics_fit.hpp"
#include "l2o/gps/dynamics/niw_prior.hpp"
#include "l2o/gps/policy/policy_fit.hpp"
#include "l2o/gps/policy/policy_regression.hpp"

namespace l2o::gps {

void linearise_pi(const PsdPolicy& policy, const IterationContext& ctx, const PooledSamples& p, Index g,
                  GroupModels& m) {
  const GpsConfig& gps = ctx.config.gps;
  const auto gs = static_cast<std::size_t>(g);
  const auto& groups = ctx.layout.groups;
  m.pi_mean[gs] = policy_mean_actions(policy, policy.network_for(groups[gs], groups.size()), p.obs[gs]);
  for (Mat& a : m.pi_mean[gs]) a.array().colwise() *= p.factor[gs].array();  // the step pi takes
  GmmPrior prior(gps.policy_prior);
  // The prior's stream depends on pi, so that a re-linearisation after a regression draws anew.
  Rng rng(ctx.seed, fmt::format("{}-policy-prior-{}-{}", ctx.tag, g, policy.fingerprint().substr(0, 16)));
  const auto st = p.step_states(gs);
  prior.update(policy_tuples(st, m.pi_mean[gs]), rng);
  m.pibar[gs] = fit_policy_linearisation(st, m.pi_mean[gs], m.pi_cov[gs], gps.policy_fit, &prior);
}

GroupModels fit_group_models(const PsdPolicy& policy, const IterationContext& ctx, const PooledSamples& p,
                             const std::function<Mat(Index)>& pi_cov) {
  const GpsConfig& gps = ctx.config.gps;
  const Index G = static_cast<Index>(ctx.layout.groups.size());
  const Index T = p.horizon;
  const Index dX = ctx.config.state_dim();
  GroupModels m;
  m.curvature = fit_group_curvatures(p.curvature, gps.cost);
  const Vec weights = gps.cost.scale * cost_weights(T, gps.cost.weighting);
  m.dyn.resize(static_cast<std::size_t>(G));
  m.cost.resize(static_cast<std::size_t>(G));
  m.pibar.resize(static_cast<std::size_t>(G));
  m.pi_mean.resize(static_cast<std::size_t>(G));
  m.pi_cov.resize(static_cast<std::size_t>(G));
  for_each_group(G, [&](Index g) {
    const auto gs = static_cast<std::size_t>(g);
    GmmPrior prior(gps.dynamics_prior);
    Rng rng(ctx.seed, fmt::format("{}-dynamics-prior-{}", ctx.tag, g));
    prior.update(dynamics_tuples(p.samples[gs]), rng);
    m.dyn[gs] = fit_dynamics(p.samples[gs], gps.dynamics, &prior);
    m.cost[gs] = tied_step_cost(m.curvature.row(g).transpose(), weights, dX, {PsdMetaTrainConfig::kGradIndex});
    m.pi_cov[gs] = pi_cov(g);
    linearise_pi(policy, ctx, p, g, m);
  });
  return m;
}

}  // namespace l2o::gps
