#pragma once
// The Predicted Step Descent policy (LM17 §3.3-3.4, §4): a coordinatewise LSTM (one layer of 128
// cells by default) that reads each coordinate's observation features [O1, O2_j, O3_j] and its
// own memory, and predicts that coordinate's step through a linear read-out:
//
//   step_j = factor_g * output_scale * (W_out h_j + b_out)   (the mean action; deterministic)
//
// where factor_g is the width-aware step factor of j's group (StepScaling; 1 unless set) times the
// batch-aware factor of the minibatch size (BatchScaling; 1 unless set) times, for the output
// layer at small minibatches, the warm-up factor of the step's number (OutputWarmup; 1 unless set).
//
// where the LSTM reads the features multiplied by a fixed per-network input scale (1 unless set:
// meta-training sets it from the features' RMS on the initial trajectories, docs/psd.md).
//
// Parameters are shared by all coordinates of a coordinate group. Across groups, the policy either
// uses one network for every group ("shared") or one network per group *kind* ("per_kind", the
// default): hidden-layer weights, output-layer weights, hidden-layer biases, output-layer biases.
// docs/psd.md explains the choice and the mapping of any layout onto the networks.
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/layout.hpp"
#include "l2o/core/types.hpp"
#include "l2o/nn/lstm.hpp"
#include "l2o/nn/policy_file.hpp"
#include "l2o/psd/batch_scaling.hpp"
#include "l2o/psd/feature_config.hpp"
#include "l2o/psd/output_warmup.hpp"

namespace l2o {

enum class PolicySharing { Shared, PerKind };
enum class PolicyNet { Shared, HiddenWeight, OutputWeight, HiddenBias, OutputBias };

const char* to_string(PolicySharing s);                                     // "shared", "per_kind"
PolicySharing parse_policy_sharing(const std::string& text, const std::string& where);
const char* to_string(PolicyNet n);  // "shared", "hidden_weight", "output_weight", "hidden_bias", "output_bias"

// The networks a sharing mode uses, in parameter order.
std::vector<PolicyNet> policy_networks(PolicySharing s);

// The network that steps a coordinate group of a layout with `group_count` groups:
//   shared:   every group -> shared
//   per_kind: a layout with a single group (a plain objective) -> hidden_weight;
//             otherwise weight/bias x (output layer or not), so that deeper nets than the one
//             trained on map every hidden layer onto the hidden-layer networks.
PolicyNet policy_network_for(const CoordinateGroup& group, std::size_t group_count, PolicySharing s);

// Width-aware steps [ours; docs/psd.md]: a factor on the policy's step for each coordinate group, computed
// from the layout, so that a policy meta-trained on one net width takes comparable steps on wider
// or deeper nets.
//   none:   factor 1 (LM17; the default of a policy file without the field)
//   fan_in: weights: (reference_fan_in / fan_in)^power, the muP rule for per-coordinate
//           (Adam-like) updates (Yang et al. 2022; Therien et al. 2024, "muLO"): a coordinated step
//           on every entry of a row moves the unit's pre-activation by fan_in x step, so the step
//           shrinks with fan_in. Biases: 1. The reference fan-ins are those of the meta-training
//           net (hidden-layer and output-layer weights), so on that net every factor is 1.
//   max_factor caps the factor (absent: no cap). With 1, a net narrower than the reference (an
//   8- or 16-wide projection, a 16-unit hidden layer) takes the reference net's steps rather than
//   up to 6x larger ones, which validation found too large (docs/psd.md, "Narrow nets").
// The power is set per layer role (docs/psd.md, "Width by layer role"): input-layer weights (the
// first weight group when it is not also the output layer), hidden weights and output weights.
// muP leaves the input layer's Adam-like steps independent of the input dimension (power 0) and
// scales the hidden and output layers' with 1/fan_in. A role without its own power uses `power`,
// so a file written before the roles existed steps exactly as before. Biases have no fan-in:
// their factor is bias_factor (1 unless set).
struct StepScaling {
  enum class Rule { None, FanIn };
  enum class Role { InputWeight, HiddenWeight, OutputWeight, Bias };
  Rule rule = Rule::None;
  double power = 1.0;                 // hidden weights' power, and any role's without its own
  std::optional<double> input_power;  // input-layer weights' (absent: power)
  std::optional<double> output_power; // output-layer weights' (absent: power)
  double bias_factor = 1.0;           // biases' factor (written to the file only when not 1)
  double reference_hidden_fan_in = 48;  // fan-in of the meta-training net's hidden-layer weights
                                        // (and of its input layer, the reference for input weights)
  double reference_output_fan_in = 48;  // ... and of its output-layer weights
  double max_factor = std::numeric_limits<double>::infinity();  // written to the file only when finite

  // The role of a group in a layout of `group_count` groups (a single group: output weights).
  static Role role_of(const CoordinateGroup& group, std::size_t group_count);
  double power_for(Role role) const;
  // The factor for one group of a layout with `group_count` groups (a single group: factor 1).
  double factor(const CoordinateGroup& group, std::size_t group_count) const;
  void validate(const std::string& where) const;
  nlohmann::json to_json() const;
  static StepScaling from_json(const nlohmann::json& j, const std::string& where);
};
const char* to_string(StepScaling::Rule r);  // "none", "fan_in"
const char* to_string(StepScaling::Role r);  // "input_weight", "hidden_weight", "output_weight", "bias"

struct PsdArchitecture {
  std::vector<Index> layers{128};  // LSTM cells per layer (LM17: one layer of 128)
  double forget_bias = 1.0;        // initial forget-gate bias (nn/lstm.hpp)
  double init_range = 0.0;         // initial weight range, 0 = 1/sqrt(cells) (nn/lstm.hpp)
  double output_scale = 1.0;       // multiplies the read-out (LM17 mentions no scaling)
  PolicySharing sharing = PolicySharing::PerKind;
  // The observation features the LSTM reads, in order (FeatureConfig::observation_names(); the
  // policy checks that its features give exactly these). LM17: O1, O2, O3.
  std::vector<std::string> inputs{"O1", "O2", "O3"};
  // Per network (policy_networks(sharing) order), the factors applied to each input before the
  // LSTM. Empty = all 1. Fixed input standardisation (GPS-code standardises observations): O2 of a
  // weight matrix is ~1e-3, far below what a freshly initialised LSTM can resolve.
  std::vector<std::vector<double>> input_scale;
  StepScaling step_scaling;  // written to the file only when its rule is not "none"
  BatchScaling batch_scaling;  // written to the file only when active (power > 0)
  OutputWarmup output_warmup;  // written to the file only when active (iterations > 0)

  Index input_count() const { return static_cast<Index>(inputs.size()); }

  LstmConfig lstm_config() const;  // input: one per entry of `inputs`; output 1 (the step)
  void validate(const std::string& where) const;  // throws l2o::Error naming `where`
  nlohmann::json to_json() const;
  static PsdArchitecture from_json(const nlohmann::json& j, const std::string& where);
};

struct PsdPolicyConfig {
  PsdArchitecture arch;
  FeatureConfig features;
};

// Throws l2o::Error naming `where` unless the LSTM's inputs are the names the feature settings
// produce (FeatureConfig::observation_names()).
void check_inputs(const PsdPolicyConfig& config, const std::string& where);

class PsdPolicy {
 public:
  // All weights zero (a policy that never moves); see fresh() for a random initialisation.
  explicit PsdPolicy(PsdPolicyConfig config = {});
  // The usual LSTM initialisation (nn/lstm.hpp); each network draws from its own stream of `seed`.
  static PsdPolicy fresh(const PsdPolicyConfig& config, std::uint64_t seed);

  // Policy files (nn/policy_file.hpp; method "psd"). Loading checks the architecture, the
  // feature settings and every tensor shape, with errors naming the file.
  static PsdPolicy load(const std::string& path);
  static PsdPolicy from_file(const PolicyFile& file);
  PolicyFile to_file(const Provenance& provenance) const;
  void save(const std::string& path, const Provenance& provenance) const;

  const PsdPolicyConfig& config() const { return config_; }
  const std::string& source() const { return source_; }  // the file it was loaded from, or "<memory>"
  const std::vector<PolicyNet>& networks() const { return nets_; }
  bool has_network(PolicyNet n) const;
  const Lstm& network(PolicyNet n) const;  // throws l2o::Error if the policy has no such network
  Lstm& network(PolicyNet n);
  PolicyNet network_for(const CoordinateGroup& group, std::size_t group_count) const {
    return policy_network_for(group, group_count, config_.arch.sharing);
  }

  // All networks' parameters, concatenated in networks() order (for meta-training).
  Index num_params() const;
  Vec params() const;
  void set_params(const Vec& p);
  // SHA-256 over the architecture, feature settings and weights: identifies a policy in checkpoints.
  std::string fingerprint() const;

  // The mean action for n coordinates: `obs` is inputs x n (ObservationFeatures::compute), `state`
  // their LSTM state (advanced in place), `steps` receives 1 x n. This is output_scale times the
  // network's output: meta-training through network(n).bptt() must scale output gradients by it.
  void act(PolicyNet net, const Eigen::Ref<const Mat>& obs, LstmState& state, Mat& steps, LstmWorkspace& ws) const;
  // The LSTM input for features `obs` (inputs x n): each row times the network's input scale.
  Mat network_input(PolicyNet net, const Eigen::Ref<const Mat>& obs) const;
  // The factors network_input applies to the inputs (all 1 when the architecture has none).
  const std::vector<double>& input_scale(PolicyNet net) const { return scales_[static_cast<std::size_t>(index_of(net))]; }

 private:
  Index index_of(PolicyNet n) const;
  PsdPolicyConfig config_;
  std::vector<PolicyNet> nets_;
  std::vector<Lstm> lstms_;
  std::vector<std::vector<double>> scales_;  // per network: arch.input_scale, or ones
  std::string source_ = "<memory>";
};
}  // namespace l2o
