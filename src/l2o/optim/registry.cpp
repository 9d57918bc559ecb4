#include "l2o/optim/registry.hpp"

#include <fmt/core.h>

#include <algorithm>

#include "l2o/core/error.hpp"
#include "l2o/optim/hyper_tables.hpp"

namespace l2o {

namespace {

[[noreturn]] void unknown_optimizer(const std::string& name) {
  std::string known;
  for (const auto& n : hand_designed_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error(fmt::format("unknown optimizer '{}' (hand-designed optimizers: {})", name, known));
}

// Reads the hyper-parameters with the optimizer's field table (missing keys keep the options
// struct's defaults; the table checks types and ranges), then builds it.
template <class O, class Options>
OptimizerPtr build(const std::string& name, const FieldTable<Options>& fields, const nlohmann::json& hyper) {
  Options o;
  read_fields(fields, hyper, o, hyper_context(name));
  return std::make_unique<O>(o);
}
}  // namespace

std::vector<std::string> hand_designed_names() {
  return {"sgd", "momentum", "cg", "lbfgs", "adagrad", "adam", "rmsprop"};
}

bool is_hand_designed(const std::string& name) {
  const auto names = hand_designed_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

OptimizerPtr make_hand_designed(const std::string& name, const nlohmann::json& hyper) {
  if (!is_hand_designed(name)) unknown_optimizer(name);
  if (name == "sgd") return build<Sgd>(name, sgd_fields(), hyper);
  if (name == "momentum") return build<Momentum>(name, momentum_fields(), hyper);
  if (name == "cg") return build<ConjugateGradient>(name, cg_fields(), hyper);
  if (name == "lbfgs") return build<Lbfgs>(name, lbfgs_fields(), hyper);
  if (name == "adagrad") return build<Adagrad>(name, adagrad_fields(), hyper);
  if (name == "adam") return build<Adam>(name, adam_fields(), hyper);
  return build<Rmsprop>(name, rmsprop_fields(), hyper);
}

nlohmann::json hand_designed_defaults(const std::string& name) {
  return make_hand_designed(name, nlohmann::json::object())->hyperparams();
}

TunableKeys tunable_keys(const std::string& name) {
  if (!is_hand_designed(name)) unknown_optimizer(name);
  TunableKeys k;
  if (name == "momentum" || name == "rmsprop") k.momentum = "momentum";
  if (name == "adam") k.momentum = "beta1";
  return k;
}
}  // namespace l2o
