#pragma once
// RMSprop (Tieleman & Hinton 2012, Coursera lecture 6.5), with optional momentum on the scaled
// gradient (as in torch.optim.RMSprop):
//
//   s <- rho * s + (1 - rho) * g^2         (s starts at zero)
//   b <- momentum * b + g / (sqrt(s) + eps) (b starts at zero)
//   delta = -lr * b
//
// With momentum = 0 this is the lecture's rule delta = -lr * g / (sqrt(s) + eps). The lecture uses
// rho = 0.9 and suggests lr = 0.001.
#include "l2o/optim/optimizer.hpp"

namespace l2o {

struct RmspropOptions {
  double lr = 1e-3;
  double rho = 0.9;       // decay of the mean square, in [0, 1)
  double eps = 1e-8;      // > 0
  double momentum = 0.0;  // in [0, 1)
};

class Rmsprop final : public Optimizer {
 public:
  explicit Rmsprop(RmspropOptions options = {});  // throws l2o::Error on out-of-range options
  std::string name() const override { return "rmsprop"; }
  void init(const ParamLayout& layout) override;
  void step(const StepContext& ctx, Vec& delta) override;
  nlohmann::json hyperparams() const override;
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;
  const RmspropOptions& options() const { return options_; }

 private:
  RmspropOptions options_;
  Index dim_ = -1;
  Vec mean_sq_;  // s
  Vec buffer_;   // b (stays zero when momentum = 0)
};
}  // namespace l2o
