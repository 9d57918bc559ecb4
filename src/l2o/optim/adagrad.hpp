#pragma once
// AdaGrad (Duchi, Hazan & Singer 2011), diagonal version:
//
//   G <- G + g^2                    (element-wise, G starts at zero)
//   delta = -lr * g / (sqrt(G) + eps)
//
// The paper gives no default step size; lr = 0.01 and eps = 1e-10 follow common practice.
#include "l2o/optim/optimizer.hpp"

namespace l2o {

struct AdagradOptions {
  double lr = 0.01;
  double eps = 1e-10;  // > 0; keeps coordinates whose gradients have all been zero finite
};

class Adagrad final : public Optimizer {
 public:
  explicit Adagrad(AdagradOptions options = {});  // throws l2o::Error on out-of-range options
  std::string name() const override { return "adagrad"; }
  void init(const ParamLayout& layout) override;
  void step(const StepContext& ctx, Vec& delta) override;
  nlohmann::json hyperparams() const override;
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;
  const AdagradOptions& options() const { return options_; }

 private:
  AdagradOptions options_;
  Index dim_ = -1;
  Vec sum_sq_;  // G: running sum of squared gradients
};
}  // namespace l2o
