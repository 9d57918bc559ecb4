#pragma once
// Plain stochastic gradient descent (Robbins & Monro 1951): delta = -lr * g.
#include "l2o/optim/optimizer.hpp"

namespace l2o {

struct SgdOptions {
  double lr = 0.01;  // step size
};

class Sgd final : public Optimizer {
 public:
  explicit Sgd(SgdOptions options = {});  // throws l2o::Error on out-of-range options
  std::string name() const override { return "sgd"; }
  void init(const ParamLayout& layout) override;
  void step(const StepContext& ctx, Vec& delta) override;
  nlohmann::json hyperparams() const override;
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;
  const SgdOptions& options() const { return options_; }

 private:
  SgdOptions options_;
  Index dim_ = -1;  // -1 until init (step() initialises lazily)
};
}  // namespace l2o
