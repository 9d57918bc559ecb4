#pragma once
// The one optimizer interface of l2o. Hand-designed and learned optimizers alike are explicit
// state plus an update rule (like optax / torch.optim):
//
//   opt->init(layout);                      // state for this parameter layout
//   opt->step({x, loss, grad, &eval}, dx);  // the step; the caller sets x <- x + dx
//
// Line-search methods (CG, L-BFGS) use `eval`, which evaluates loss and gradient on the *current*
// minibatch at other points. State can be saved and restored as JSON.
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "l2o/core/layout.hpp"
#include "l2o/core/types.hpp"

namespace l2o {

// Loss and gradient at a point: returns the loss and writes the gradient into `grad`
// (resized by the callee if needed).
using LossGradFn = std::function<double(const Vec& x, Vec& grad)>;

struct StepContext {
  const Vec& x;                    // current parameters
  double loss;                     // minibatch loss at x
  const Vec& grad;                 // minibatch gradient at x
  const LossGradFn* eval = nullptr;  // same-minibatch evaluations at other points (may be null)
  // Examples in the minibatch behind loss and grad (the train loop passes every minibatch's size,
  // the full data included); 0 = not known. Only
  // optimizers whose steps depend on the gradient noise read it (PSD's batch_scaling, docs/psd.md).
  Index batch = 0;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  // (Re)initialises the state for a parameter layout.
  virtual void init(const ParamLayout& layout) = 0;
  // Writes the step into `delta` (resized by the callee): the caller applies x <- x + delta.
  virtual void step(const StepContext& ctx, Vec& delta) = 0;
  // Hyper-parameters as given or defaulted, for reports and results files.
  virtual nlohmann::json hyperparams() const = 0;
  // Explicit state, to checkpoint and resume a run.
  virtual nlohmann::json save_state() const = 0;
  virtual void load_state(const nlohmann::json& state) = 0;
};

using OptimizerPtr = std::unique_ptr<Optimizer>;
}  // namespace l2o
