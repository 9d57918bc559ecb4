#include "l2o/task/task_spec.hpp"

namespace l2o {

MlpTask make_task(const TaskSpec& spec, const DataOptions& data) {
  MlpConfig config;
  config.arch = parse_arch(spec.arch);
  config.activation = parse_activation(spec.activation);
  config.weight_decay = spec.weight_decay;
  const ProjectedDataset projected = load_projected(spec.dataset, config.arch.front(), spec.projection_seed, data);
  return MlpTask(projected, config, spec.train_size, spec.subset_seed);
}

nlohmann::json to_json(const TaskSpec& spec) {
  return {{"dataset", spec.dataset},         {"arch", spec.arch},
          {"activation", spec.activation},   {"weight_decay", spec.weight_decay},
          {"train_size", spec.train_size},   {"subset_seed", spec.subset_seed},
          {"projection_seed", spec.projection_seed}};
}
}  // namespace l2o
