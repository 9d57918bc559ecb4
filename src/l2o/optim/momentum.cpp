#include "l2o/optim/momentum.hpp"

#include <algorithm>

#include "l2o/optim/dimension_checks.hpp"
#include "l2o/optim/hyper_tables.hpp"
#include "l2o/optim/hyperparams.hpp"
#include "l2o/optim/state_json.hpp"

namespace l2o {

Momentum::Momentum(MomentumOptions options) : options_(options) {
  check_fields(momentum_fields(), options_, hyper_context("momentum"));
}

void Momentum::init(const ParamLayout& layout) {
  dim_ = layout.dim;
  velocity_ = Vec::Zero(dim_);
}

void Momentum::step(const StepContext& ctx, Vec& delta) {
  if (dim_ < 0) init(ParamLayout::single(ctx.x.size()));
  check_step_sizes(name(), dim_, ctx);
  velocity_ = options_.momentum * velocity_ - options_.lr * ctx.grad;
  if (options_.nesterov)
    delta = options_.momentum * velocity_ - options_.lr * ctx.grad;
  else
    delta = velocity_;
}

nlohmann::json Momentum::hyperparams() const { return write_fields(momentum_fields(), options_); }

nlohmann::json Momentum::save_state() const {
  nlohmann::json s = state_header(name(), dim_);
  s["velocity"] = encode_vec(velocity_);
  return s;
}

void Momentum::load_state(const nlohmann::json& state) {
  const StateReader r(name(), state);
  check_state_dim(name(), dim_, r.dim());
  Vec v = r.vec("velocity", std::max<Index>(r.dim(), 0));
  dim_ = r.dim();
  velocity_ = std::move(v);
}
}  // namespace l2o
