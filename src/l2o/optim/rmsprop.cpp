#include "l2o/optim/rmsprop.hpp"

#include <algorithm>

#include "l2o/optim/dimension_checks.hpp"
#include "l2o/optim/hyper_tables.hpp"
#include "l2o/optim/hyperparams.hpp"
#include "l2o/optim/state_json.hpp"

namespace l2o {

Rmsprop::Rmsprop(RmspropOptions options) : options_(options) {
  check_fields(rmsprop_fields(), options_, hyper_context("rmsprop"));
}

void Rmsprop::init(const ParamLayout& layout) {
  dim_ = layout.dim;
  mean_sq_ = Vec::Zero(dim_);
  buffer_ = Vec::Zero(dim_);
}

void Rmsprop::step(const StepContext& ctx, Vec& delta) {
  if (dim_ < 0) init(ParamLayout::single(ctx.x.size()));
  check_step_sizes(name(), dim_, ctx);
  const double rho = options_.rho;
  mean_sq_ = rho * mean_sq_ + (1.0 - rho) * ctx.grad.cwiseAbs2();
  const Vec scaled = (ctx.grad.array() / (mean_sq_.array().sqrt() + options_.eps)).matrix();
  buffer_ = options_.momentum * buffer_ + scaled;
  delta = -options_.lr * buffer_;
}

nlohmann::json Rmsprop::hyperparams() const { return write_fields(rmsprop_fields(), options_); }

nlohmann::json Rmsprop::save_state() const {
  nlohmann::json s = state_header(name(), dim_);
  s["mean_sq"] = encode_vec(mean_sq_);
  s["buffer"] = encode_vec(buffer_);
  return s;
}

void Rmsprop::load_state(const nlohmann::json& state) {
  const StateReader r(name(), state);
  check_state_dim(name(), dim_, r.dim());
  const Index n = std::max<Index>(r.dim(), 0);
  Vec s = r.vec("mean_sq", n), b = r.vec("buffer", n);
  dim_ = r.dim();
  mean_sq_ = std::move(s);
  buffer_ = std::move(b);
}
}  // namespace l2o
