#include "l2o/cli/common_options.hpp"

#include <fmt/core.h>

#include <cstdlib>

#include "l2o/core/error.hpp"

#ifndef L2O_SOURCE_DIR
#define L2O_SOURCE_DIR "."
#endif

namespace l2o::cli {

DataOptions DataFlags::resolve() const {
  DataOptions o;
  o.data_dir = resolve_data_dir(data_dir);
  if (!shared_dir.empty()) {
    o.shared_dir = shared_dir;
  } else if (const char* env = std::getenv("L2O_SHARED_DATA")) {
    o.shared_dir = env;
  } else {
    o.shared_dir = std::string(L2O_SOURCE_DIR) + "/../shared/data";
  }
  return o;
}

void add_data_flags(CLI::App* cmd, DataFlags& flags) {
  cmd->add_option("--data-dir", flags.data_dir, "Data directory (default: $L2O_DATA or ./data)");
  cmd->add_option("--shared-dir", flags.shared_dir,
                  "Folder with the project's shared data archives (default: $L2O_SHARED_DATA or ../shared/data)");
}

TaskSpec TaskFlags::resolve() const {
  TaskSpec s = spec;
  if (train_size == "all") {
    s.train_size = -1;
  } else {
    char* end = nullptr;
    const long long v = std::strtoll(train_size.c_str(), &end, 10);
    if (train_size.empty() || *end != '\0' || v < 1)
      throw Error(fmt::format("--train-size: expected a positive number or 'all', got '{}'", train_size));
    s.train_size = v;
  }
  return s;
}

void add_task_flags(CLI::App* cmd, TaskFlags& flags) {
  cmd->add_option("--dataset", flags.spec.dataset,
                  "Data set: mnist, fashion-mnist, cifar10, cifar100, tfd, or idx:IMAGES,LABELS, cifar10-bin:DIR, "
                  "cifar100-bin:DIR, folder:DIR")
      ->capture_default_str();
  cmd->add_option("--arch", flags.spec.arch, "Layer widths: input-hidden...-classes")->capture_default_str();
  cmd->add_option("--activation", flags.spec.activation, "Hidden activation: relu, tanh, sigmoid, softplus")
      ->capture_default_str();
  cmd->add_option("--weight-decay", flags.spec.weight_decay, "L2 penalty on weights")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--train-size", flags.train_size, "Examples in the task training set (a number or 'all')")
      ->capture_default_str();
  cmd->add_option("--projection-seed", flags.spec.projection_seed, "Seed of the random projection")
      ->capture_default_str();
}
}  // namespace l2o::cli
