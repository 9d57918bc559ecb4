#include "l2o/psd/psd_optimizer.hpp"
#include "l2o/core/json_integer.hpp"
#include "l2o/core/layout_json.hpp"

#include <algorithm>
#include <array>
#include <type_traits>

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/core/base64.hpp"
#include "l2o/nn/bf16x3_product.hpp"
#include "l2o/optim/state_json.hpp"

namespace l2o {
namespace {

void check_tiling(const ParamLayout& layout) {
  if (layout.groups.empty()) throw Error("psd: the parameter layout has no coordinate groups");
  std::vector<const CoordinateGroup*> order;
  for (const CoordinateGroup& g : layout.groups) {
    if (g.rows < 0 || g.cols < 0 || g.offset < 0 || g.offset + g.size() > layout.dim)
      throw Error(fmt::format("psd: coordinate group '{}' ([{}, {})) lies outside the {} parameters", g.name, g.offset,
                              g.offset + g.size(), layout.dim));
    order.push_back(&g);
  }
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  Index next = 0;
  for (const CoordinateGroup* g : order) {
    if (g->offset != next)
      throw Error(fmt::format("psd: coordinate group '{}' starts at {} but coordinates {} onwards {}", g->name, g->offset,
                              next, g->offset > next ? "belong to no group" : "are already in another group"));
    next += g->size();
  }
  if (next != layout.dim)
    throw Error(fmt::format("psd: the coordinate groups cover {} of the {} parameters", next, layout.dim));
}
}  // namespace

PsdOptimizer::PsdOptimizer(std::shared_ptr<const PsdPolicy> policy, PsdRuntimeOptions options)
    : policy_(std::move(policy)), options_(options),
      features_(policy_ ? policy_->config().features : FeatureConfig{}, 0) {
  if (!policy_) throw Error("psd: no policy");
  if (options_.threads < 1) throw Error(fmt::format("psd: threads must be >= 1, got {}", options_.threads));
  // Checked here, not at init() where the products are built: a CPU without bfloat16 products
  // (AVX512-BF16 or AMX) refuses the precision when the optimizer is made, as L2L does.
  std::string why;
  if (options_.precision == Precision::Bf16x3 && !bf16x3_available(&why))
    throw Error("bf16x3 precision is not available: " + why);
}

void PsdOptimizer::init(const ParamLayout& layout) {
  check_tiling(layout);
  layout_ = layout;
  features_.reset(layout.dim);
  const std::size_t G = layout.groups.size();
  nets_.clear();
  step_factor_.clear();
  states_.clear();
  states32_.clear();
  net32_.clear();
  obs_.assign(G, Mat());
  out_.assign(G, Mat());
  LstmWorkspace ws;
  ws.threads = options_.threads;
  LstmWorkspaceF32 ws32;
  ws32.threads = options_.threads;
  ws_.assign(f32() ? 0 : G, ws);
  ws32_.assign(f32() ? G : 0, ws32);
  obs32_.assign(f32() ? G : 0, MatF());
  out32_.assign(f32() ? G : 0, MatF());
  lstm32_.clear();
  if (f32())
    for (PolicyNet n : policy_->networks())
      lstm32_.emplace_back(policy_->network(n), options_.precision == Precision::Bf16x3);
  for (const CoordinateGroup& g : layout.groups) {
    const PolicyNet net = policy_->network_for(g, G);
    nets_.push_back(net);
    step_factor_.push_back(policy_->config().arch.step_scaling.factor(g, G));
    if (f32()) {
      const auto& all = policy_->networks();
      net32_.push_back(static_cast<std::size_t>(std::find(all.begin(), all.end(), net) - all.begin()));
      states32_.push_back(lstm32_[net32_.back()].zero_state(g.size()));
    } else {
      states_.push_back(policy_->network(net).zero_state(g.size()));
    }
  }
  initialised_ = true;
}

const LstmState& PsdOptimizer::lstm_state(std::size_t group) const {
  if (f32()) throw Error("psd: lstm_state() is the float64 state; this optimizer runs float32 or bf16x3");
  return states_.at(group);
}

void PsdOptimizer::step(const StepContext& ctx, Vec& delta) {
  if (!initialised_) init(ParamLayout::single(ctx.x.size()));  // a plain objective: one group
  if (ctx.x.size() != layout_.dim || ctx.grad.size() != layout_.dim)
    throw Error(fmt::format("psd: initialised for {} parameters, got x of {} and gradient of {}", layout_.dim,
                            ctx.x.size(), ctx.grad.size()));
  if (!std::isfinite(ctx.loss) || !ctx.grad.allFinite() || !ctx.x.allFinite())
    throw DivergenceError(fmt::format("psd: non-finite {} at iteration {}",
                                      !std::isfinite(ctx.loss) ? "loss" : (!ctx.grad.allFinite() ? "gradient" : "iterate"),
                                      features_.time() + 1));
  features_.observe(ctx.x, ctx.loss, ctx.grad);
  delta.resize(layout_.dim);
  // 1 unless the policy has batch-aware steps and the caller says the minibatch is small.
  const double batch_factor = policy_->config().arch.batch_scaling.factor(ctx.batch);
  const OutputWarmup& warmup = policy_->config().arch.output_warmup;
  const Index t = features_.time() + 1;  // this step's number, 1-based
  for (std::size_t k = 0; k < layout_.groups.size(); ++k) {
    const CoordinateGroup& g = layout_.groups[k];
    if (g.size() == 0) continue;
    features_.compute(g, obs_[k]);
    // 1 unless the policy warms up its output layer and the minibatch is small (multiplied last, so
    // that without it every product is the one it was before the warm-up existed, bit for bit).
    const double warm = warmup.factor(g, layout_.groups.size(), t, ctx.batch);
    if (!f32()) {
      policy_->act(nets_[k], obs_[k], states_[k], out_[k], ws_[k]);
      delta.segment(g.offset, g.size()) = out_[k].row(0).transpose() * (step_factor_[k] * batch_factor * warm);
      continue;
    }
    const std::vector<double>& scale = policy_->input_scale(nets_[k]);
    obs32_[k].resize(obs_[k].rows(), obs_[k].cols());
    for (Index r = 0; r < obs_[k].rows(); ++r)
      obs32_[k].row(r) = (obs_[k].row(r) * scale[static_cast<std::size_t>(r)]).cast<float>();
    lstm32_[net32_[k]].step(obs32_[k], states32_[k], out32_[k], ws32_[k]);
    delta.segment(g.offset, g.size()) =
        out32_[k].row(0).transpose().cast<double>() *
        (policy_->config().arch.output_scale * step_factor_[k] * batch_factor * warm);
  }
}

nlohmann::json PsdOptimizer::hyperparams() const {
  const PsdPolicyConfig& c = policy_->config();
  nlohmann::json h = {{"policy", policy_->source()},
                       {"policy_sha256", policy_->fingerprint()},
                       {"layers", c.arch.layers},
                       {"sharing", to_string(c.arch.sharing)},
                       {"output_scale", c.arch.output_scale},
                       {"step_scaling", c.arch.step_scaling.to_json()},
                       {"features", c.features.to_json()},
                       {"precision", to_string(options_.precision)}};
  if (c.arch.batch_scaling.active()) h["batch_scaling"] = c.arch.batch_scaling.to_json();  // else as before
  if (c.arch.output_warmup.active()) h["output_warmup"] = c.arch.output_warmup.to_json();
  return h;
}

nlohmann::json PsdOptimizer::save_state() const {
  nlohmann::json s = state_header("psd", initialised_ ? layout_.dim : -1);
  s["policy"] = policy_->fingerprint();
  s["precision"] = to_string(options_.precision);
  if (!initialised_) return s;
  s["features"] = features_.save();
  nlohmann::json groups = nlohmann::json::array();
  // A float32 state is widened (exactly) and stored like a float64 one.
  auto encode = [](const auto& m) {
    const Mat wide = m.template cast<double>();
    return encode_float64(wide.data(), static_cast<std::size_t>(wide.size()));
  };
  for (std::size_t k = 0; k < layout_.groups.size(); ++k) {
    const CoordinateGroup& g = layout_.groups[k];
    nlohmann::json h = nlohmann::json::array(), c = nlohmann::json::array();
    if (f32()) {
      for (const MatF& m : states32_[k].h) h.push_back(encode(m));
      for (const MatF& m : states32_[k].c) c.push_back(encode(m));
    } else {
      for (const Mat& m : states_[k].h) h.push_back(encode(m));
      for (const Mat& m : states_[k].c) c.push_back(encode(m));
    }
    nlohmann::json e = group_to_json(g);
    e["h"] = h;
    e["c"] = c;
    groups.push_back(std::move(e));
  }
  s["groups"] = groups;
  return s;
}

void PsdOptimizer::load_state(const nlohmann::json& state) {
  const StateReader reader("psd", state);  // checks the optimizer name
  const Index dim = reader.dim();
  if (!state.contains("policy") || state.at("policy") != policy_->fingerprint())
    throw Error("optimizer psd: saved state belongs to a different policy (fingerprint mismatch)");
  check_state_precision("psd", state, options_.precision);
  if (dim < 0) {  // saved before init: nothing to restore
    initialised_ = false;
    return;
  }
  if (initialised_ && dim != layout_.dim)
    throw Error(fmt::format("optimizer psd: state is for {} parameters, the optimizer was initialised for {}", dim,
                            layout_.dim));
  try {
    // The layout is part of the state, so a checkpoint can be restored without calling init().
    const nlohmann::json& groups = state.at("groups");
    if (!groups.is_array()) throw Error("'groups' must be an array");
    ParamLayout layout;
    layout.dim = dim;
    for (const nlohmann::json& g : groups) layout.groups.push_back(group_from_json(g));
    if (initialised_) {
      bool same = layout.groups.size() == layout_.groups.size();
      for (std::size_t k = 0; same && k < layout.groups.size(); ++k) {
        const CoordinateGroup &a = layout.groups[k], &b = layout_.groups[k];
        same = a.name == b.name && a.kind == b.kind && a.output_layer == b.output_layer && a.offset == b.offset &&
               a.size() == b.size();
      }
      if (!same) throw Error("its coordinate groups differ from the layout the optimizer was initialised with");
    }
    PsdOptimizer restored(policy_, options_);
    restored.init(layout);
    // Decodes the saved h or c of one group into `mats` (float64 or float32 matrices).
    auto restore = [&](auto& mats, const nlohmann::json& arr, const std::string& group) {
      using M = std::decay_t<decltype(mats.front())>;
      if (!arr.is_array() || arr.size() != mats.size())
        throw Error(fmt::format("group '{}' has {} LSTM layers, the policy has {}", group, arr.size(), mats.size()));
      for (std::size_t l = 0; l < mats.size(); ++l) {
        const Vec v = decode_float64_vec(arr.at(l).get<std::string>());
        if (v.size() != mats[l].size())
          throw Error(fmt::format("LSTM state of group '{}' has {} values, expected {}", group, v.size(),
                                  mats[l].size()));
        mats[l] = Eigen::Map<const Mat>(v.data(), mats[l].rows(), mats[l].cols()).template cast<typename M::Scalar>();
      }
    };
    for (std::size_t k = 0; k < layout.groups.size(); ++k) {
      const nlohmann::json& g = groups.at(k);
      const std::string& name = layout.groups[k].name;
      if (f32()) {
        restore(restored.states32_[k].h, g.at("h"), name);
        restore(restored.states32_[k].c, g.at("c"), name);
      } else {
        restore(restored.states_[k].h, g.at("h"), name);
        restore(restored.states_[k].c, g.at("c"), name);
      }
    }
    restored.features_.load(state.at("features"));
    if (restored.features_.dim() != dim) throw Error("the feature history has the wrong dimension");
    layout_ = std::move(restored.layout_);
    features_ = std::move(restored.features_);
    nets_ = std::move(restored.nets_);
    step_factor_ = std::move(restored.step_factor_);
    states_ = std::move(restored.states_);
    ws_ = std::move(restored.ws_);
    obs_ = std::move(restored.obs_);
    out_ = std::move(restored.out_);
    lstm32_ = std::move(restored.lstm32_);
    net32_ = std::move(restored.net32_);
    states32_ = std::move(restored.states32_);
    ws32_ = std::move(restored.ws32_);
    obs32_ = std::move(restored.obs32_);
    out32_ = std::move(restored.out32_);
    initialised_ = true;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("optimizer psd: malformed saved state: {}", e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("optimizer psd: malformed saved state: {}", e.what()));
  }
}

OptimizerPtr make_psd(const std::string& policy_path, PsdRuntimeOptions options) {
  return std::make_unique<PsdOptimizer>(std::make_shared<const PsdPolicy>(PsdPolicy::load(policy_path)), options);
}
OptimizerPtr make_psd(std::shared_ptr<const PsdPolicy> policy, PsdRuntimeOptions options) {
  return std::make_unique<PsdOptimizer>(std::move(policy), options);
}
OptimizerPtr make_psd(PsdPolicy policy, PsdRuntimeOptions options) {
  return std::make_unique<PsdOptimizer>(std::make_shared<const PsdPolicy>(std::move(policy)), options);
}
}  // namespace l2o
