#include "l2o/gps/meta_train_config.hpp"

#include <fmt/core.h>

#include <set>

#include "l2o/core/error.hpp"
#include "l2o/optim/registry.hpp"

namespace l2o::gps {
namespace {

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw Error(fmt::format("psd meta-train config: {} {}", field, why));
}

// Reads the members of `j` named in `allowed` into `out` via `read`; any other member is an error.
void check_keys(const nlohmann::json& j, const std::set<std::string>& allowed, const std::string& section) {
  if (!j.is_object()) bad(section, "must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!allowed.count(it.key())) bad(section.empty() ? it.key() : section + "." + it.key(), "is not a known setting");
}

template <class T>
void get(const nlohmann::json& j, const char* key, T& out, const std::string& section) {
  if (!j.contains(key)) return;
  try {
    out = j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    bad(section + "." + key, "has the wrong type");
  }
}

}  // namespace

FeatureConfig PsdMetaTrainConfig::state_features() const {
  FeatureConfig f = features;
  f.s1_upper = f.s2_upper = f.s3_upper = state_upper;
  return f;
}

void PsdMetaTrainConfig::validate() const {
  gps.validate();
  if (batch < 1) bad("batch", "must be >= 1");
  if (cost_examples < 0) bad("cost_examples", "must be >= 0");
  if (state_upper < 0 || state_upper > 1000) bad("state_upper", "must be in [0, 1000]");
  if (eval_trajectories < 1) bad("eval_trajectories", "must be >= 1");
  const auto& r = regression;
  if (!(r.learning_rate > 0)) bad("regression.learning_rate", "must be > 0");
  if (!(r.beta1 >= 0 && r.beta1 < 1) || !(r.beta2 >= 0 && r.beta2 < 1)) bad("regression.beta1/beta2", "must be in [0, 1)");
  if (!(r.adam_eps > 0)) bad("regression.adam_eps", "must be > 0");
  if (r.epochs < 0 || r.init_epochs < 0) bad("regression.epochs", "must be >= 0");
  if (r.truncation < 1) bad("regression.truncation", "must be >= 1");
  if (r.chunk_sequences < 1) bad("regression.chunk_sequences", "must be >= 1");
  if (r.buffer_iterations < 1) bad("regression.buffer_iterations", "must be >= 1");
  if (!(r.weight_clip > 0)) bad("regression.weight_clip", "must be > 0");
  if (init.lr < 0) bad("init.lr", "must be >= 0");
  if (!(init.momentum >= 0 && init.momentum < 1)) bad("init.momentum", "must be in [0, 1)");
  if (init.lr == 0 && (init.lr_grid.empty() || init.momentum_grid.empty())) bad("init.lr_grid", "must not be empty");
  for (double v : init.lr_grid)
    if (!(v > 0)) bad("init.lr_grid", "must hold positive step sizes");
  for (double v : init.momentum_grid)
    if (!(v >= 0 && v < 1)) bad("init.momentum_grid", "must hold values in [0, 1)");
  if (init.grid_seeds < 1) bad("init.grid_seeds", "must be >= 1");
  if (init.trajectories < 1) bad("init.trajectories", "must be >= 1");
  if (!is_hand_designed(init.teacher))
    bad("init.teacher", fmt::format("'{}' is not a hand-designed optimizer (sgd, momentum, cg, lbfgs, adagrad, adam, "
                                    "rmsprop)", init.teacher));
  features.validate("psd meta-train config: features");
}

nlohmann::json PsdMetaTrainConfig::to_json() const {
  const auto& r = regression;
  return {{"gps", gps::to_json(gps)},
          {"batch", batch},
          {"cost_examples", cost_examples},
          {"state_upper", state_upper},
          {"adaptive_state", adaptive_state},
          {"eval_trajectories", eval_trajectories},
          {"regression",
           {{"learning_rate", r.learning_rate},
            {"beta1", r.beta1},
            {"beta2", r.beta2},
            {"adam_eps", r.adam_eps},
            {"epochs", r.epochs},
            {"truncation", r.truncation},
            {"chunk_sequences", r.chunk_sequences},
            {"buffer_iterations", r.buffer_iterations},
            {"weight_clip", r.weight_clip},
            {"init_epochs", r.init_epochs}}},
          {"init",
           {{"teacher", init.teacher},
            {"tuned_path", init.tuned_path},
            {"lr", init.lr},
            {"momentum", init.momentum},
            {"lr_grid", init.lr_grid},
            {"momentum_grid", init.momentum_grid},
            {"grid_seeds", init.grid_seeds},
            {"trajectories", init.trajectories},
            {"standardise_inputs", init.standardise_inputs}}},
          {"arch", arch.to_json()},
          {"features", features.to_json()}};
}

PsdMetaTrainConfig PsdMetaTrainConfig::from_json(const nlohmann::json& j) {
  PsdMetaTrainConfig c;
  check_keys(j, {"gps", "batch", "cost_examples", "state_upper", "adaptive_state", "eval_trajectories", "regression",
                 "init", "arch", "features"},
             "");
  if (j.contains("gps")) c.gps = gps_config_from_json(j.at("gps"));
  get(j, "batch", c.batch, "");
  get(j, "cost_examples", c.cost_examples, "");
  get(j, "state_upper", c.state_upper, "");
  get(j, "adaptive_state", c.adaptive_state, "");
  get(j, "eval_trajectories", c.eval_trajectories, "");
  if (j.contains("regression")) {
    const auto& s = j.at("regression");
    check_keys(s, {"learning_rate", "beta1", "beta2", "adam_eps", "epochs", "truncation", "chunk_sequences",
                   "buffer_iterations", "weight_clip", "init_epochs"},
               "regression");
    auto& r = c.regression;
    get(s, "learning_rate", r.learning_rate, "regression");
    get(s, "beta1", r.beta1, "regression");
    get(s, "beta2", r.beta2, "regression");
    get(s, "adam_eps", r.adam_eps, "regression");
    get(s, "epochs", r.epochs, "regression");
    get(s, "truncation", r.truncation, "regression");
    get(s, "chunk_sequences", r.chunk_sequences, "regression");
    get(s, "buffer_iterations", r.buffer_iterations, "regression");
    get(s, "weight_clip", r.weight_clip, "regression");
    get(s, "init_epochs", r.init_epochs, "regression");
  }
  if (j.contains("init")) {
    const auto& s = j.at("init");
    check_keys(s, {"teacher", "tuned_path", "lr", "momentum", "lr_grid", "momentum_grid", "grid_seeds", "trajectories",
                   "standardise_inputs"},
               "init");
    get(s, "teacher", c.init.teacher, "init");
    get(s, "tuned_path", c.init.tuned_path, "init");
    get(s, "lr", c.init.lr, "init");
    get(s, "momentum", c.init.momentum, "init");
    get(s, "lr_grid", c.init.lr_grid, "init");
    get(s, "momentum_grid", c.init.momentum_grid, "init");
    get(s, "grid_seeds", c.init.grid_seeds, "init");
    get(s, "trajectories", c.init.trajectories, "init");
    get(s, "standardise_inputs", c.init.standardise_inputs, "init");
  }
  if (j.contains("arch")) c.arch = PsdArchitecture::from_json(j.at("arch"), "psd meta-train config: arch");
  if (j.contains("features"))
    c.features = FeatureConfig::from_json(j.at("features"), "psd meta-train config: features");
  c.validate();
  return c;
}

}  // namespace l2o::gps
