#pragma once
// Flags shared by the subcommands that build a task (train, tune, bench, meta-train).
#include <CLI/CLI.hpp>

#include <string>

#include "l2o/data/dataset.hpp"
#include "l2o/task/task_spec.hpp"

namespace l2o::cli {

struct DataFlags {
  std::string data_dir;    // --data-dir (default: $L2O_DATA or ./data)
  std::string shared_dir;  // --shared-dir (default: $L2O_SHARED_DATA or <source>/../shared/data)
  DataOptions resolve() const;
};
void add_data_flags(CLI::App* cmd, DataFlags& flags);

struct TaskFlags {
  TaskSpec spec;
  std::string train_size = "10000";  // a number or "all"
  TaskSpec resolve() const;          // validates --train-size
};
// --dataset --arch --activation --weight-decay --train-size --projection-seed
void add_task_flags(CLI::App* cmd, TaskFlags& flags);

// "l2o <subcommand> --flag value ..." with the flags the user gave, so that results files can say
// how to reproduce them.
std::string reproducible_command(const CLI::App& cmd);

// The commit the sources were checked out at, read from the repository's .git (no subprocess);
// "unknown" outside a git checkout. Policies record it in their provenance.
std::string source_revision();

// --precision float32|float64|bf16x3: the arithmetic of the learned optimizers' LSTM step (float32 by
// default; docs/psd.md, "Performance").
void add_precision_flag(CLI::App* cmd, std::string& precision);
}  // namespace l2o::cli
