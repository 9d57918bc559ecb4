#pragma once
// The seven hand-designed optimizers by name, built from JSON hyper-parameters.
//
//   auto opt = make_hand_designed("momentum", {{"lr", 0.1}, {"momentum", 0.9}});
//
// Missing keys take the defaults of the optimizer's options struct (docs/optimizers.md lists
// them). Unknown names, unknown keys, values of the wrong type, non-finite and out-of-range values
// throw l2o::Error naming the optimizer and the hyper-parameter.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "l2o/optim/optimizer.hpp"

namespace l2o {

// sgd momentum cg lbfgs adagrad adam rmsprop (in this order).
std::vector<std::string> hand_designed_names();
bool is_hand_designed(const std::string& name);
OptimizerPtr make_hand_designed(const std::string& name, const nlohmann::json& hyper);
// The hyper-parameters a default-built optimizer reports (all keys with their defaults).
nlohmann::json hand_designed_defaults(const std::string& name);

// The hyper-parameters a tuner searches over.
struct TunableKeys {
  std::string step_size = "lr";  // every optimizer has one
  std::string momentum;          // "momentum", "beta1", or empty when the optimizer has none
};
// Throws l2o::Error for a name that is not a hand-designed optimizer.
TunableKeys tunable_keys(const std::string& name);
}  // namespace l2o
