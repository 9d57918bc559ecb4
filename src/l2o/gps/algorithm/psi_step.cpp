#include "l2o/gps/algorithm/psi_step.hpp"

#include "l2o/gps/traj_opt/step_adjust.hpp"

namespace l2o::gps {

TrustRegionResult psi_step(const LinearGaussianDynamics& dynamics, const QuadraticCost& cost, const KlTerms& terms,
                           const LinearGaussianPolicy& keep, const GpsConfig& gps, Index T, GroupState& st,
                           LinearGaussianPolicy& psi) {
  const double eps = trust_region_epsilon(gps.trust_region.kl_step, T, st.step_mult);
  TrustRegionResult tr = solve_trust_region_or_keep(dynamics, cost, terms, eps, st.kappa, keep, gps.trust_region);
  if (tr.status == TrustRegionStatus::Failed) st.step_mult = gps.step_size.min_step_mult;
  psi = tr.policy;  // after the solve: `keep` may be psi itself
  st.kappa = tr.kappa;
  return tr;
}

GroupReport psi_step_report(const std::string& name, const TrustRegionResult& tr, const GroupState& st,
                            double curvature_mean) {
  GroupReport r;
  r.name = name;
  r.kl_step = tr.kl;
  r.epsilon = tr.epsilon;
  r.kappa = st.kappa;
  r.step_mult = st.step_mult;
  r.curvature = curvature_mean;
  r.status = to_string(tr.status);
  return r;
}

}  // namespace l2o::gps
