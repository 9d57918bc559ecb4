#include "l2o/psd/psd_optimizer.hpp"

#include <algorithm>

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/nn/base64.hpp"
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

PsdOptimizer::PsdOptimizer(std::shared_ptr<const PsdPolicy> policy)
    : policy_(std::move(policy)), features_(policy_ ? policy_->config().features : FeatureConfig{}, 0) {
  if (!policy_) throw Error("psd: no policy");
}

void PsdOptimizer::init(const ParamLayout& layout) {
  check_tiling(layout);
  layout_ = layout;
  features_.reset(layout.dim);
  nets_.clear();
  states_.clear();
  ws_.assign(layout.groups.size(), LstmWorkspace{});
  obs_.assign(layout.groups.size(), Mat());
  out_.assign(layout.groups.size(), Mat());
  for (const CoordinateGroup& g : layout.groups) {
    const PolicyNet net = policy_->network_for(g, layout.groups.size());
    nets_.push_back(net);
    states_.push_back(policy_->network(net).zero_state(g.size()));
  }
  initialised_ = true;
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
  for (std::size_t k = 0; k < layout_.groups.size(); ++k) {
    const CoordinateGroup& g = layout_.groups[k];
    if (g.size() == 0) continue;
    features_.compute(g, obs_[k]);
    policy_->act(nets_[k], obs_[k], states_[k], out_[k], ws_[k]);
    delta.segment(g.offset, g.size()) = out_[k].row(0).transpose();
  }
}

nlohmann::json PsdOptimizer::hyperparams() const {
  const PsdPolicyConfig& c = policy_->config();
  return {{"policy", policy_->source()},
          {"policy_sha256", policy_->fingerprint()},
          {"layers", c.arch.layers},
          {"sharing", to_string(c.arch.sharing)},
          {"output_scale", c.arch.output_scale},
          {"features", c.features.to_json()}};
}

nlohmann::json PsdOptimizer::save_state() const {
  nlohmann::json s = state_header("psd", initialised_ ? layout_.dim : -1);
  s["policy"] = policy_->fingerprint();
  if (!initialised_) return s;
  s["features"] = features_.save();
  nlohmann::json groups = nlohmann::json::array();
  for (std::size_t k = 0; k < states_.size(); ++k) {
    const CoordinateGroup& g = layout_.groups[k];
    nlohmann::json h = nlohmann::json::array(), c = nlohmann::json::array();
    for (const Mat& m : states_[k].h) h.push_back(encode_float64(m.data(), static_cast<std::size_t>(m.size())));
    for (const Mat& m : states_[k].c) c.push_back(encode_float64(m.data(), static_cast<std::size_t>(m.size())));
    groups.push_back({{"name", g.name},
                      {"kind", to_string(g.kind)},
                      {"layer", g.layer},
                      {"output_layer", g.output_layer},
                      {"rows", g.rows},
                      {"cols", g.cols},
                      {"offset", g.offset},
                      {"h", h},
                      {"c", c}});
  }
  s["groups"] = groups;
  return s;
}

void PsdOptimizer::load_state(const nlohmann::json& state) {
  const StateReader reader("psd", state);  // checks the optimizer name
  const Index dim = reader.dim();
  if (!state.contains("policy") || state.at("policy") != policy_->fingerprint())
    throw Error("optimizer psd: saved state belongs to a different policy (fingerprint mismatch)");
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
    for (const nlohmann::json& g : groups) {
      CoordinateGroup cg;
      cg.name = g.at("name").get<std::string>();
      const std::string kind = g.at("kind").get<std::string>();
      if (kind != "weight" && kind != "bias") throw Error(fmt::format("group '{}' has unknown kind '{}'", cg.name, kind));
      cg.kind = kind == "weight" ? GroupKind::Weight : GroupKind::Bias;
      cg.layer = g.at("layer").get<int>();
      cg.output_layer = g.at("output_layer").get<bool>();
      cg.rows = g.at("rows").get<Index>();
      cg.cols = g.at("cols").get<Index>();
      cg.offset = g.at("offset").get<Index>();
      layout.groups.push_back(cg);
    }
    if (initialised_) {
      bool same = layout.groups.size() == layout_.groups.size();
      for (std::size_t k = 0; same && k < layout.groups.size(); ++k) {
        const CoordinateGroup &a = layout.groups[k], &b = layout_.groups[k];
        same = a.name == b.name && a.kind == b.kind && a.output_layer == b.output_layer && a.offset == b.offset &&
               a.size() == b.size();
      }
      if (!same) throw Error("its coordinate groups differ from the layout the optimizer was initialised with");
    }
    PsdOptimizer restored(policy_);
    restored.init(layout);
    for (std::size_t k = 0; k < layout.groups.size(); ++k) {
      const nlohmann::json& g = groups.at(k);
      for (int which = 0; which < 2; ++which) {
        std::vector<Mat>& mats = which == 0 ? restored.states_[k].h : restored.states_[k].c;
        const nlohmann::json& arr = g.at(which == 0 ? "h" : "c");
        if (!arr.is_array() || arr.size() != mats.size())
          throw Error(fmt::format("group '{}' has {} LSTM layers, the policy has {}", layout.groups[k].name, arr.size(),
                                  mats.size()));
        for (std::size_t l = 0; l < mats.size(); ++l) {
          const Vec v = decode_float64_vec(arr.at(l).get<std::string>());
          if (v.size() != mats[l].size())
            throw Error(fmt::format("LSTM state of group '{}' has {} values, expected {}", layout.groups[k].name,
                                    v.size(), mats[l].size()));
          mats[l] = Eigen::Map<const Mat>(v.data(), mats[l].rows(), mats[l].cols());
        }
      }
    }
    restored.features_.load(state.at("features"));
    if (restored.features_.dim() != dim) throw Error("the feature history has the wrong dimension");
    layout_ = std::move(restored.layout_);
    features_ = std::move(restored.features_);
    nets_ = std::move(restored.nets_);
    states_ = std::move(restored.states_);
    ws_ = std::move(restored.ws_);
    obs_ = std::move(restored.obs_);
    out_ = std::move(restored.out_);
    initialised_ = true;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("optimizer psd: malformed saved state: {}", e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("optimizer psd: malformed saved state: {}", e.what()));
  }
}

OptimizerPtr make_psd(const std::string& policy_path) {
  return std::make_unique<PsdOptimizer>(std::make_shared<const PsdPolicy>(PsdPolicy::load(policy_path)));
}
OptimizerPtr make_psd(std::shared_ptr<const PsdPolicy> policy) { return std::make_unique<PsdOptimizer>(std::move(policy)); }
OptimizerPtr make_psd(PsdPolicy policy) {
  return std::make_unique<PsdOptimizer>(std::make_shared<const PsdPolicy>(std::move(policy)));
}
}  // namespace l2o
