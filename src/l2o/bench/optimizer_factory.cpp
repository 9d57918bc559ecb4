#include "l2o/bench/optimizer_factory.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "l2o/core/error.hpp"
#include "l2o/l2l/l2l_optimizer.hpp"
#include "l2o/optim/registry.hpp"
#include "l2o/psd/psd_optimizer.hpp"
#include "l2o/psd_small/psd_small_optimizer.hpp"

namespace l2o {

namespace {

// Checks that a file can be opened for reading; the message names the file and who needs it.
void require_readable(const std::string& path, const std::string& what, const std::string& hint = "") {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error(fmt::format("{} '{}' does not exist{}", what, path, hint));
  if (std::filesystem::is_directory(path, ec))
    throw Error(fmt::format("{} '{}' is a directory, not a file", what, path));
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{} '{}' cannot be read", what, path));
}

// ---------------------------------------------------------------------------------------------
// The learned optimizers: "psd" and "l2l" policies are built from their policy files. Without a
// file, the project's shipped policy (shipped_policy_path) is used.
OptimizerPtr make_learned_optimizer(const OptimizerSpec& spec) {
  const std::string path = spec.policy_file.empty() ? shipped_policy_path(spec.name) : spec.policy_file;
  require_readable(path, fmt::format("optimizer '{}': policy file", spec.name),
                   spec.policy_file.empty() ? fmt::format(" (give --policy FILE, or meta-train one with `l2o "
                                                          "meta-train --method {}`)",
                                                          spec.name)
                                            : "");
  if (spec.name == "psd") return make_psd(path, PsdRuntimeOptions{spec.precision, spec.threads});
  // psd-small runs float32 always (its fused step, docs/psd-small.md); --precision is PSD's and L2L's.
  if (spec.name == "psd-small") return make_psd_small(path, PsdSmallRuntimeOptions{spec.threads});
  return make_l2l(path, spec.precision);
}
// ---------------------------------------------------------------------------------------------

}  // namespace

std::string shipped_policy_file(const std::string& name) {
  // PSD's default is the policy of policies/psd-mnist-multi-60min.recipe.sh (55 minutes on the
  // 2-core machine): π pre-trained over a family of MNIST nets with moment features and width- and
  // batch-aware steps, fine-tuned by ES on its own meta-loss, its output layer's read-outs again
  // with many-class and noisy members, and its output layer warmed up at small minibatches
  // (docs/meta-training.md, "The shipped policies"). The paper-protocol policy psd-mnist.json runs
  // with --policy; policies/MANIFEST.json lists the shipped files.
  if (name == "psd") return "psd-mnist-multi-60min.json";
  if (name == "psd-small") return "psd-small.json";  // docs/psd-small.md, "Meta-training"
  return fmt::format("{}-mnist.json", name);
}

std::string shipped_policy_path(const std::string& name) {
  const std::string local = "policies/" + shipped_policy_file(name);
  std::error_code ec;
  if (std::filesystem::exists(local, ec)) return local;
  const std::string installed = fmt::format("{}/{}", L2O_SOURCE_DIR, local);
  if (std::filesystem::exists(installed, ec)) return installed;
  return local;
}

const std::vector<std::string>& learned_optimizer_names() {
  static const std::vector<std::string> names{"psd", "psd-small", "l2l"};
  return names;
}

bool is_learned_optimizer(const std::string& name) {
  const auto& n = learned_optimizer_names();
  return std::find(n.begin(), n.end(), name) != n.end();
}

bool is_hand_designed_optimizer(const std::string& name) { return is_hand_designed(name); }

std::vector<std::string> known_optimizer_names() {
  std::vector<std::string> names;
  for (const auto& n : hand_designed_names()) names.push_back(n);
  for (const auto& n : learned_optimizer_names()) names.push_back(n);
  return names;
}

nlohmann::json default_hyper(const std::string& name) {
  if (!is_hand_designed_optimizer(name))
    throw Error(fmt::format("unknown hand-designed optimizer '{}' (known: {})", name,
                            fmt::join(hand_designed_names(), ", ")));
  return hand_designed_defaults(name);
}

OptimizerPtr make_optimizer(const OptimizerSpec& spec) {
  if (is_learned_optimizer(spec.name)) return make_learned_optimizer(spec);
  if (!is_hand_designed_optimizer(spec.name))
    throw Error(fmt::format("unknown optimizer '{}' (known: {})", spec.name, fmt::join(known_optimizer_names(), ", ")));
  // The registry rejects unknown keys, wrong types, non-finite and out-of-range values.
  return make_hand_designed(spec.name, spec.hyper.is_null() ? nlohmann::json::object() : spec.hyper);
}

std::string resolve_tuned_path(const std::string& flag_value, const std::string& fallback_root) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("L2O_TUNED"); env && *env) return env;
  const std::string local = "configs/tuned.json";
  std::error_code ec;
  if (std::filesystem::exists(local, ec)) return local;
  if (!fallback_root.empty()) {
    const std::string root = (std::filesystem::path(fallback_root) / local).string();
    if (std::filesystem::exists(root, ec)) return root;
  }
  return local;
}

TunedTable TunedTable::load(const std::string& path) {
  require_readable(path, "tuned-values file", " (give --tuned FILE, or write it with `l2o tune`)");
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
  return TunedTable::load(resolve_tuned_path(path, L2O_SOURCE_DIR)).hyper(name);
}
}  // namespace l2o
