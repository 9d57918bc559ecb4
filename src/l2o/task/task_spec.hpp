#pragma once
// Everything that defines a training objective, as the command line names it: the data set,
// the projection, the net and the task's training subset. One function turns it into a task.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "l2o/data/dataset.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o {

struct TaskSpec {
  std::string dataset = "mnist";
  std::string arch = "48-48-10";
  std::string activation = "relu";
  double weight_decay = 0.0;
  Index train_size = 10000;          // < 0: the whole training split
  std::uint64_t subset_seed = 0;     // which examples form the task training set
  std::uint64_t projection_seed = 0; // which random projection (part of the objective's identity)
  // "projected" (LM17: random projection to the input width, standardised) or "raw" (the pixels
  // scaled to [0, 1], unprojected and unstandardised; the input width must be the image's dimension).
  std::string inputs = "projected";
};

// Loads (or reuses the cached) projected data and builds the task. Throws l2o::Error.
MlpTask make_task(const TaskSpec& spec, const DataOptions& data);

nlohmann::json to_json(const TaskSpec& spec);
}  // namespace l2o
