#pragma once
// The ES tests' task: a 4-6-3 net on synthetic data (4 inputs, 3 classes, 300 examples).
#include "l2o/task/mlp_task.hpp"
#include "support/synthetic_data.hpp"

namespace l2o::test {
inline const MlpTask& es_tiny_task() {
  static const ProjectedDataset data = test_support::synthetic_dataset(4, 3, 300, 50, 11, 1.0);
  static const MlpTask task(data, MlpConfig{{4, 6, 3}, Activation::Relu, 0.0, 1.0}, 300, 0);
  return task;
}
}  // namespace l2o::test
