#pragma once
// The theta-step of BADMM for the PSD policy (method §5.6): the coordinatewise LSTM is trained by
// supervised regression onto the lambda-shifted means of the guiding policy psi, weighted by the
// precisions nu_t G_t^-1 (algorithm/badmm_duals.hpp: regression_targets), on the observation sequences Psi of the
// sampled coordinates. Sequences are whole trajectories of one coordinate (the LSTM's memory is
// part of pi); gradients by truncated BPTT with one Adam update per segment of a chunk of
// sequences. The Adam moments persist across theta-steps (warm start), and are checkpointed.
//
// Loss of one update over a chunk's segment (B sequences, S steps, p = output_scale):
//   1/(2 B S) sum_{t,b} w_t (y_{t,b} - target_{t,b} / p)^2
// where y is the raw LSTM read-out (the step is p y): targets are regressed in units of p so that
// Adam's parameter-scale steps suit any step scale. The weights w_t are the precisions normalised
// to mean 1 over the data, clipped at weight_clip times their median and divided by the median
// (GPS-code practice).
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/rng.hpp"
#include "l2o/core/types.hpp"
#include "l2o/gps/meta_train_config.hpp"
#include "l2o/psd/policy.hpp"

namespace l2o::gps {

// The regression data of one coordinate group from one set of trajectories.
struct RegressionSet {
  PolicyNet net = PolicyNet::Shared;
  std::vector<Mat> obs;     // T entries: inputs x B (B sequences = sampled (trajectory, coordinate) pairs)
  std::vector<Mat> target;  // T entries: 1 x B, the target steps
  Vec weight;               // T entries: precision weight of step t (shared by its sequences)

  Index steps() const { return static_cast<Index>(obs.size()); }
  Index sequences() const { return obs.empty() ? 0 : obs.front().cols(); }
  nlohmann::json save() const;
  static RegressionSet load(const nlohmann::json& j);
};

// pi's mean actions on observation sequences run from the zero LSTM state: T entries of B x 1
// (sample rows, as the GPS pieces expect).
std::vector<Mat> policy_mean_actions(const PsdPolicy& policy, PolicyNet net, const std::vector<Mat>& obs);

struct AdamMoments {
  Vec m, v;
  long steps = 0;
};

class PolicyRegressor {
 public:
  explicit PolicyRegressor(RegressionOptions options = {}) : options_(options) {}

  // `epochs` passes over the sets of each network (networks trained in parallel); chunks are
  // shuffled with `rng`-derived streams per network (deterministic). Returns the mean weighted
  // loss of the last epoch per network of the policy (0 for a network without data). Throws
  // l2o::Error if a parameter becomes non-finite.
  std::vector<double> train(PsdPolicy& policy, const std::vector<const RegressionSet*>& sets, int epochs,
                            std::uint64_t seed);

  nlohmann::json save() const;
  void load(const nlohmann::json& j);

 private:
  RegressionOptions options_;
  std::vector<AdamMoments> adam_;  // per network of the policy
};

}  // namespace l2o::gps
