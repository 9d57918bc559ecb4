#include "l2o/task/task_spec.hpp"

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/data/projection.hpp"

namespace l2o {

MlpTask make_task(const TaskSpec& spec, const DataOptions& data) {
  MlpConfig config;
  config.arch = parse_arch(spec.arch);
  config.activation = parse_activation(spec.activation);
  config.weight_decay = spec.weight_decay;
  if (spec.inputs == "raw") {
    const Dataset d = load_dataset(spec.dataset, data);
    if (config.arch.front() != d.train.dim())
      throw Error(fmt::format("--arch {}: with raw inputs the input width must be the images' dimension, {} for {}",
                              spec.arch, d.train.dim(), d.display_name));
    return MlpTask(raw_pixel_dataset(d), config, spec.train_size, spec.subset_seed);
  }
  if (spec.inputs != "projected")
    throw Error(fmt::format("--inputs: '{}' is neither 'projected' nor 'raw'", spec.inputs));
  const ProjectedDataset projected = load_projected(spec.dataset, config.arch.front(), spec.projection_seed, data);
  return MlpTask(projected, config, spec.train_size, spec.subset_seed);
}

nlohmann::json to_json(const TaskSpec& spec) {
  nlohmann::json j{{"dataset", spec.dataset},       {"arch", spec.arch},
                   {"activation", spec.activation}, {"weight_decay", spec.weight_decay},
                   {"train_size", spec.train_size}, {"subset_seed", spec.subset_seed},
                   {"projection_seed", spec.projection_seed}};
  if (spec.inputs != "projected") j["inputs"] = spec.inputs;  // absent: projected (older records too)
  return j;
}
}  // namespace l2o
