#pragma once
// PSD-small as an l2o::Optimizer (docs/psd-small.md): per coordinate group, one fused float32 pass
// (small_step.hpp) updates the group's moments and writes its steps into delta.
//
//   auto opt = l2o::make_psd_small("policy.json");   // or make_psd_small(PsdSmallPolicy::adam_equivalent(arch, 1e-3))
//   opt->init(layout);
//   opt->step({x, loss, grad}, delta);  x += delta;
//
// A non-finite loss, gradient or iterate throws l2o::DivergenceError before any state changes (found
// through the groups' sums of squares, computed for every group before the first one steps).
// Without a prior init(), the first step initialises for ParamLayout::single(x.size()).
// Threads (runtime option, not part of the policy) split each group into fixed chunks: the steps
// are bit-identical for any thread count.
#include <memory>
#include <string>
#include <vector>

#include "l2o/optim/optimizer.hpp"
#include "l2o/psd_small/small_group_stepper.hpp"

namespace l2o {

struct PsdSmallRuntimeOptions {
  int threads = 1;  // OpenMP threads inside one step (>= 1)
};

class PsdSmallOptimizer final : public Optimizer {
 public:
  explicit PsdSmallOptimizer(std::shared_ptr<const PsdSmallPolicy> policy, PsdSmallRuntimeOptions options = {});

  std::string name() const override { return "psd-small"; }
  // Checks that the groups tile [0, dim) without overlap (throws l2o::Error otherwise) and zeroes
  // the state.
  void init(const ParamLayout& layout) override;
  void step(const StepContext& ctx, Vec& delta) override;
  nlohmann::json hyperparams() const override;
  // {"optimizer": "psd-small", "dim", "policy" (fingerprint), "t", the loss statistics, "groups"
  // (the layout and each group's gradient-RMS EMA), "moments" (base64 of the float32 moments,
  // little-endian: exact)}. load_state works with or without a prior init() (with one, the layouts
  // must agree) and refuses a state saved with another policy.
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;

  const PsdSmallPolicy& policy() const { return stepper_.policy(); }
  const ParamLayout& layout() const { return layout_; }
  const PsdSmallRuntimeOptions& options() const { return options_; }
  long long steps_taken() const { return stepper_.clock().t; }
  const PsdSmallRole& role(std::size_t group) const { return roles_.at(group); }

 private:
  PsdSmallRuntimeOptions options_;
  PsdSmallStepper stepper_;
  ParamLayout layout_;
  bool initialised_ = false;
  std::vector<PsdSmallRole> roles_;  // per group
  std::vector<double> grad_ema_;     // per group
  std::vector<float> moments_;       // 4 * dim: group k's [m1|m2|m3|v] at 4 * offset_k
  std::vector<PsdSmallSquares> squares_;  // per group, this step's (reused buffer)
};

OptimizerPtr make_psd_small(const std::string& policy_path, PsdSmallRuntimeOptions options = {});
OptimizerPtr make_psd_small(std::shared_ptr<const PsdSmallPolicy> policy, PsdSmallRuntimeOptions options = {});
OptimizerPtr make_psd_small(PsdSmallPolicy policy, PsdSmallRuntimeOptions options = {});
}  // namespace l2o
