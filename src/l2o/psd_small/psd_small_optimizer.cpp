#include "l2o/psd_small/psd_small_optimizer.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/core/json_integer.hpp"
#include "l2o/core/layout_json.hpp"
#include "l2o/core/base64.hpp"
#include "l2o/optim/state_json.hpp"

namespace l2o {
namespace {

static_assert(std::endian::native == std::endian::little, "the saved moments are the host's float32 bytes");

void check_tiling(const ParamLayout& layout) {
  if (layout.groups.empty()) throw Error("psd-small: the parameter layout has no coordinate groups");
  std::vector<const CoordinateGroup*> order;
  for (const CoordinateGroup& g : layout.groups) {
    if (g.rows < 0 || g.cols < 0 || g.offset < 0 || g.offset + g.size() > layout.dim)
      throw Error(fmt::format("psd-small: coordinate group '{}' ([{}, {})) lies outside the {} parameters", g.name,
                              g.offset, g.offset + g.size(), layout.dim));
    order.push_back(&g);
  }
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  Index next = 0;
  for (const CoordinateGroup* g : order) {
    if (g->offset != next)
      throw Error(fmt::format("psd-small: coordinate group '{}' starts at {} but coordinates {} onwards {}", g->name,
                              g->offset, next, g->offset > next ? "belong to no group" : "are already in another group"));
    next += g->size();
  }
  if (next != layout.dim)
    throw Error(fmt::format("psd-small: the coordinate groups cover {} of the {} parameters", next, layout.dim));
}

bool same_layout(const ParamLayout& a, const ParamLayout& b) {
  if (a.dim != b.dim || a.groups.size() != b.groups.size()) return false;
  for (std::size_t k = 0; k < a.groups.size(); ++k) {
    const CoordinateGroup &p = a.groups[k], &q = b.groups[k];
    if (p.name != q.name || p.kind != q.kind || p.layer != q.layer || p.output_layer != q.output_layer ||
        p.offset != q.offset || p.rows != q.rows || p.cols != q.cols)
      return false;
  }
  return true;
}
}  // namespace

PsdSmallOptimizer::PsdSmallOptimizer(std::shared_ptr<const PsdSmallPolicy> policy, PsdSmallRuntimeOptions options)
    : options_(options), stepper_(std::move(policy), options.threads) {}

void PsdSmallOptimizer::init(const ParamLayout& layout) {
  check_tiling(layout);
  layout_ = layout;
  roles_.clear();
  for (const CoordinateGroup& g : layout.groups)
    roles_.push_back(PsdSmallRole::of(g, layout.groups.size(), policy().arch().reference_fan_in));
  grad_ema_.assign(layout.groups.size(), 0.0);
  moments_.assign(static_cast<std::size_t>(4 * layout.dim), 0.0f);
  stepper_.set_clock({});
  initialised_ = true;
}

void PsdSmallOptimizer::step(const StepContext& ctx, Vec& delta) {
  if (!initialised_) init(ParamLayout::single(ctx.x.size()));  // a plain objective: one group
  if (ctx.x.size() != layout_.dim || ctx.grad.size() != layout_.dim)
    throw Error(fmt::format("psd-small: initialised for {} parameters, got x of {} and gradient of {}", layout_.dim,
                            ctx.x.size(), ctx.grad.size()));
  // Every group's sums of squares first (the step needs them anyway): a NaN or Inf anywhere makes
  // them non-finite, so a divergence is found before the first group moves, without separate
  // passes over x and the gradient. (A finite gradient whose squares overflow float64, |g| > 1e154,
  // counts as a divergence too.)
  const std::size_t G = layout_.groups.size();
  squares_.resize(G);
  bool finite_x = true, finite_g = true;
  for (std::size_t k = 0; k < G; ++k) {
    const CoordinateGroup& g = layout_.groups[k];
    squares_[k] = stepper_.squares(g.size(), ctx.x.data() + g.offset, ctx.grad.data() + g.offset);
    finite_x = finite_x && std::isfinite(squares_[k].x);
    finite_g = finite_g && std::isfinite(squares_[k].g);
  }
  if (!std::isfinite(ctx.loss) || !finite_g || !finite_x)
    throw DivergenceError(fmt::format("psd-small: non-finite {} at iteration {}",
                                      !std::isfinite(ctx.loss) ? "loss" : (!finite_g ? "gradient" : "iterate"),
                                      steps_taken() + 1));
  delta.resize(layout_.dim);
  stepper_.begin_step(ctx.loss, ctx.batch);
  for (std::size_t k = 0; k < G; ++k) {
    const CoordinateGroup& g = layout_.groups[k];
    stepper_.step_group(roles_[k], squares_[k], g.size(), ctx.x.data() + g.offset, ctx.grad.data() + g.offset,
                        moments_.data() + 4 * g.offset, grad_ema_[k], delta.data() + g.offset);
  }
}

nlohmann::json PsdSmallOptimizer::hyperparams() const {
  const PsdSmallArchitecture& a = policy().arch();
  return {{"policy", policy().source()},
          {"policy_sha256", policy().fingerprint()},
          {"hidden", a.hidden},
          {"activation", to_string(a.activation)},
          {"threads", options_.threads}};
}

nlohmann::json PsdSmallOptimizer::save_state() const {
  nlohmann::json s = state_header(name(), initialised_ ? layout_.dim : -1);
  s["policy"] = policy().fingerprint();
  if (!initialised_) return s;
  const PsdSmallClock& c = stepper_.clock();
  s["t"] = c.t;
  s["loss_first"] = encode_number(c.loss_first);
  s["loss_last"] = encode_number(c.loss_last);
  s["loss_ema_fast"] = encode_number(c.loss_ema_fast);
  s["loss_ema_slow"] = encode_number(c.loss_ema_slow);
  nlohmann::json groups = nlohmann::json::array();
  for (std::size_t k = 0; k < layout_.groups.size(); ++k) {
    nlohmann::json g = group_to_json(layout_.groups[k]);
    g["grad_rms_ema"] = encode_number(grad_ema_[k]);
    groups.push_back(std::move(g));
  }
  s["groups"] = std::move(groups);
  s["moments"] = base64_encode(reinterpret_cast<const std::uint8_t*>(moments_.data()), moments_.size() * sizeof(float));
  return s;
}

void PsdSmallOptimizer::load_state(const nlohmann::json& state) {
  const StateReader reader(name(), state);  // checks the optimizer name
  const Index dim = reader.dim();
  if (!state.contains("policy") || state.at("policy") != policy().fingerprint())
    throw Error("optimizer psd-small: saved state belongs to a different policy (fingerprint mismatch)");
  if (dim < 0) {  // saved before init: nothing to restore
    initialised_ = false;
    return;
  }
  try {
    // The layout is part of the state, so a checkpoint can be restored without calling init().
    const nlohmann::json& groups = state.at("groups");
    if (!groups.is_array()) throw Error("'groups' must be an array");
    ParamLayout layout;
    layout.dim = dim;
    std::vector<double> ema;
    for (const nlohmann::json& g : groups) {
      layout.groups.push_back(group_from_json(g));
      ema.push_back(g.at("grad_rms_ema").get<double>());
    }
    if (initialised_ && !same_layout(layout, layout_))
      throw Error("its coordinate groups differ from the layout the optimizer was initialised with");
    PsdSmallClock clock;
    clock.t = reader.integer("t");
    if (clock.t < 0) throw Error("'t' must be >= 0");
    clock.loss_first = reader.number("loss_first");
    clock.loss_last = reader.number("loss_last");
    clock.loss_ema_fast = reader.number("loss_ema_fast");
    clock.loss_ema_slow = reader.number("loss_ema_slow");
    const std::vector<std::uint8_t> bytes = base64_decode(state.at("moments").get<std::string>());
    if (bytes.size() != static_cast<std::size_t>(4 * dim) * sizeof(float))
      throw Error(fmt::format("'moments' holds {} bytes, {} parameters need {}", bytes.size(), dim,
                              static_cast<std::size_t>(4 * dim) * sizeof(float)));
    PsdSmallOptimizer restored(stepper_.policy_ptr(), options_);
    restored.init(layout);  // checks the tiling
    std::memcpy(restored.moments_.data(), bytes.data(), bytes.size());
    roles_ = std::move(restored.roles_);
    layout_ = std::move(layout);
    grad_ema_ = std::move(ema);
    moments_ = std::move(restored.moments_);
    stepper_.set_clock(clock);
    initialised_ = true;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("optimizer psd-small: malformed saved state: {}", e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("optimizer psd-small: malformed saved state: {}", e.what()));
  }
}

OptimizerPtr make_psd_small(const std::string& policy_path, PsdSmallRuntimeOptions options) {
  return std::make_unique<PsdSmallOptimizer>(std::make_shared<const PsdSmallPolicy>(PsdSmallPolicy::load(policy_path)),
                                             options);
}
OptimizerPtr make_psd_small(std::shared_ptr<const PsdSmallPolicy> policy, PsdSmallRuntimeOptions options) {
  return std::make_unique<PsdSmallOptimizer>(std::move(policy), options);
}
OptimizerPtr make_psd_small(PsdSmallPolicy policy, PsdSmallRuntimeOptions options) {
  return std::make_unique<PsdSmallOptimizer>(std::make_shared<const PsdSmallPolicy>(std::move(policy)), options);
}
}  // namespace l2o
