#pragma once
// The architecture of a PSD-small policy (docs/psd-small.md): a small per-coordinate MLP that reads
// five scale-free features of each coordinate and a 12-entry context of its coordinate group, and
// predicts a correction to an Adam-like step. This struct holds every constant of the rule that is
// not a learned weight; it travels in the policy file's `architecture` object.
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/types.hpp"

namespace l2o {

enum class SmallActivation { Relu, Tanh };
const char* to_string(SmallActivation a);  // "relu", "tanh"
SmallActivation parse_small_activation(const std::string& text, const std::string& where);

struct PsdSmallArchitecture {
  static constexpr int kVersion = 1;   // the rule's version; a file of another version is refused
  static constexpr Index kFeatures = 5;  // f0..f4 (small_step.hpp)
  static constexpr Index kContext = 12;  // entries of the group context (small_context.hpp)
  static constexpr Index kMaxHidden = 64;  // the fused kernel keeps a block's activations on the stack

  int version = kVersion;
  std::vector<Index> hidden{8, 8};  // one or two hidden layers, each 1..kMaxHidden units
  SmallActivation activation = SmallActivation::Relu;
  std::array<double, 3> betas{0.5, 0.9, 0.99};  // the three momenta; betas[1] is Adam's beta1
  double beta2 = 0.999;                          // the second moment
  double eps = 1e-8;
  double reference_fan_in = 48;  // width context: log(fan_in / reference_fan_in)
  double reference_batch = 64;   // batch context: log(batch / reference_batch)

  // The names of the per-coordinate features and the context entries, in order. The file stores
  // them so that a reader sees what the weights read; loading refuses any other list, since this
  // build computes exactly these.
  static const std::vector<std::string>& feature_names();
  static const std::vector<std::string>& context_names();

  Index last_hidden() const { return hidden.back(); }
  void validate(const std::string& where) const;  // throws l2o::Error naming `where` and the field
  nlohmann::json to_json() const;
  static PsdSmallArchitecture from_json(const nlohmann::json& j, const std::string& where);
};
}  // namespace l2o
