#include "l2o/optim/registry.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <deque>
#include <filesystem>
#include <mutex>

#include "l2o/core/data_paths.hpp"
#include "l2o/core/error.hpp"
#include "l2o/optim/hyper_tables.hpp"

namespace l2o {

namespace {

// Reads the hyper-parameters with the optimizer's field table (missing keys keep the options
// struct's defaults; the table checks types and ranges), then builds it.
template <class O, class Options>
OptimizerEntry hand_designed_entry(const std::string& name, const FieldTable<Options>& (*fields)(),
                                   std::string momentum_key = "") {
  OptimizerEntry e;
  e.name = name;
  e.kind = OptimizerKind::HandDesigned;
  e.make = [name, fields](const OptimizerSpec& spec) -> OptimizerPtr {
    Options o;
    read_fields(fields(), spec.hyper, o, hyper_context(name));
    return std::make_unique<O>(o);
  };
  e.tunable.momentum = std::move(momentum_key);
  return e;
}

// Entries never move (a deque grows at its end) and are never removed, so a pointer to one stays
// valid after the lock is released.
class Registry {
 public:
  Registry() {
    add(hand_designed_entry<Sgd>("sgd", &sgd_fields));
    add(hand_designed_entry<Momentum>("momentum", &momentum_fields, "momentum"));
    add(hand_designed_entry<ConjugateGradient>("cg", &cg_fields));
    add(hand_designed_entry<Lbfgs>("lbfgs", &lbfgs_fields));
    add(hand_designed_entry<Adagrad>("adagrad", &adagrad_fields));
    add(hand_designed_entry<Adam>("adam", &adam_fields, "beta1"));
    add(hand_designed_entry<Rmsprop>("rmsprop", &rmsprop_fields, "momentum"));
  }

  void add(OptimizerEntry entry) {
    if (entry.name.empty()) throw Error("register_optimizer: the optimizer has no name");
    if (!entry.make) throw Error(fmt::format("register_optimizer: optimizer '{}' has no factory", entry.name));
    const std::lock_guard lock(mutex_);
    for (const auto& e : entries_)
      if (e.name == entry.name) throw Error(fmt::format("register_optimizer: optimizer '{}' is already registered", entry.name));
    entries_.push_back(std::move(entry));
  }

  const OptimizerEntry* find(const std::string& name) const {
    const std::lock_guard lock(mutex_);
    for (const auto& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }

  std::vector<std::string> names(const OptimizerKind* kind) const {
    const std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& e : entries_)
      if (kind == nullptr || e.kind == *kind) out.push_back(e.name);
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::deque<OptimizerEntry> entries_;
};

Registry& registry() {
  static Registry r;
  return r;
}

std::vector<std::string> names_of(OptimizerKind kind) { return registry().names(&kind); }

// "(known: sgd, ..., l2l)", saying so when no learned optimizer is registered in this program.
std::string known_list() {
  std::string s = fmt::format("known: {}", fmt::join(known_optimizer_names(), ", "));
  if (learned_optimizer_names().empty())
    s += "; the learned optimizers psd, psd-small and l2l are added by l2o::register_learned_optimizers()";
  return s;
}

const OptimizerEntry& hand_designed_entry_of(const std::string& name) {
  const OptimizerEntry& e = optimizer_entry(name);
  if (e.kind != OptimizerKind::HandDesigned)
    throw Error(fmt::format("optimizer '{}' is not hand-designed (hand-designed optimizers: {})", name,
                            fmt::join(hand_designed_names(), ", ")));
  return e;
}

OptimizerPtr make_learned(const OptimizerEntry& e, const OptimizerSpec& spec) {
  OptimizerSpec resolved = spec;
  if (spec.policy_file.empty()) {
    resolved.policy_file = shipped_policy_path(spec.name);
    std::error_code ec;
    if (!std::filesystem::exists(resolved.policy_file, ec))
      throw Error(fmt::format(
          "optimizer '{}': the shipped policy {} was not found (searched ./policies, then {}; it is in "
          "policies/ of the checkout and in <prefix>/share/l2o/policies of an install); give --policy FILE, "
          "set L2O_HOME to the folder holding policies/, or meta-train one with `l2o meta-train --method {}`",
          spec.name, shipped_policy_file(spec.name), describe_data_search(), spec.name));
  }
  require_readable_file(resolved.policy_file, fmt::format("optimizer '{}': policy file", spec.name));
  return e.make(resolved);
}
}  // namespace

void register_optimizer(OptimizerEntry entry) { registry().add(std::move(entry)); }

const OptimizerEntry* find_optimizer(const std::string& name) { return registry().find(name); }

const OptimizerEntry& optimizer_entry(const std::string& name) {
  if (const OptimizerEntry* e = find_optimizer(name)) return *e;
  throw Error(fmt::format("unknown optimizer '{}' ({})", name, known_list()));
}

OptimizerPtr make_optimizer(const OptimizerSpec& spec) {
  const OptimizerEntry& e = optimizer_entry(spec.name);
  if (e.kind == OptimizerKind::Learned) return make_learned(e, spec);
  if (spec.hyper.is_null()) {
    OptimizerSpec defaults = spec;
    defaults.hyper = nlohmann::json::object();
    return e.make(defaults);
  }
  return e.make(spec);
}

std::vector<std::string> hand_designed_names() { return names_of(OptimizerKind::HandDesigned); }
std::vector<std::string> learned_optimizer_names() { return names_of(OptimizerKind::Learned); }

std::vector<std::string> known_optimizer_names() {
  std::vector<std::string> names = hand_designed_names();
  for (auto& n : learned_optimizer_names()) names.push_back(std::move(n));
  return names;
}

bool is_hand_designed(const std::string& name) {
  const OptimizerEntry* e = find_optimizer(name);
  return e != nullptr && e->kind == OptimizerKind::HandDesigned;
}

bool is_learned_optimizer(const std::string& name) {
  const OptimizerEntry* e = find_optimizer(name);
  return e != nullptr && e->kind == OptimizerKind::Learned;
}

OptimizerPtr make_hand_designed(const std::string& name, const nlohmann::json& hyper) {
  const OptimizerEntry& e = hand_designed_entry_of(name);
  OptimizerSpec spec;
  spec.name = name;
  spec.hyper = hyper.is_null() ? nlohmann::json::object() : hyper;
  return e.make(spec);
}

nlohmann::json hand_designed_defaults(const std::string& name) {
  return make_hand_designed(name, nlohmann::json::object())->hyperparams();
}

TunableKeys tunable_keys(const std::string& name) { return hand_designed_entry_of(name).tunable; }

std::string shipped_policy_file(const std::string& name) {
  if (const OptimizerEntry* e = find_optimizer(name); e != nullptr && !e->shipped_policy.empty())
    return e->shipped_policy;
  return fmt::format("{}-mnist.json", name);
}

std::string shipped_policy_path(const std::string& name) {
  const std::string local = "policies/" + shipped_policy_file(name);
  std::error_code ec;
  if (std::filesystem::exists(local, ec)) return local;
  if (std::string found = find_data_file(local); !found.empty()) return found;
  return local;
}
}  // namespace l2o
