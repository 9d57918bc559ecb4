#pragma once
// Everything a GPS iteration changes and the next one reads: the guiding policies psi, the
// per-group duals and step sizes, pi with its regressor and regression buffer. The trainer owns
// it (and checkpoints all of it, so that a resumed run equals an uninterrupted one); an
// algorithm (algorithm.hpp) updates it once per iteration.
#include <memory>
#include <vector>

#include "l2o/gps/algorithm/badmm_duals.hpp"
#include "l2o/gps/dynamics/linear_gaussian.hpp"
#include "l2o/gps/policy/policy_regression.hpp"
#include "l2o/gps/policy/regression_buffer.hpp"
#include "l2o/psd/policy.hpp"

namespace l2o::gps {

// One slot's state besides psi.
struct GroupState {
  BadmmDuals duals;  // MDGPS keeps lambda = 0 and nu constant: its targets are then psi's means
  double kappa = 1.0;      // the trust region's dual, the start of the next search
  double step_mult = 1.0;  // the KL bound's multiplier (step_adjust.hpp)
  bool has_model = false;  // whether the objectives below exist (false until a first psi-step)
  double prev_objective = 0.0, predicted_objective = 0.0, last_kl = -1.0;
  double pi_var = 0.0;  // MDGPS: variance of pi's exploration noise (and of its linearisation)
};

struct GpsState {
  std::vector<LinearGaussianPolicy> psi;  // one per slot
  std::vector<GroupState> groups;         // one per slot
  std::shared_ptr<PsdPolicy> policy;      // pi
  PolicyRegressor regressor;              // with its Adam moments
  RegressionBuffer buffer;                // earlier iterations' regression sets
};

}  // namespace l2o::gps
