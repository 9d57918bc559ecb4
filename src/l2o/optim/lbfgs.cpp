#include "l2o/optim/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "l2o/core/error.hpp"
#include "l2o/core/finite.hpp"
#include "l2o/optim/dimension_checks.hpp"
#include "l2o/optim/hyper_tables.hpp"
#include "l2o/optim/line_search_state.hpp"
#include "l2o/optim/line_search_step.hpp"
#include "l2o/optim/state_json.hpp"

namespace l2o {

Lbfgs::Lbfgs(LbfgsOptions options) : options_(options) {
  check_line_search_optimizer(lbfgs_fields(), options_, "lbfgs");
}

void Lbfgs::init(const ParamLayout& layout) {
  dim_ = layout.dim;
  pairs_.clear();
  skipped_ = 0;
  has_pending_ = false;
  pending_s_.resize(0);
  pending_g_.resize(0);
  stats_ = {};
}

void Lbfgs::clear_memory() {
  if (!pairs_.empty()) ++stats_.restarts;
  pairs_.clear();
}

void Lbfgs::add_pair(Vec s, Vec y) {
  const double sy = s.dot(y);
  if (!(std::isfinite(sy) && sy > options_.min_curvature * s.norm() * y.norm() && sy > 0.0)) {
    ++skipped_;  // non-positive curvature (noise, or a non-convex region): BFGS would lose H > 0
    return;
  }
  pairs_.push_back(Pair{std::move(s), std::move(y), 1.0 / sy});
  while (pairs_.size() > static_cast<std::size_t>(options_.memory)) pairs_.pop_front();
}

Vec Lbfgs::direction(const Vec& g) const {
  if (pairs_.empty()) return -g;
  Vec q = g;
  std::vector<double> a(pairs_.size());
  for (std::size_t i = pairs_.size(); i-- > 0;) {
    a[i] = pairs_[i].rho * pairs_[i].s.dot(q);
    q -= a[i] * pairs_[i].y;
  }
  const Pair& newest = pairs_.back();
  q *= 1.0 / (newest.rho * newest.y.squaredNorm());  // gamma = s'y / y'y
  for (std::size_t i = 0; i < pairs_.size(); ++i) {
    const double b = pairs_[i].rho * pairs_[i].y.dot(q);
    q += (a[i] - b) * pairs_[i].s;
  }
  return -q;
}

void Lbfgs::step(const StepContext& ctx, Vec& delta) {
  if (dim_ < 0) init(ParamLayout::single(ctx.x.size()));
  check_step_sizes(name(), dim_, ctx);
  const Vec& g = ctx.grad;
  if (step_inputs_diverged(ctx)) {
    // Diverged: hand back a plain (non-finite) step for the caller to detect.
    delta = -options_.lr * g;
    has_pending_ = false;
    return;
  }
  if (has_pending_) {  // no-eval mode: complete last step's pair with this gradient
    add_pair(pending_s_, g - pending_g_);
    has_pending_ = false;
  }
  Vec d = direction(g);
  if (!(g.dot(d) < 0.0) || !all_finite(d)) {
    clear_memory();
    d = -g;
  }
  const double g1 = g.lpNorm<1>();
  const double alpha0 = pairs_.empty() && g1 > 1.0 ? options_.lr / g1 : options_.lr;
  if (ctx.eval == nullptr) {
    delta = alpha0 * d;
    pending_s_ = delta;
    pending_g_ = g;
    has_pending_ = true;
    return;
  }
  const LineSearchResult ls = search_and_record(ctx, d, alpha0, line_search_options_of(options_), stats_);
  if (!ls.accepted()) {
    // No acceptable step on this minibatch: stay put and forget the curvature pairs.
    delta = Vec::Zero(dim_);
    clear_memory();
    return;
  }
  delta = ls.alpha * d;
  add_pair(delta, ls.grad - g);
}

nlohmann::json Lbfgs::hyperparams() const { return write_fields(lbfgs_fields(), options_); }

nlohmann::json Lbfgs::save_state() const {
  nlohmann::json s = state_header(name(), dim_);
  nlohmann::json ss = nlohmann::json::array(), ys = nlohmann::json::array(),
                 rhos = nlohmann::json::array();
  for (const Pair& p : pairs_) {
    ss.push_back(encode_vec(p.s));
    ys.push_back(encode_vec(p.y));
    rhos.push_back(encode_number(p.rho));
  }
  s["s"] = std::move(ss);
  s["y"] = std::move(ys);
  s["rho"] = std::move(rhos);
  s["skipped"] = skipped_;
  s["has_pending"] = has_pending_;
  // The pending pair only matters while it is pending.
  s["pending_s"] = encode_vec(has_pending_ ? pending_s_ : Vec());
  s["pending_g"] = encode_vec(has_pending_ ? pending_g_ : Vec());
  s.update(encode_stats(stats_));
  return s;
}

void Lbfgs::load_state(const nlohmann::json& state) {
  const StateReader r(name(), state);
  check_state_dim(name(), dim_, r.dim());
  const Index n = std::max<Index>(r.dim(), 0);
  const std::size_t k = r.array_size("s");
  if (r.array_size("y") != k || r.array_size("rho") != k)
    throw Error("optimizer lbfgs: state fields 's', 'y' and 'rho' must have the same length");
  if (k > static_cast<std::size_t>(options_.memory))
    throw Error("optimizer lbfgs: state holds more curvature pairs than 'memory' allows");
  std::deque<Pair> pairs;
  for (std::size_t i = 0; i < k; ++i)
    pairs.push_back(Pair{r.vec_at("s", i, n), r.vec_at("y", i, n), r.number_at("rho", i)});
  const bool has_pending = r.boolean("has_pending");
  const Index pending_n = has_pending ? n : 0;
  Vec ps = r.vec("pending_s", pending_n), pg = r.vec("pending_g", pending_n);
  const long long skipped = r.integer("skipped");
  const LineSearchStats stats = decode_stats(r);
  dim_ = r.dim();
  pairs_ = std::move(pairs);
  has_pending_ = has_pending;
  pending_s_ = std::move(ps);
  pending_g_ = std::move(pg);
  skipped_ = skipped;
  stats_ = stats;
}
}  // namespace l2o
