#pragma once
// Settings of the assembled Convolutional-GPS meta-trainer of PSD (docs/meta-training.md): the
// GPS constants (config.hpp: GpsConfig) plus everything the assembly adds - the optimizee's
// minibatch, the examples the true objective is evaluated on, the state features of the GPS
// state, the policy regression, the momentum initialisation and the policy architecture.
// One JSON document holds all of it (`l2o meta-train --method psd --config FILE`); reading starts
// from the defaults, so a file names only what it changes; unknown keys are errors.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/gps/config.hpp"
#include "l2o/gps/task_distribution.hpp"
#include "l2o/psd/feature_config.hpp"
#include "l2o/psd/policy.hpp"

namespace l2o::gps {

// The theta-step: the LSTM regressed onto the lambda-shifted psi means (method §5.6) with Adam,
// by truncated BPTT (one Adam update per segment of a chunk of sequences).
struct RegressionOptions {
  double learning_rate = 1e-3;  // Adam [GPS-code policy_opt default]
  double beta1 = 0.9;
  double beta2 = 0.999;
  double adam_eps = 1e-8;
  int epochs = 1;               // passes over the regression data per theta-step [ours]
  int truncation = 50;          // BPTT segment length; one Adam update per segment [ours]
  int chunk_sequences = 256;    // sequences per update (columns of one batch) [ours]
  int buffer_iterations = 2;    // iterations whose samples are regressed on (current included) [LFDA16 §4.3]
  double weight_clip = 2.0;     // normalised precision weights clipped at this multiple of their median [GPS-code]
  int init_epochs = 6;          // pre-training epochs of pi onto the initial psi [ours]
};

// Initial psi: a linear-Gaussian fit to the steps of a teacher: the tuned momentum baseline
// (LM16 §5, method §5.7), or another tuned hand-designed optimizer.
struct InitOptions {
  std::string teacher = "momentum";                // any hand-designed optimizer; others than momentum
                                                   // take their tuned values from tuned_path [ours]
  std::string tuned_path = "configs/tuned.json";  // used if it exists and has a momentum entry
  double lr = 0.0;                                 // > 0: use this momentum lr (skips tuned/grid)
  double momentum = 0.9;                           // used with lr > 0
  std::vector<double> lr_grid{0.01, 0.03, 0.1, 0.3, 1.0};  // grid search when nothing is given [ours]
  std::vector<double> momentum_grid{0.5, 0.9};
  int grid_seeds = 2;                              // meta-training seeds per grid point
  int trajectories = 8;                            // momentum rollouts the psi fit uses
  bool standardise_inputs = true;                  // set pi's input scale to 1/RMS of each feature on the
                                                   // momentum rollouts, per network [ours; GPS-code
                                                   // standardises observations]; false keeps arch.input_scale
};

struct PsdMetaTrainConfig {
  GpsConfig gps;
  int batch = 64;                 // optimizee minibatch [LM17]
  Index cost_examples = 2000;     // examples of the task training set on which the TRUE objective
                                  // (cost, true gradient) is evaluated during meta-training; 0 = all [ours,
                                  // for speed: docs/meta-training.md]
  int state_upper = 4;            // upper index of S1, S2, S3 in the GPS state (5 terms each) [ours, for
                                  // the cubic cost of LQG and the GMM; the policy's features are unaffected]
  bool adaptive_state = false;    // add the AdaGrad direction of the minibatch gradients to the GPS state,
                                  // so that a linear-Gaussian psi can express AdaGrad (rollout.hpp) [ours]
  int eval_trajectories = 4;      // pi rollouts per iteration for the reported meta-loss under pi
  RegressionOptions regression;
  InitOptions init;
  PsdArchitecture arch;           // the policy (LSTM 128, per_kind); output_scale is set by the init
  FeatureConfig features;         // the policy's observation features (and the S-feature constants)
  TaskDistribution distribution;  // meta-training over a family of tasks (off by default; task_distribution.hpp)

  // The feature settings of the GPS state (features with the uppers replaced by state_upper).
  FeatureConfig state_features() const;
  // Per-coordinate state dimension: x_j, g_j, (n_j,) then S1, S2, S3.
  Index state_dim() const { return (adaptive_state ? 3 : 2) + state_features().state_count(); }
  static constexpr Index kIterateIndex = 0;
  static constexpr Index kGradIndex = 1;

  void validate() const;  // throws l2o::Error("psd meta-train config: <field> ...")
  nlohmann::json to_json() const;
  static PsdMetaTrainConfig from_json(const nlohmann::json& j);
};

// The table behind to_json/from_json (core/field_table.hpp): every field with its range and doc.
const FieldTable<PsdMetaTrainConfig>& psd_meta_train_fields();

}  // namespace l2o::gps
