#include "l2o/l2l/step_objective.hpp"

#include <fmt/core.h>

#include "l2o/core/error.hpp"

namespace l2o {

MlpEpisodeObjective::MlpEpisodeObjective(const MlpTask& task, int batch, std::uint64_t seed, int count)
    : task_(task) {
  if (count < 1) throw Error(fmt::format("l2l episode: needs at least one minibatch (got {})", count));
  MinibatchSampler sampler(task.train_count(), batch, seed);
  batches_.reserve(static_cast<size_t>(count));
  for (int k = 0; k < count; ++k) batches_.push_back(sampler.next());
}

double MlpEpisodeObjective::loss_grad(int k, const Vec& x, Vec& grad) const {
  if (k < 0 || k >= count())
    throw Error(fmt::format("l2l episode: objective {} requested, the episode has {}", k, count()));
  return task_.loss_grad(x, batches_[static_cast<size_t>(k)], &grad);
}
}  // namespace l2o
