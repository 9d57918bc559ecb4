#include "l2o/gps/algorithm/regression_sets.hpp"

namespace l2o::gps {

std::vector<RegressionSet> regression_sets(const GpsState& state, const ParamLayout& layout, const PooledSamples& p,
                                           const std::vector<std::vector<Mat>>* offset) {
  const Index T = p.horizon;
  std::vector<RegressionSet> sets;
  for (std::size_t g = 0; g < layout.groups.size(); ++g) {
    const RegressionTargets tg = regression_targets(p.step_states(g), state.psi[g], state.groups[g].duals);
    RegressionSet s;
    s.net = state.policy->network_for(layout.groups[g], layout.groups.size());
    s.obs = p.obs[g];
    s.weight.resize(T);
    for (Index t = 0; t < T; ++t) {
      const auto ts = static_cast<std::size_t>(t);
      const Mat target = offset ? Mat(tg.mean[ts] + (*offset)[g][ts]) : tg.mean[ts];
      s.target.push_back((target.array().colwise() / p.factor[g].array()).matrix().transpose());
      s.weight[t] = tg.precision[ts](0, 0);
    }
    sets.push_back(std::move(s));
  }
  return sets;
}

}  // namespace l2o::gps
