#pragma once
// One place that turns an optimizer's name and hyper-parameters into an Optimizer, for `l2o train`,
// `l2o tune` and `l2o bench`: the seven hand-designed optimizers through the optim registry, the
// learned ones ("psd", "psd-small", "l2l") from a policy file. Also the tuned defaults of the hand-designed
// optimizers, read from configs/tuned.json (written by `l2o tune`).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/precision.hpp"
#include "l2o/optim/optimizer.hpp"

namespace l2o {

struct OptimizerSpec {
  std::string name;                               // "sgd", "adam", ..., "psd", "l2l"
  nlohmann::json hyper = nlohmann::json::object();  // hand-designed only; missing keys keep defaults
  std::string policy_file;                        // learned only
  // Learned only: the arithmetic of the policy's LSTM (float32 unless asked otherwise: within
  // 1e-3 of float64 on a 400-step MNIST trace, docs/psd.md) and the threads inside one step (PSD).
  Precision precision = Precision::Float32;
  int threads = 1;
};

// Builds the optimizer. Throws l2o::Error for an unknown name (listing the known ones), an unknown
// or non-numeric hyper-parameter, a value the optimizer rejects, or a missing/unreadable policy file.
OptimizerPtr make_optimizer(const OptimizerSpec& spec);

// The file name of a learned optimizer's default policy: psd-mnist-multi-60min.json for "psd",
// psd-small.json for "psd-small", <name>-mnist.json otherwise (l2l-mnist.json).
std::string shipped_policy_file(const std::string& name);
// The project's shipped policy of a learned optimizer: policies/<shipped_policy_file> in the
// current directory, else in the source tree l2o was built from.
std::string shipped_policy_path(const std::string& name);

// The learned optimizer kinds that need a policy file.
const std::vector<std::string>& learned_optimizer_names();
bool is_learned_optimizer(const std::string& name);
bool is_hand_designed_optimizer(const std::string& name);
// Hand-designed names then learned names, for messages and --help.
std::vector<std::string> known_optimizer_names();

// The hyper-parameters a hand-designed optimizer has, with their defaults (hyperparams() of a
// default-constructed one). Throws l2o::Error for names that are not hand-designed.
nlohmann::json default_hyper(const std::string& name);

// Where tuned defaults are read from: `flag_value` if non-empty, else $L2O_TUNED, else
// ./configs/tuned.json if it exists, else <fallback_root>/configs/tuned.json (the source tree for
// the command-line tool), else ./configs/tuned.json.
std::string resolve_tuned_path(const std::string& flag_value, const std::string& fallback_root = "");

// The file written by `l2o tune`. Format (see docs/experiments.md):
//   {"command": ..., "settings": {...}, "optimizers": {"sgd": {"hyper": {"lr": 0.1}, "grid": [...]}, ...}}
class TunedTable {
 public:
  // Throws l2o::Error naming the file if it cannot be read or is not a tuned-values file.
  static TunedTable load(const std::string& path);
  // The same from the file's text (`path` names it in messages): what load and the fuzz target use.
  static TunedTable parse(const std::string& text, const std::string& path);
  bool has(const std::string& name) const;
  // The chosen hyper-parameters; throws l2o::Error (naming the file and `l2o tune`) if absent.
  nlohmann::json hyper(const std::string& name) const;
  const std::string& path() const { return path_; }
  const nlohmann::json& json() const { return json_; }

 private:
  std::string path_;
  nlohmann::json json_;
};

// Tuned hyper-parameters of a hand-designed optimizer from `path`, or if it is empty from the file
// resolve_tuned_path finds (falling back to the source tree l2o was built from): what
// `l2o train --optimizer NAME` uses when no hyper-parameter flags are given.
nlohmann::json tuned_hyper(const std::string& name, const std::string& path);
}  // namespace l2o
