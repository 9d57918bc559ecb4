#pragma once
// Adam (Kingma & Ba 2015, Algorithm 1), with the paper's defaults:
//
//   t <- t + 1
//   m <- beta1 * m + (1 - beta1) * g
//   v <- beta2 * v + (1 - beta2) * g^2
//   delta = -lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
#include "l2o/optim/optimizer.hpp"

namespace l2o {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;    // in [0, 1)
  double beta2 = 0.999;  // in [0, 1)
  double eps = 1e-8;     // > 0
};

class Adam final : public Optimizer {
 public:
  explicit Adam(AdamOptions options = {});  // throws l2o::Error on out-of-range options
  std::string name() const override { return "adam"; }
  void init(const ParamLayout& layout) override;
  void step(const StepContext& ctx, Vec& delta) override;
  nlohmann::json hyperparams() const override;
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;
  const AdamOptions& options() const { return options_; }
  long long steps_taken() const { return t_; }

 private:
  AdamOptions options_;
  Index dim_ = -1;
  long long t_ = 0;
  Vec m_, v_;  // first and second moment estimates (biased)
};
}  // namespace l2o
