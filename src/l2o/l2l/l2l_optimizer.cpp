#include "l2o/l2l/l2l_optimizer.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "l2o/core/error.hpp"
#include "l2o/l2l/preprocess.hpp"
#include "l2o/optim/state_json.hpp"

namespace l2o {

L2LOptimizer::L2LOptimizer(L2LPolicy policy, std::string source, Precision precision)
    : policy_(std::move(policy)), source_(std::move(source)), precision_(precision) {
  if (runs_float32_lstm(precision_)) lstm32_ = LstmF32(policy_.lstm(), precision_ == Precision::Bf16x3);
}

void L2LOptimizer::init(const ParamLayout& layout) {
  dim_ = layout.dim;
  steps_ = 0;
  if (runs_float32_lstm(precision_))
    state32_ = lstm32_.zero_state(dim_);
  else
    state_ = policy_.zero_state(dim_);
}

void L2LOptimizer::step(const StepContext& ctx, Vec& delta) {
  if (dim_ < 0) init(ParamLayout::single(ctx.x.size()));
  if (ctx.grad.size() != dim_ || ctx.x.size() != dim_)
    throw Error(fmt::format("optimizer l2l: initialised for {} parameters, got x of {} and a gradient of {}", dim_,
                            ctx.x.size(), ctx.grad.size()));
  if (runs_float32_lstm(precision_)) {
    log_sign_preprocess(ctx.grad, policy_.settings().p, features_);
    features32_ = features_.cast<float>();
    lstm32_.step(features32_, state32_, out32_, ws32_);
    delta = policy_.settings().output_scale * out32_.row(0).transpose().cast<double>();
  } else {
    policy_.step(ctx.grad, state_, delta, features_, out_, ws_);
  }
  // The preprocessing maps a non-finite gradient entry to NaN features, but the LSTM's saturating
  // gates could turn those into a finite step; make sure the divergence is reported.
  for (Index j = 0; j < dim_; ++j)
    if (!std::isfinite(ctx.grad[j])) delta[j] = std::numeric_limits<double>::quiet_NaN();
  ++steps_;
}

nlohmann::json L2LOptimizer::hyperparams() const {
  return {{"policy", source_},
          {"architecture", policy_.settings().architecture_json()},
          {"features", policy_.settings().features_json()},
          {"precision", to_string(precision_)}};
}

namespace {
template <class M>
nlohmann::json encode_layers(const std::vector<M>& mats) {
  nlohmann::json a = nlohmann::json::array();
  for (const M& m : mats) {
    const Mat wide = m.template cast<double>();
    a.push_back(encode_vec(Eigen::Map<const Vec>(wide.data(), wide.size())));
  }
  return a;
}
}  // namespace

nlohmann::json L2LOptimizer::save_state() const {
  nlohmann::json s = state_header(name(), dim_);
  s["steps"] = steps_;
  s["precision"] = to_string(precision_);
  const bool f32 = runs_float32_lstm(precision_);
  s["h"] = f32 ? encode_layers(state32_.h) : encode_layers(state_.h);
  s["c"] = f32 ? encode_layers(state32_.c) : encode_layers(state_.c);
  return s;
}

void L2LOptimizer::load_state(const nlohmann::json& state) {
  const StateReader r(name(), state);
  const Index dim = r.dim();
  if (dim_ >= 0 && dim != dim_)
    throw Error(fmt::format("optimizer l2l: state is for {} parameters, the optimizer was initialised for {}", dim,
                            dim_));
  check_state_precision("l2l", state, precision_);
  const long long steps = r.integer("steps");
  if (steps < 0) throw Error("optimizer l2l: state field 'steps' must be >= 0");
  const auto& layers = policy_.settings().layers;
  if (r.array_size("h") != layers.size() || r.array_size("c") != layers.size())
    throw Error(fmt::format("optimizer l2l: state has {} layers, the policy has {}", r.array_size("h"),
                            layers.size()));
  LstmState s;
  const Index cols = std::max<Index>(dim, 0);  // dim -1: saved before init, no coordinates
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const Vec h = r.vec_at("h", l, layers[l] * cols), c = r.vec_at("c", l, layers[l] * cols);
    s.h.push_back(Eigen::Map<const Mat>(h.data(), layers[l], cols));
    s.c.push_back(Eigen::Map<const Mat>(c.data(), layers[l], cols));
  }
  dim_ = dim;
  steps_ = steps;
  if (runs_float32_lstm(precision_)) {
    state32_.h.clear();
    state32_.c.clear();
    for (std::size_t l = 0; l < s.h.size(); ++l) {
      state32_.h.push_back(s.h[l].cast<float>());
      state32_.c.push_back(s.c[l].cast<float>());
    }
  } else {
    state_ = std::move(s);
  }
}

OptimizerPtr make_l2l(const std::string& policy_path, Precision precision) {
  return std::make_unique<L2LOptimizer>(L2LPolicy::load(policy_path), policy_path, precision);
}
}  // namespace l2o
