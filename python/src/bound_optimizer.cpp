#include "bound_optimizer.hpp"

#include <fmt/core.h>
#include <pybind11/numpy.h>

#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/optim/registry.hpp"

namespace py = pybind11;

namespace l2o::python {
namespace {

// A numpy array over `v`'s memory, valid while `v` is neither resized nor destroyed. The capsule
// base (which frees nothing) is what makes pybind11 wrap the memory instead of copying it.
py::array_t<double> view_of(const Vec& v) {
  static int anchor = 0;  // PyCapsule_New needs a non-null pointer
  return py::array_t<double>({v.size()}, {static_cast<py::ssize_t>(sizeof(double))}, const_cast<double*>(v.data()),
                             py::capsule(&anchor, [](void*) {}));
}

Index first_nonfinite(const Vec& v) {
  if (v.allFinite()) return -1;  // vectorised; the scan below runs only to name the culprit
  for (Index i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) return i;
  return -1;
}
}  // namespace

BoundOptimizer::BoundOptimizer(OptimizerPtr optimizer, std::string policy_file)
    : optimizer_(std::move(optimizer)), policy_file_(std::move(policy_file)) {}

void BoundOptimizer::init(const ParamLayout& layout) {
  optimizer_->init(layout);
  layout_ = layout;
  x_ = Vec::Zero(layout.dim);
  grad_ = Vec::Zero(layout.dim);
  delta_ = Vec::Zero(layout.dim);
  initialised_ = true;
}

void BoundOptimizer::set_batch_size(Index batch) {
  if (batch < 0)
    throw Error(fmt::format("optimizer {}: batch_size must be >= 0 (0: not known), got {}", optimizer_->name(), batch));
  batch_ = batch;
}

void BoundOptimizer::check_initialised(const char* what) const {
  if (!initialised_) throw Error(fmt::format("optimizer {}: {} before init(layout)", optimizer_->name(), what));
}

void BoundOptimizer::step_buffers(double loss, const py::object& eval, bool apply) {
  check_initialised("step_buffers()");
  const Index dim = layout_.dim;
  LossGradFn fn;
  if (!eval.is_none()) {
    fn = [&eval, dim](const Vec& at, Vec& g) -> double {
      py::gil_scoped_acquire gil;
      g.resize(dim);
      const py::object result = eval(view_of(at), view_of(g));
      return result.cast<double>();
    };
  }
  {
    py::gil_scoped_release release;
    optimizer_->step({x_, loss, grad_, eval.is_none() ? nullptr : &fn, batch_}, delta_);
    if (delta_.size() != dim)
      throw Error(fmt::format("optimizer {}: step of size {} for {} parameters", optimizer_->name(), delta_.size(), dim));
    if (apply) x_ += delta_;
  }
}

Vec BoundOptimizer::step(const Eigen::Ref<const Vec>& x, const Eigen::Ref<const Vec>& grad, double loss,
                         const py::object& eval) {
  if (!initialised_) init(ParamLayout::single(x.size()));
  if (x.size() != layout_.dim || grad.size() != layout_.dim)
    throw Error(fmt::format("optimizer {}: initialised for {} parameters, got x of {} and grad of {}",
                            optimizer_->name(), layout_.dim, x.size(), grad.size()));
  if (x.data() != x_.data()) x_ = x;
  if (grad.data() != grad_.data()) grad_ = grad;
  step_buffers(loss, eval, false);
  return delta_;
}

Index BoundOptimizer::first_nonfinite_x() const { return first_nonfinite(x_); }
Index BoundOptimizer::first_nonfinite_grad() const { return first_nonfinite(grad_); }

void BoundOptimizer::set_hyper(const nlohmann::json& hyper) {
  if (!is_hand_designed(optimizer_->name()))
    throw Error(fmt::format("optimizer {}: a learned optimizer has no hyper-parameters to change (its policy file "
                            "is all there is)",
                            optimizer_->name()));
  OptimizerPtr fresh = make_hand_designed(optimizer_->name(), hyper);
  if (initialised_) {
    fresh->init(layout_);
    fresh->load_state(optimizer_->save_state());
  }
  optimizer_ = std::move(fresh);
}

std::string BoundOptimizer::save_state() const { return optimizer_->save_state().dump(); }

void BoundOptimizer::load_state(const std::string& state) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(state);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("optimizer {}: saved state is not valid JSON: {}", optimizer_->name(), e.what()));
  }
  optimizer_->load_state(j);
}
}  // namespace l2o::python
