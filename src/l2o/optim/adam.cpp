#include "l2o/optim/adam.hpp"

#include <algorithm>
#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/optim/dimension_checks.hpp"
#include "l2o/optim/hyper_tables.hpp"
#include "l2o/optim/hyperparams.hpp"
#include "l2o/optim/state_json.hpp"

namespace l2o {

Adam::Adam(AdamOptions options) : options_(options) {
  check_fields(adam_fields(), options_, hyper_context("adam"));
}

void Adam::init(const ParamLayout& layout) {
  dim_ = layout.dim;
  t_ = 0;
  m_ = Vec::Zero(dim_);
  v_ = Vec::Zero(dim_);
}

void Adam::step(const StepContext& ctx, Vec& delta) {
  if (dim_ < 0) init(ParamLayout::single(ctx.x.size()));
  check_step_sizes(name(), dim_, ctx);
  ++t_;
  const double b1 = options_.beta1, b2 = options_.beta2;
  m_ = b1 * m_ + (1.0 - b1) * ctx.grad;
  v_ = b2 * v_ + (1.0 - b2) * ctx.grad.cwiseAbs2();
  const double bias1 = 1.0 - std::pow(b1, static_cast<double>(t_));
  const double bias2 = 1.0 - std::pow(b2, static_cast<double>(t_));
  delta =
      (-options_.lr * (m_.array() / bias1) / ((v_.array() / bias2).sqrt() + options_.eps)).matrix();
}

nlohmann::json Adam::hyperparams() const { return write_fields(adam_fields(), options_); }

nlohmann::json Adam::save_state() const {
  nlohmann::json s = state_header(name(), dim_);
  s["t"] = t_;
  s["m"] = encode_vec(m_);
  s["v"] = encode_vec(v_);
  return s;
}

void Adam::load_state(const nlohmann::json& state) {
  const StateReader r(name(), state);
  check_state_dim(name(), dim_, r.dim());
  const Index n = std::max<Index>(r.dim(), 0);
  const long long t = r.integer("t");
  if (t < 0) throw Error("optimizer adam: state field 't' must be >= 0");
  Vec m = r.vec("m", n), v = r.vec("v", n);
  dim_ = r.dim();
  t_ = t;
  m_ = std::move(m);
  v_ = std::move(v);
}
}  // namespace l2o
