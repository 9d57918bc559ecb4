#pragma once
// The meta-training settings of the GPS tests' tiny tasks (short horizon, few trajectories and
// coordinates, 2-cluster priors, an 8-cell LSTM, a momentum teacher), so that an iteration takes
// milliseconds. Tests change what they need on top.
#include "l2o/gps/meta_train_config.hpp"

namespace l2o::test_support {

inline gps::PsdMetaTrainConfig tiny_gps_config() {
  gps::PsdMetaTrainConfig c;
  c.batch = 16;
  c.cost_examples = 0;
  c.state_upper = 2;
  c.eval_trajectories = 3;
  c.gps.sampling.horizon = 20;
  c.gps.sampling.trajectories = 6;
  c.gps.sampling.coordinates_per_group = 8;
  c.gps.sampling.iterations = 3;
  c.gps.sampling.initial_action_variance = 1e-4;
  c.gps.dynamics_prior.max_clusters = 2;
  c.gps.dynamics_prior.max_iterations = 10;
  c.gps.policy_prior.max_clusters = 2;
  c.gps.policy_prior.max_iterations = 10;
  c.gps.badmm.inner_iterations = 2;
  c.regression.epochs = 4;
  c.regression.init_epochs = 30;
  c.regression.truncation = 10;
  c.regression.learning_rate = 3e-3;
  c.init.lr = 0.1;
  c.init.momentum = 0.9;
  c.arch.layers = {8};
  return c;
}

}  // namespace l2o::test_support
