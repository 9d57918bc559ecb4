#pragma once
// The MNIST meta-training task (48-48-10, the TaskSpec defaults) for the tests of the shipped
// policies, or nullptr when the MNIST data are not prepared here ($L2O_DATA, else ./data of the
// source tree); such tests skip then.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "l2o/task/task_spec.hpp"

namespace l2o::test_support {

inline std::unique_ptr<MlpTask> mnist_task_if_present() {
  DataOptions data;
  const char* env = std::getenv("L2O_DATA");
  data.data_dir = env && *env ? env : std::string(L2O_SOURCE_DIR) + "/data";
  data.shared_dir = std::string(L2O_SOURCE_DIR) + "/../shared/data";
  if (!std::filesystem::exists(std::filesystem::path(data.data_dir) / "mnist" / "train-images-idx3-ubyte"))
    return nullptr;
  return std::make_unique<MlpTask>(make_task(TaskSpec{}, data));
}

}  // namespace l2o::test_support
