#pragma once
// The one registry of optimizers by name: the seven hand-designed ones (built in) and the learned
// ones ("psd", "psd-small", "l2l"), which the layer above the learned libraries registers
// (register_learned_optimizers, bench/optimizer_factory.hpp: the command-line tool and the Python
// module call it at start). `l2o train`, `l2o tune`, `l2o bench` and the Python bindings all make
// optimizers through make_optimizer.
//
//   auto opt = make_optimizer({"momentum", {{"lr", 0.1}, {"momentum", 0.9}}});
//   auto psd = make_optimizer({"psd"});  // the shipped policy (shipped_policy_path)
//
// Hand-designed: missing keys take the defaults of the optimizer's options struct
// (docs/optimizers.md lists them); unknown keys, values of the wrong type, non-finite and
// out-of-range values throw l2o::Error naming the optimizer and the hyper-parameter. Learned: the
// policy file (default: the shipped one) must be readable. Unknown names throw l2o::Error listing
// the known ones.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/precision.hpp"
#include "l2o/optim/optimizer.hpp"

namespace l2o {

struct OptimizerSpec {
  std::string name;                                 // "sgd", "adam", ..., "psd", "l2l"
  nlohmann::json hyper = nlohmann::json::object();  // hand-designed only; missing keys keep defaults
  std::string policy_file;                          // learned only ("" : the shipped policy)
  // Learned only: the arithmetic of the policy's LSTM (float32 unless asked otherwise: within
  // 1e-3 of float64 on a 400-step MNIST trace, docs/psd.md) and the threads inside one step (PSD).
  Precision precision = Precision::Float32;
  int threads = 1;
};

// The hyper-parameters a tuner searches over.
struct TunableKeys {
  std::string step_size = "lr";  // every optimizer has one
  std::string momentum;          // "momentum", "beta1", or empty when the optimizer has none
};

enum class OptimizerKind { HandDesigned, Learned };

struct OptimizerEntry {
  std::string name;
  OptimizerKind kind = OptimizerKind::HandDesigned;
  // Builds the optimizer. Hand-designed: from spec.hyper (never null). Learned: from
  // spec.policy_file, already resolved and checked readable, spec.precision and spec.threads.
  std::function<OptimizerPtr(const OptimizerSpec&)> make;
  TunableKeys tunable;         // hand-designed: what `l2o tune` searches
  std::string shipped_policy;  // learned: the file in policies/ used without a policy file
};

// Adds a learned (or any other) optimizer. Throws l2o::Error for an empty or taken name or a
// missing factory. Names keep their order of registration.
void register_optimizer(OptimizerEntry entry);
// The entry of `name`, or nullptr.
const OptimizerEntry* find_optimizer(const std::string& name);
// The entry of `name`; throws l2o::Error "unknown optimizer 'x' (known: ...)".
const OptimizerEntry& optimizer_entry(const std::string& name);

// Builds any optimizer by name (see above).
OptimizerPtr make_optimizer(const OptimizerSpec& spec);

// sgd momentum cg lbfgs adagrad adam rmsprop (in this order).
std::vector<std::string> hand_designed_names();
// The registered learned optimizers: psd, psd-small, l2l once register_learned_optimizers ran.
std::vector<std::string> learned_optimizer_names();
// Hand-designed names then learned names, for messages and --help.
std::vector<std::string> known_optimizer_names();
bool is_hand_designed(const std::string& name);
inline bool is_hand_designed_optimizer(const std::string& name) { return is_hand_designed(name); }
bool is_learned_optimizer(const std::string& name);

// A hand-designed optimizer from JSON hyper-parameters (null: the defaults). Throws l2o::Error for
// names that are not hand-designed.
OptimizerPtr make_hand_designed(const std::string& name, const nlohmann::json& hyper);
// The hyper-parameters a default-built hand-designed optimizer reports (all keys with their defaults).
nlohmann::json hand_designed_defaults(const std::string& name);
inline nlohmann::json default_hyper(const std::string& name) { return hand_designed_defaults(name); }
// Throws l2o::Error for a name that is not a hand-designed optimizer.
TunableKeys tunable_keys(const std::string& name);

// The file name of a learned optimizer's shipped policy (its entry's shipped_policy:
// psd-mnist-multi-60min.json for "psd", psd-small.json for "psd-small", l2l-mnist.json for "l2l");
// <name>-mnist.json for a name that is not registered.
std::string shipped_policy_file(const std::string& name);
// Where the shipped policy is: ./policies/<file> in the working directory if it exists, else the
// first data root's (core/data_paths.hpp: $L2O_HOME, the install prefix's share/l2o, the checkout
// of a build tree), else "policies/<file>" (which does not exist: make_optimizer then says where
// it looked).
std::string shipped_policy_path(const std::string& name);
}  // namespace l2o
