#include "l2o/bench/optimizer_factory.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "l2o/core/data_paths.hpp"
#include "l2o/core/error.hpp"
#include "l2o/l2l/l2l_optimizer.hpp"
#include "l2o/psd/psd_optimizer.hpp"
#include "l2o/psd_small/psd_small_optimizer.hpp"

namespace l2o {

namespace {
constexpr const char* kTunedRelative = "configs/tuned.json";

OptimizerEntry learned_entry(const std::string& name, const std::string& shipped_policy,
                             std::function<OptimizerPtr(const OptimizerSpec&)> make) {
  OptimizerEntry e;
  e.name = name;
  e.kind = OptimizerKind::Learned;
  e.make = std::move(make);
  e.shipped_policy = shipped_policy;
  return e;
}

// A program that links this file (the tool, the Python module, the bench tests) has the learned
// optimizers before main; register_learned_optimizers makes sure of it where that is not so.
[[maybe_unused]] const bool learned_optimizers_registered_at_start = (register_learned_optimizers(), true);
}  // namespace

void register_learned_optimizers() {
  static std::once_flag once;
  std::call_once(once, [] {
    // PSD's default is the policy of policies/psd-mnist-multi-60min.recipe.sh (55 minutes on the
    // 2-core machine): π pre-trained over a family of MNIST nets with moment features and width- and
    // batch-aware steps, fine-tuned by ES on its own meta-loss, its output layer's read-outs again
    // with many-class and noisy members, and its output layer warmed up at small minibatches
    // (docs/meta-training.md, "The shipped policies"). The paper-protocol policy psd-mnist.json runs
    // with --policy; policies/MANIFEST.json lists the shipped files.
    register_optimizer(learned_entry("psd", "psd-mnist-multi-60min.json", [](const OptimizerSpec& s) {
      return make_psd(s.policy_file, PsdRuntimeOptions{s.precision, s.threads});
    }));
    // psd-small runs float32 always (its fused step, docs/psd-small.md); --precision is PSD's and L2L's.
    register_optimizer(learned_entry("psd-small", "psd-small.json", [](const OptimizerSpec& s) {
      return make_psd_small(s.policy_file, PsdSmallRuntimeOptions{s.threads});
    }));
    register_optimizer(learned_entry("l2l", "l2l-mnist.json",
                                     [](const OptimizerSpec& s) { return make_l2l(s.policy_file, s.precision); }));
  });
}

std::string resolve_tuned_path(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("L2O_TUNED"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::exists(kTunedRelative, ec)) return kTunedRelative;
  if (std::string found = find_data_file(kTunedRelative); !found.empty()) return found;
  return kTunedRelative;
}

TunedTable TunedTable::load(const std::string& path) {
  std::string hint = " (give --tuned FILE, or write it with `l2o tune`)";
  if (path == kTunedRelative)  // the default, found nowhere: say where it was looked for
    hint = fmt::format(" (searched ./configs, $L2O_TUNED unset, then {}; give --tuned FILE, set L2O_TUNED, or "
                       "write it with `l2o tune`)",
                       describe_data_search());
  require_readable_file(path, "tuned-values file", hint);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

TunedTable TunedTable::parse(const std::string& text, const std::string& path) {
  TunedTable t;
  t.path_ = path;
  try {
    t.json_ = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("tuned-values file '{}' is not valid JSON: {}", path, e.what()));
  }
  if (!t.json_.is_object() || !t.json_.contains("optimizers") || !t.json_["optimizers"].is_object())
    throw Error(fmt::format("tuned-values file '{}' has no \"optimizers\" object (write it with `l2o tune`)", path));
  for (const auto& [name, entry] : t.json_["optimizers"].items())
    if (!entry.is_object() || !entry.contains("hyper") || !entry["hyper"].is_object())
      throw Error(fmt::format("tuned-values file '{}': optimizer '{}' has no \"hyper\" object", path, name));
  return t;
}

bool TunedTable::has(const std::string& name) const { return json_["optimizers"].contains(name); }

nlohmann::json TunedTable::hyper(const std::string& name) const {
  if (!has(name))
    throw Error(fmt::format("tuned-values file '{}' has no entry for optimizer '{}' (run `l2o tune --optimizers {}`)",
                            path_, name, name));
  return json_["optimizers"][name]["hyper"];
}

nlohmann::json tuned_hyper(const std::string& name, const std::string& path) {
  if (!is_hand_designed(name))
    throw Error(fmt::format("optimizer '{}' has no tuned hyper-parameters (only the hand-designed ones are tuned: {})",
                            name, fmt::join(hand_designed_names(), ", ")));
  return TunedTable::load(resolve_tuned_path(path)).hyper(name);
}
}  // namespace l2o
