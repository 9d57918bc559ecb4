#include "l2o/optim/adagrad.hpp"

#include <algorithm>

#include "l2o/optim/dimension_checks.hpp"
#include "l2o/optim/hyper_tables.hpp"
#include "l2o/optim/hyperparams.hpp"
#include "l2o/optim/state_json.hpp"

namespace l2o {

Adagrad::Adagrad(AdagradOptions options) : options_(options) {
  check_fields(adagrad_fields(), options_, hyper_context("adagrad"));
}

void Adagrad::init(const ParamLayout& layout) {
  dim_ = layout.dim;
  sum_sq_ = Vec::Zero(dim_);
}

void Adagrad::step(const StepContext& ctx, Vec& delta) {
  if (dim_ < 0) init(ParamLayout::single(ctx.x.size()));
  check_step_sizes(name(), dim_, ctx);
  sum_sq_.array() += ctx.grad.array().square();
  delta = (-options_.lr * ctx.grad.array() / (sum_sq_.array().sqrt() + options_.eps)).matrix();
}

nlohmann::json Adagrad::hyperparams() const { return write_fields(adagrad_fields(), options_); }

nlohmann::json Adagrad::save_state() const {
  nlohmann::json s = state_header(name(), dim_);
  s["sum_sq"] = encode_vec(sum_sq_);
  return s;
}

void Adagrad::load_state(const nlohmann::json& state) {
  const StateReader r(name(), state);
  check_state_dim(name(), dim_, r.dim());
  Vec g2 = r.vec("sum_sq", std::max<Index>(r.dim(), 0));
  dim_ = r.dim();
  sum_sq_ = std::move(g2);
}
}  // namespace l2o
