#include "l2o/optim/registry.hpp"

#include <fmt/core.h>

#include <algorithm>

#include "l2o/core/error.hpp"
#include "l2o/optim/adagrad.hpp"
#include "l2o/optim/adam.hpp"
#include "l2o/optim/conjugate_gradient.hpp"
#include "l2o/optim/hyperparams.hpp"
#include "l2o/optim/lbfgs.hpp"
#include "l2o/optim/momentum.hpp"
#include "l2o/optim/rmsprop.hpp"
#include "l2o/optim/sgd.hpp"

namespace l2o {

namespace {

[[noreturn]] void unknown_optimizer(const std::string& name) {
  std::string known;
  for (const auto& n : hand_designed_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error(fmt::format("unknown optimizer '{}' (hand-designed optimizers: {})", name, known));
}

// Each builder reads its keys with the options struct's defaults as fallbacks; the constructor
// then checks the ranges.
OptimizerPtr build_sgd(HyperReader& h) {
  SgdOptions o;
  o.lr = h.number("lr", o.lr);
  h.finish();
  return std::make_unique<Sgd>(o);
}

OptimizerPtr build_momentum(HyperReader& h) {
  MomentumOptions o;
  o.lr = h.number("lr", o.lr);
  o.momentum = h.number("momentum", o.momentum);
  o.nesterov = h.boolean("nesterov", o.nesterov);
  h.finish();
  return std::make_unique<Momentum>(o);
}

OptimizerPtr build_cg(HyperReader& h) {
  ConjugateGradientOptions o;
  o.lr = h.number("lr", o.lr);
  o.c1 = h.number("c1", o.c1);
  o.c2 = h.number("c2", o.c2);
  o.max_evals = h.integer("max_evals", o.max_evals);
  o.restart_threshold = h.number("restart_threshold", o.restart_threshold);
  o.restart_every = h.integer("restart_every", o.restart_every);
  h.finish();
  return std::make_unique<ConjugateGradient>(o);
}

OptimizerPtr build_lbfgs(HyperReader& h) {
  LbfgsOptions o;
  o.lr = h.number("lr", o.lr);
  o.memory = h.integer("memory", o.memory);
  o.c1 = h.number("c1", o.c1);
  o.c2 = h.number("c2", o.c2);
  o.max_evals = h.integer("max_evals", o.max_evals);
  o.min_curvature = h.number("min_curvature", o.min_curvature);
  h.finish();
  return std::make_unique<Lbfgs>(o);
}

OptimizerPtr build_adagrad(HyperReader& h) {
  AdagradOptions o;
  o.lr = h.number("lr", o.lr);
  o.eps = h.number("eps", o.eps);
  h.finish();
  return std::make_unique<Adagrad>(o);
}

OptimizerPtr build_adam(HyperReader& h) {
  AdamOptions o;
  o.lr = h.number("lr", o.lr);
  o.beta1 = h.number("beta1", o.beta1);
  o.beta2 = h.number("beta2", o.beta2);
  o.eps = h.number("eps", o.eps);
  h.finish();
  return std::make_unique<Adam>(o);
}

OptimizerPtr build_rmsprop(HyperReader& h) {
  RmspropOptions o;
  o.lr = h.number("lr", o.lr);
  o.rho = h.number("rho", o.rho);
  o.eps = h.number("eps", o.eps);
  o.momentum = h.number("momentum", o.momentum);
  h.finish();
  return std::make_unique<Rmsprop>(o);
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
  HyperReader h(name, hyper);
  if (name == "sgd") return build_sgd(h);
  if (name == "momentum") return build_momentum(h);
  if (name == "cg") return build_cg(h);
  if (name == "lbfgs") return build_lbfgs(h);
  if (name == "adagrad") return build_adagrad(h);
  if (name == "adam") return build_adam(h);
  return build_rmsprop(h);
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
