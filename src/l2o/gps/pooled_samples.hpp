#pragma once
// One batch of trajectories pooled by psi's slots (Convolutional GPS pools a group's coordinates,
// method §2.3): what the models, psi's update and pi's regression of an iteration are fitted on,
// and what the initialisation fits the first psi and pi to.
#include <cstddef>
#include <vector>

#include "l2o/core/types.hpp"
#include "l2o/gps/dynamics/linear_gaussian.hpp"
#include "l2o/gps/rollout.hpp"
#include "l2o/gps/traj_opt/cost_model.hpp"

namespace l2o::gps {

// Per slot s: states[t] (t = 0..T) and actions[t] stacked by rows, observations obs[s][t] by
// columns in the same sample order, and each sample's width-aware step factor; the curvature sums
// of a slot add up over the groups that map to it.
struct PooledSamples {
  Index horizon = 0;  // T
  std::vector<GroupSamples> samples;
  std::vector<std::vector<Mat>> obs;
  std::vector<Vec> factor;
  CurvatureData curvature;

  // Slot s's states at the steps that act, t = 0..T-1 (the pairs of its actions).
  std::vector<Mat> step_states(std::size_t s) const;
};

// Pools the given trajectories (those that did not diverge) into `slots` slots:
// slot_of[member][group] is the slot of a member's group, factors[member][group] its step factor.
PooledSamples pool_samples(const std::vector<const TrajectoryRecord*>& records, Index slots, Index T,
                           const std::vector<std::vector<std::size_t>>& slot_of,
                           const std::vector<std::vector<double>>& factors);

}  // namespace l2o::gps
