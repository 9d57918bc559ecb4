#pragma once
// Output-layer warm-up at small minibatches [ours; docs/psd.md, "Output-layer warm-up"].
//
// At minibatch 10 on many-class tasks (48-48-100: Fig. 3 CIFAR-100 and its validation twin, noisy
// MNIST-pairs) the learned policy's first steps are several times Adam's and the objective rises
// for the first ~5 iterations before it falls; on the 10-class tasks and at batch 64 it does not.
// The rise is made by the output layer, whose 48 x p weights see the noisiest per-class gradients.
// So below a minibatch size the output layer's steps are ramped in linearly:
//   factor(t, b) = min(1, t / iterations)   for the t-th step (t = 1, 2, ...) of an output-layer
//                                            group, when 0 < b < below_batch,
//                  1                        otherwise (a hidden layer, a larger or unknown batch,
//                                            or a layout of one group, which has no output layer)
// Like the batch factor it is a property of how the policy is applied, stored in its file;
// iterations 0 (the default, and every file without the field) is off.
#include <string>

#include <nlohmann/json.hpp>

#include "l2o/core/layout.hpp"
#include "l2o/core/types.hpp"

namespace l2o {

struct OutputWarmup {
  Index iterations = 0;     // length of the ramp; 0: off
  double below_batch = 64;  // applied only to minibatches smaller than this

  bool active() const { return iterations > 0; }
  // The factor on group g's step at step number t (1-based) with a minibatch of `batch` examples
  // (0 = unknown: 1), in a layout of `group_count` groups.
  double factor(const CoordinateGroup& g, std::size_t group_count, Index t, Index batch) const;
  void validate(const std::string& where) const;  // throws l2o::Error naming `where`
  nlohmann::json to_json() const;
  static OutputWarmup from_json(const nlohmann::json& j, const std::string& where);
};

}  // namespace l2o
