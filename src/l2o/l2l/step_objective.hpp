#pragma once
// The optimizee as meta-training sees it: a sequence of stochastic objectives f_0, f_1, ..., one
// per iterate of an episode. f_k is evaluated at iterate theta_k; its gradient is the input of
// the step theta_k -> theta_{k+1}, and its value is theta_k's term of the meta-loss (see
// docs/l2l.md, "Which objective the meta-loss sums").
//
// Indexing f by the iterate makes an episode replayable: evaluating f_k at another point (finite
// differences, tests) uses the same minibatch as the episode did.
#include <cstdint>
#include <vector>

#include "l2o/core/types.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o {

class StepObjective {
 public:
  virtual ~StepObjective() = default;
  virtual Index dim() const = 0;
  // Number of objectives available (k = 0 .. count()-1).
  virtual int count() const = 0;
  // f_k(x); writes its gradient into `grad` (resized by the callee).
  virtual double loss_grad(int k, const Vec& x, Vec& grad) const = 0;
};

// An episode of the MLP task: f_k is the minibatch loss on the (k+1)-th minibatch drawn by
// MinibatchSampler(seed). That is exactly the minibatch that run_optimizer (optim/train_loop.hpp)
// uses at iterate k with the same seed, so meta-training sees the same stream as evaluation.
class MlpEpisodeObjective final : public StepObjective {
 public:
  // Draws `count` minibatches of size `batch` from the task training set.
  MlpEpisodeObjective(const MlpTask& task, int batch, std::uint64_t seed, int count);
  Index dim() const override { return task_.dim(); }
  int count() const override { return static_cast<int>(batches_.size()); }
  double loss_grad(int k, const Vec& x, Vec& grad) const override;

 private:
  const MlpTask& task_;
  std::vector<std::vector<Index>> batches_;
};
}  // namespace l2o
