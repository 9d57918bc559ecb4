#pragma once
// An l2o::Optimizer as Python sees it (l2o.Optimizer): the optimizer plus three float64 buffers
// it steps on, x, grad and delta, that Python reads and writes in place as numpy arrays (and
// torch tensors through torch.from_numpy), so no parameter vector is copied between the two
// languages. l2o.torch flattens the parameter tensors straight into `x` and the gradients into
// `grad`, calls step_buffers(), and reads the new parameters back out of `x`.
#include <limits>
#include <string>

#include <nlohmann/json.hpp>
#include <pybind11/pybind11.h>

#include "l2o/optim/optimizer.hpp"

namespace l2o::python {

class BoundOptimizer {
 public:
  BoundOptimizer(OptimizerPtr optimizer, std::string policy_file);

  std::string name() const { return optimizer_->name(); }
  nlohmann::json hyperparams() const { return optimizer_->hyperparams(); }
  const std::string& policy_file() const { return policy_file_; }
  Optimizer& optimizer() { return *optimizer_; }

  // Fresh state for `layout`; the buffers get its dimension (zero-filled).
  void init(const ParamLayout& layout);
  bool initialised() const { return initialised_; }
  const ParamLayout& layout() const { return layout_; }

  // Examples in the minibatch behind the gradients, passed to every step (StepContext::batch);
  // 0 = not known. Only batch-aware learned optimizers read it (docs/psd.md, "Batch-aware steps").
  Index batch_size() const { return batch_; }
  void set_batch_size(Index batch);

  Vec& x() { return x_; }
  Vec& grad() { return grad_; }
  Vec& delta() { return delta_; }

  // One step on the buffers: delta <- step(x, loss, grad), then x <- x + delta if `apply`.
  // `eval` (a Python callable or None) serves the line searches of CG and L-BFGS:
  // eval(x_trial, grad_out) -> loss, where both are float64 numpy views valid during the call.
  // The GIL is released while C++ computes and re-taken for every eval call.
  void step_buffers(double loss, const pybind11::object& eval, bool apply);
  // The same from any vectors (copied into the buffers unless they are the buffers); returns
  // delta. Initialises for ParamLayout::single(x.size()) if init() was not called.
  Vec step(const Eigen::Ref<const Vec>& x, const Eigen::Ref<const Vec>& grad, double loss,
           const pybind11::object& eval);

  // Index of the first non-finite entry of x / grad, -1 if all are finite.
  Index first_nonfinite_x() const;
  Index first_nonfinite_grad() const;

  // New hyper-parameters for a hand-designed optimizer, keeping its state (torch's learning-rate
  // schedulers change group["lr"] between steps): the state moves through save_state/load_state,
  // which hold no hyper-parameters.
  void set_hyper(const nlohmann::json& hyper);

  std::string save_state() const;             // JSON text; exact (optim/state_json.hpp)
  void load_state(const std::string& state);  // throws l2o::Error for foreign or malformed state

 private:
  void check_initialised(const char* what) const;
  OptimizerPtr optimizer_;
  std::string policy_file_;
  bool initialised_ = false;
  ParamLayout layout_;
  Vec x_, grad_, delta_;
  Index batch_ = 0;
};
}  // namespace l2o::python
