#include "l2o/gps/pooled_samples.hpp"

namespace l2o::gps {

std::vector<Mat> PooledSamples::step_states(std::size_t s) const {
  const std::vector<Mat>& st = samples[s].states;
  return std::vector<Mat>(st.begin(), st.begin() + horizon);
}

PooledSamples pool_samples(const std::vector<const TrajectoryRecord*>& rs, Index slots, Index T,
                           const std::vector<std::vector<std::size_t>>& slot_of,
                           const std::vector<std::vector<double>>& factors) {
  PooledSamples p;
  p.horizon = T;
  p.samples.resize(static_cast<std::size_t>(slots));
  p.obs.resize(static_cast<std::size_t>(slots));
  p.factor.resize(static_cast<std::size_t>(slots));
  const Index N = static_cast<Index>(rs.size());
  // Rows of the observation matrices: every record was made with the same feature settings.
  const Index inputs = N > 0 && !rs.front()->obs.empty() && !rs.front()->obs.front().empty()
                           ? rs.front()->obs.front().front().rows()
                           : ObservationFeatures::kLm17Count;
  p.curvature = CurvatureData(slots, T, N);  // zeros: the groups of a slot add up into it
  for (Index n = 0; n < N; ++n) {
    const TrajectoryRecord& r = *rs[static_cast<std::size_t>(n)];
    const auto& c = r.curvature;
    p.curvature.objective_change.col(n) = c.objective_change.col(0);
    const auto& map = slot_of[static_cast<std::size_t>(r.member)];
    for (std::size_t g = 0; g < map.size(); ++g) {
      const std::size_t s = map[g];
      p.curvature.grad_dot_step[s].col(n) += c.grad_dot_step[g].col(0);
      p.curvature.half_step_sq[s].col(n) += c.half_step_sq[g].col(0);
      p.curvature.secant[s].col(n) += c.secant[g].col(0);
    }
  }
  for (Index s = 0; s < slots; ++s) {
    const auto ss = static_cast<std::size_t>(s);
    Index m = 0, dX = 0;
    for (const auto* r : rs) {
      const auto& map = slot_of[static_cast<std::size_t>(r->member)];
      for (std::size_t g = 0; g < map.size(); ++g)
        if (map[g] == ss) m += static_cast<Index>(r->coords[g].size()), dX = r->states[g].front().cols();
    }
    GroupSamples& out = p.samples[ss];
    out.states.assign(static_cast<std::size_t>(T + 1), Mat(m, dX));
    out.actions.assign(static_cast<std::size_t>(T), Mat(m, 1));
    p.obs[ss].assign(static_cast<std::size_t>(T), Mat(inputs, m));
    p.factor[ss].resize(m);
    Index row = 0;
    for (const auto* r : rs) {
      const auto& map = slot_of[static_cast<std::size_t>(r->member)];
      for (std::size_t g = 0; g < map.size(); ++g) {
        if (map[g] != ss) continue;
        const Index b = static_cast<Index>(r->coords[g].size());
        for (Index t = 0; t <= T; ++t) {
          const auto ts = static_cast<std::size_t>(t);
          out.states[ts].middleRows(row, b) = r->states[g][ts];
          if (t < T) {
            out.actions[ts].middleRows(row, b) = r->actions[g][ts];
            p.obs[ss][ts].middleCols(row, b) = r->obs[g][ts];
          }
        }
        p.factor[ss].segment(row, b).setConstant(factors[static_cast<std::size_t>(r->member)][g]);
        row += b;
      }
    }
  }
  return p;
}

}  // namespace l2o::gps
