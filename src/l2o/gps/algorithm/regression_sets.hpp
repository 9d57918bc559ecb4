#pragma once
// The data of pi's regression from one batch of pooled samples (the theta-step of BADMM, the
// S-step of MDGPS and the pre-training onto the first psi): per slot, the observation sequences of
// its samples, the targets psi's means shifted by the duals (badmm_duals.hpp: regression_targets)
// and weighted by their precisions. Targets are divided by each sample's width-aware step factor:
// pi is regressed onto unscaled steps.
#include <vector>

#include "l2o/core/layout.hpp"
#include "l2o/gps/algorithm/gps_state.hpp"
#include "l2o/gps/policy/policy_regression.hpp"
#include "l2o/gps/pooled_samples.hpp"

namespace l2o::gps {

// offset (optional) [slot][t]: added to the target means before the division (MDGPS's residual
// targets). `layout`: the layout whose groups are psi's slots (it picks each slot's network of pi).
std::vector<RegressionSet> regression_sets(const GpsState& state, const ParamLayout& layout, const PooledSamples& p,
                                           const std::vector<std::vector<Mat>>* offset = nullptr);

}  // namespace l2o::gps
