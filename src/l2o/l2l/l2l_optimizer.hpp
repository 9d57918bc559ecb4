#pragma once
// The L2L baseline (Andrychowicz et al. 2016) as an l2o::Optimizer: every coordinate's step
// comes from one shared coordinatewise LSTM reading that coordinate's preprocessed minibatch
// gradient (l2l_policy.hpp). Deterministic: the same policy, gradients and state give the same
// steps. The optimizer's state is the LSTM's hidden and cell state of every coordinate.
// With Precision::Float32 (or Bf16x3) the LSTM runs in single precision (weights converted once, at
// construction; preprocessing in float64, narrowed for the LSTM; the step widened and scaled in
// float64), like the float32 runtime of PSD (psd/psd_optimizer.hpp).
#include <memory>
#include <string>

#include "l2o/l2l/l2l_policy.hpp"
#include "l2o/optim/optimizer.hpp"

namespace l2o {

class L2LOptimizer final : public Optimizer {
 public:
  // From an in-memory policy (meta-training evaluates its current policy this way).
  explicit L2LOptimizer(L2LPolicy policy, std::string source = "<memory>",
                        Precision precision = Precision::Float64);

  std::string name() const override { return kL2LMethod; }
  void init(const ParamLayout& layout) override;
  // Never throws on non-finite gradients: those coordinates get a NaN step, which the train loop
  // reports as a divergence.
  void step(const StepContext& ctx, Vec& delta) override;
  // The policy's settings and where it came from.
  nlohmann::json hyperparams() const override;
  // {"optimizer": "l2l", "dim": n, "steps": k, "precision", "h": [layer...], "c": [layer...]},
  // each layer a cells x n matrix stored column-major (a float32 state widened exactly). A state
  // of the other precision is refused.
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;

  const L2LPolicy& policy() const { return policy_; }
  long long steps_taken() const { return steps_; }

 private:
  L2LPolicy policy_;
  std::string source_;
  Index dim_ = -1;
  long long steps_ = 0;
  Precision precision_;
  LstmState state_;
  Mat features_, out_;
  LstmWorkspace ws_;
  // float32 runtime
  LstmF32 lstm32_;
  LstmStateF32 state32_;
  MatF features32_, out32_;
  LstmWorkspaceF32 ws32_;
};

// Loads a policy file written by `l2o meta-train --method l2l`; throws l2o::Error naming the file.
OptimizerPtr make_l2l(const std::string& policy_path, Precision precision = Precision::Float64);
}  // namespace l2o
