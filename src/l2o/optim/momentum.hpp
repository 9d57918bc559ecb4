#pragma once
// Gradient descent with momentum: Polyak's heavy ball, or Nesterov's accelerated gradient in the
// form of Sutskever et al. (2013), written in terms of the current parameters:
//
//   v <- momentum * v - lr * g
//   heavy ball: delta = v
//   Nesterov:   delta = momentum * v - lr * g
//
// v starts at zero, so the first step of either variant is -lr * g (Nesterov: -(1+momentum) lr g).
#include "l2o/optim/optimizer.hpp"

namespace l2o {

struct MomentumOptions {
  double lr = 0.01;       // step size
  double momentum = 0.9;  // in [0, 1)
  bool nesterov = false;
};

class Momentum final : public Optimizer {
 public:
  explicit Momentum(MomentumOptions options = {});  // throws l2o::Error on out-of-range options
  std::string name() const override { return "momentum"; }
  void init(const ParamLayout& layout) override;
  void step(const StepContext& ctx, Vec& delta) override;
  nlohmann::json hyperparams() const override;
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;
  const MomentumOptions& options() const { return options_; }
  const Vec& velocity() const { return velocity_; }

 private:
  MomentumOptions options_;
  Index dim_ = -1;
  Vec velocity_;
};
}  // namespace l2o
