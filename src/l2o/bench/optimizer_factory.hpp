#pragma once
// The learned optimizers' factories, registered into the one optimizer registry
// (optim/registry.hpp), which the optim layer cannot build itself (psd/, psd_small/ and l2l/ sit
// above it); and the tuned defaults of the hand-designed optimizers, read from configs/tuned.json
// (written by `l2o tune`).
//
// Every caller makes optimizers by name through optim/registry.hpp (make_optimizer, included
// here); this header adds register_learned_optimizers, which the command-line tool and the Python
// module call at start. A program that links this file has them registered before main as well.
#include <string>

#include <nlohmann/json.hpp>

#include "l2o/optim/registry.hpp"

namespace l2o {

// Registers "psd", "psd-small" and "l2l" (in this order) in the optimizer registry; later calls do
// nothing. Thread-safe.
void register_learned_optimizers();

// Where tuned defaults are read from: `flag_value` if non-empty, else $L2O_TUNED, else
// ./configs/tuned.json if it exists, else configs/tuned.json of the first data root that has one
// (core/data_paths.hpp: $L2O_HOME, the install prefix's share/l2o, the checkout of a build tree),
// else ./configs/tuned.json (which does not exist: TunedTable::load then says where it looked).
std::string resolve_tuned_path(const std::string& flag_value = "");

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
// resolve_tuned_path finds: what `l2o train --optimizer NAME` uses when no hyper-parameter flags
// are given.
nlohmann::json tuned_hyper(const std::string& name, const std::string& path);
}  // namespace l2o
