#include "l2o/optim/sgd.hpp"

#include "l2o/optim/dimension_checks.hpp"
#include "l2o/optim/hyper_tables.hpp"
#include "l2o/optim/hyperparams.hpp"
#include "l2o/optim/state_json.hpp"

namespace l2o {

Sgd::Sgd(SgdOptions options) : options_(options) { check_fields(sgd_fields(), options_, hyper_context("sgd")); }

void Sgd::init(const ParamLayout& layout) { dim_ = layout.dim; }

void Sgd::step(const StepContext& ctx, Vec& delta) {
  if (dim_ < 0) init(ParamLayout::single(ctx.x.size()));
  check_step_sizes(name(), dim_, ctx);
  delta = -options_.lr * ctx.grad;
}

nlohmann::json Sgd::hyperparams() const { return write_fields(sgd_fields(), options_); }

// SGD has no state beyond the dimension; saving it still lets a checkpoint be checked.
nlohmann::json Sgd::save_state() const { return state_header(name(), dim_); }

void Sgd::load_state(const nlohmann::json& state) {
  const StateReader r(name(), state);
  check_state_dim(name(), dim_, r.dim());
  dim_ = r.dim();
}
}  // namespace l2o
