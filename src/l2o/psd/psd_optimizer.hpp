#pragma once
// Predicted Step Descent as an l2o::Optimizer: at each step t it records (x_t, f_t, g_t) in the
// observation features, then, for every coordinate group, runs that group's network (see
// PsdPolicy::network_for) on the group's 3 x n feature matrix as one batch, and writes the
// predicted steps into delta. Deterministic (the policy's mean action).
//
//   auto opt = l2o::make_psd("policies/psd.json");
//   opt->init(layout);
//   opt->step({x, loss, grad}, delta);  x += delta;
//
// A non-finite loss or gradient throws l2o::DivergenceError before any state changes.
#include <memory>
#include <string>
#include <vector>

#include "l2o/nn/lstm.hpp"
#include "l2o/optim/optimizer.hpp"
#include "l2o/psd/observation_features.hpp"
#include "l2o/psd/policy.hpp"

namespace l2o {

class PsdOptimizer final : public Optimizer {
 public:
  explicit PsdOptimizer(std::shared_ptr<const PsdPolicy> policy);

  std::string name() const override { return "psd"; }
  // Checks that the groups tile [0, dim) without overlap (throws l2o::Error otherwise) and resets
  // the features and every coordinate's LSTM state to zero.
  void init(const ParamLayout& layout) override;
  // Without a prior init(), the first step initialises for ParamLayout::single(x.size()).
  void step(const StepContext& ctx, Vec& delta) override;
  nlohmann::json hyperparams() const override;
  // {"optimizer": "psd", "dim", "policy" (fingerprint), "features" (history), "groups" (the
  // layout and each group's LSTM h and c)}. Bulk arrays are base64 float64, so a checkpoint
  // restores the run bit for bit; load_state works with or without a prior init() (with one, the
  // layouts must agree) and refuses a state saved with a different policy.
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;

  // For meta-training and inspection.
  const PsdPolicy& policy() const { return *policy_; }
  const ParamLayout& layout() const { return layout_; }
  const ObservationFeatures& features() const { return features_; }
  const LstmState& lstm_state(std::size_t group) const { return states_.at(group); }
  PolicyNet network_of(std::size_t group) const { return nets_.at(group); }

 private:
  std::shared_ptr<const PsdPolicy> policy_;
  ParamLayout layout_;
  bool initialised_ = false;
  ObservationFeatures features_;
  std::vector<PolicyNet> nets_;      // per group
  std::vector<LstmState> states_;    // per group: one column per coordinate
  std::vector<LstmWorkspace> ws_;    // per group
  std::vector<Mat> obs_, out_;       // per group: features (3 x n) and steps (1 x n), reused
};

// PSD with the policy in a file (nn/policy_file.hpp; errors name the file).
OptimizerPtr make_psd(const std::string& policy_path);
// PSD with an in-memory policy (meta-training, tests, user code).
OptimizerPtr make_psd(std::shared_ptr<const PsdPolicy> policy);
OptimizerPtr make_psd(PsdPolicy policy);
}  // namespace l2o
