#pragma once
// psi's trust-region step for one group (the psi-step of BADMM, the C-step of MDGPS; method §5.3):
// the LQG solution within the KL bound epsilon = kl_step * T * step_mult, and its report.
#include <string>

#include "l2o/gps/algorithm/gps_state.hpp"
#include "l2o/gps/config.hpp"
#include "l2o/gps/reports.hpp"
#include "l2o/gps/traj_opt/lqg.hpp"

namespace l2o::gps {

// Solves the group's trust-region problem from st.kappa, keeping `keep` if it fails; sets psi to
// the result and st.kappa to its dual. A failed step [ours] sets st.step_mult to the smallest
// multiplier, so that the next iteration asks for the smallest step.
TrustRegionResult psi_step(const LinearGaussianDynamics& dynamics, const QuadraticCost& cost, const KlTerms& terms,
                           const LinearGaussianPolicy& keep, const GpsConfig& gps, Index T, GroupState& st,
                           LinearGaussianPolicy& psi);

// A group's report of the step: KL and bound, kappa, step multiplier, status and the mean
// curvature over its steps.
GroupReport psi_step_report(const std::string& name, const TrustRegionResult& tr, const GroupState& st,
                            double curvature_mean);

}  // namespace l2o::gps
