#include "l2o/optim/conjugate_gradient.hpp"

#include <algorithm>
#include <cmath>

#include "l2o/core/finite.hpp"
#include "l2o/optim/dimension_checks.hpp"
#include "l2o/optim/hyper_tables.hpp"
#include "l2o/optim/line_search_state.hpp"
#include "l2o/optim/line_search_step.hpp"
#include "l2o/optim/state_json.hpp"

namespace l2o {

ConjugateGradient::ConjugateGradient(ConjugateGradientOptions options) : options_(options) {
  check_line_search_optimizer(cg_fields(), options_, "cg");
}

void ConjugateGradient::init(const ParamLayout& layout) {
  dim_ = layout.dim;
  has_prev_ = false;
  g_prev_ = Vec::Zero(dim_);
  d_prev_ = Vec::Zero(dim_);
  since_restart_ = 0;
  stats_ = {};
}

Vec ConjugateGradient::direction(const Vec& g) {
  const long long period = options_.restart_every > 0 ? options_.restart_every : dim_;
  bool restart = !has_prev_ || since_restart_ >= period;
  Vec d;
  if (!restart) {
    const double gg_prev = g_prev_.squaredNorm();
    const double gg = g.squaredNorm();
    if (!(gg_prev > 0.0) || std::fabs(g.dot(g_prev_)) >= options_.restart_threshold * gg) {
      restart = true;  // Powell: the gradients lost orthogonality, conjugacy is gone
    } else {
      const double beta = std::max(0.0, g.dot(g - g_prev_) / gg_prev);
      d = -g + beta * d_prev_;
      if (!(g.dot(d) < 0.0) || !all_finite(d)) restart = true;  // not a descent direction
    }
  }
  if (restart) {
    if (has_prev_) ++stats_.restarts;
    since_restart_ = 0;
    d = -g;
  }
  return d;
}

void ConjugateGradient::step(const StepContext& ctx, Vec& delta) {
  if (dim_ < 0) init(ParamLayout::single(ctx.x.size()));
  check_step_sizes(name(), dim_, ctx);
  const Vec& g = ctx.grad;
  if (step_inputs_diverged(ctx)) {
    // Diverged: hand back a plain (non-finite) step for the caller to detect; restart afterwards.
    delta = -options_.lr * g;
    has_prev_ = false;
    return;
  }
  const Vec d = direction(g);
  if (ctx.eval == nullptr) {
    delta = options_.lr * d;
  } else {
    const LineSearchResult ls = search_and_record(ctx, d, options_.lr, line_search_options_of(options_), stats_);
    if (!ls.accepted()) {
      // No acceptable step on this minibatch: stay put and restart from steepest descent.
      delta = Vec::Zero(dim_);
      if (has_prev_) ++stats_.restarts;
      has_prev_ = false;
      return;
    }
    delta = ls.alpha * d;
  }
  g_prev_ = g;
  d_prev_ = d;
  has_prev_ = true;
  ++since_restart_;
}

nlohmann::json ConjugateGradient::hyperparams() const { return write_fields(cg_fields(), options_); }

nlohmann::json ConjugateGradient::save_state() const {
  nlohmann::json s = state_header(name(), dim_);
  s["has_prev"] = has_prev_;
  s["g_prev"] = encode_vec(g_prev_);
  s["d_prev"] = encode_vec(d_prev_);
  s["since_restart"] = since_restart_;
  s.update(encode_stats(stats_));
  return s;
}

void ConjugateGradient::load_state(const nlohmann::json& state) {
  const StateReader r(name(), state);
  check_state_dim(name(), dim_, r.dim());
  const Index n = std::max<Index>(r.dim(), 0);
  const bool has_prev = r.boolean("has_prev");
  Vec g = r.vec("g_prev", n), d = r.vec("d_prev", n);
  const long long since = r.integer("since_restart");
  const LineSearchStats stats = decode_stats(r);
  dim_ = r.dim();
  has_prev_ = has_prev;
  g_prev_ = std::move(g);
  d_prev_ = std::move(d);
  since_restart_ = since;
  stats_ = stats;
}
}  // namespace l2o
