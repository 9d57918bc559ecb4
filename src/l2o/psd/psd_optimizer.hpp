#pragma once
// Predicted Step Descent as an l2o::Optimizer: at each step t it records (x_t, f_t, g_t) in the
// observation features, then, for every coordinate group, runs that group's network (see
// PsdPolicy::network_for) on the group's inputs x n feature matrix as one batch, and writes the
// predicted steps into delta. Deterministic (the policy's mean action).
//
//   auto opt = l2o::make_psd("policies/psd-mnist-multi-60min.json");  // the default policy
//   opt->init(layout);
//   opt->step({x, loss, grad}, delta);  x += delta;
//
// A non-finite loss or gradient throws l2o::DivergenceError before any state changes.
//
// Runtime options (not part of the policy): the precision of the LSTM step and the threads inside
// one step. With float32 the policy's weights are converted once, at init(); the features are
// computed in float64 (O2 and O3 are ratios of nearby values), scaled, and narrowed for the LSTM;
// the step is widened and scaled by output_scale in float64. Threads step fixed column blocks of
// each group, so the result is bit-identical for any thread count (docs/psd.md, "Performance").
#include <memory>
#include <string>
#include <vector>

#include "l2o/nn/lstm.hpp"
#include "l2o/optim/optimizer.hpp"
#include "l2o/psd/observation_features.hpp"
#include "l2o/psd/policy.hpp"

namespace l2o {

struct PsdRuntimeOptions {
  Precision precision = Precision::Float64;
  int threads = 1;  // OpenMP threads inside one step (>= 1)
};

class PsdOptimizer final : public Optimizer {
 public:
  explicit PsdOptimizer(std::shared_ptr<const PsdPolicy> policy, PsdRuntimeOptions options = {});

  std::string name() const override { return "psd"; }
  // Checks that the groups tile [0, dim) without overlap (throws l2o::Error otherwise) and resets
  // the features and every coordinate's LSTM state to zero.
  void init(const ParamLayout& layout) override;
  // Without a prior init(), the first step initialises for ParamLayout::single(x.size()).
  void step(const StepContext& ctx, Vec& delta) override;
  nlohmann::json hyperparams() const override;
  // {"optimizer": "psd", "dim", "policy" (fingerprint), "features" (history), "groups" (the
  // layout and each group's LSTM h and c), "precision"}. Bulk arrays are base64 float64 (a float32
  // state widened exactly), so a checkpoint restores the run bit for bit; load_state works with or
  // without a prior init() (with one, the layouts must agree) and refuses a state saved with a
  // different policy or precision.
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;

  // For meta-training and inspection.
  const PsdPolicy& policy() const { return *policy_; }
  const ParamLayout& layout() const { return layout_; }
  const ObservationFeatures& features() const { return features_; }
  const PsdRuntimeOptions& options() const { return options_; }
  // The float64 LSTM state of a group (throws l2o::Error when the optimizer runs float32).
  const LstmState& lstm_state(std::size_t group) const;
  PolicyNet network_of(std::size_t group) const { return nets_.at(group); }

 private:
  bool f32() const { return runs_float32_lstm(options_.precision); }  // float32 or bf16x3

  std::shared_ptr<const PsdPolicy> policy_;
  PsdRuntimeOptions options_;
  ParamLayout layout_;
  bool initialised_ = false;
  ObservationFeatures features_;
  std::vector<PolicyNet> nets_;      // per group
  std::vector<double> step_factor_;  // per group: the policy's width-aware step factor
  std::vector<Mat> obs_, out_;       // per group: features (inputs x n) and steps (1 x n), reused
  // float64 runtime, per group: one state column per coordinate.
  std::vector<LstmState> states_;
  std::vector<LstmWorkspace> ws_;
  // float32 runtime: the converted networks (policy network order) and, per group, the state,
  // buffers, and the network input and output.
  std::vector<LstmF32> lstm32_;
  std::vector<std::size_t> net32_;   // per group: index into lstm32_
  std::vector<LstmStateF32> states32_;
  std::vector<LstmWorkspaceF32> ws32_;
  std::vector<MatF> obs32_, out32_;
};

// PSD with the policy in a file (nn/policy_file.hpp; errors name the file).
OptimizerPtr make_psd(const std::string& policy_path, PsdRuntimeOptions options = {});
// PSD with an in-memory policy (meta-training, tests, user code).
OptimizerPtr make_psd(std::shared_ptr<const PsdPolicy> policy, PsdRuntimeOptions options = {});
OptimizerPtr make_psd(PsdPolicy policy, PsdRuntimeOptions options = {});
}  // namespace l2o
