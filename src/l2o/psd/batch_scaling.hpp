#pragma once
// Batch-aware step factor of a PSD policy [ours; docs/psd.md, "Batch-aware steps"].
//
// A policy meta-trained at minibatch 64 takes steps of the size that suits that gradient noise. At
// smaller minibatches the noise is larger and the best step smaller, but the LSTM does not learn
// this from MNIST alone (its steps at batch 10 and 4 are too large on the validation seeds). Like
// the width-aware factor (StepScaling), this is a property of how the policy is applied, stored in
// its file:
//   factor(b) = (b / reference_batch)^power   for 0 < b < reference_batch,
//               1                             otherwise (b unknown, 0, or at least the reference)
// Only smaller batches are scaled: nothing was measured above the reference, and the full-batch
// step of a deterministic objective does not grow without bound. power 0 (the default, and every
// file without the field) is the LM17 policy.
#include <string>

#include <nlohmann/json.hpp>

#include "l2o/core/types.hpp"

namespace l2o {

struct BatchScaling {
  double reference_batch = 64;  // the minibatch the policy was meta-trained at
  double power = 0.0;           // 0: off

  bool active() const { return power != 0.0; }
  // The factor for a minibatch of `batch` examples (0 = unknown: 1).
  double factor(Index batch) const;
  void validate(const std::string& where) const;  // throws l2o::Error naming `where`
  nlohmann::json to_json() const;
  static BatchScaling from_json(const nlohmann::json& j, const std::string& where);
};

}  // namespace l2o
