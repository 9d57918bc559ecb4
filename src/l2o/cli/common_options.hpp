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

// The flags several subcommands share, each defined once here (name, check, default shown in
// --help); `description` is the help text where a subcommand says more than the common one.

// --quiet.
CLI::Option* add_quiet_flag(CLI::App* cmd, bool& quiet, const std::string& description = "Print nothing but errors");
// --jobs N, in 1..1024.
CLI::Option* add_jobs_flag(CLI::App* cmd, int& jobs, const std::string& description = "Runs in parallel");
// --threads N, in 1..1024.
CLI::Option* add_threads_flag(CLI::App* cmd, int& threads, const std::string& description);
// --batch N: the optimizee's minibatch, in 1..1000000.
CLI::Option* add_batch_flag(CLI::App* cmd, int& batch, const std::string& description = "Minibatch size");
// --eval-every K, in 1..max_every.
CLI::Option* add_eval_every_flag(CLI::App* cmd, int& eval_every, const std::string& description,
                                 int max_every = 10000000);
// --divergence-factor F >= 0.
CLI::Option* add_divergence_factor_flag(
    CLI::App* cmd, double& factor,
    const std::string& description = "A run whose true objective exceeds this multiple of its initial value counts as "
                                     "diverged (0: only non-finite values)");
// --tuned FILE: the tuned hyper-parameters of the hand-designed optimizers (bench/optimizer_factory.hpp:
// resolve_tuned_path finds the default).
CLI::Option* add_tuned_flag(CLI::App* cmd, std::string& tuned);
// --policy FILE, required and existing: the policy a `policy` subcommand reads (e.g. "The PSD policy file").
CLI::Option* add_input_policy_flag(CLI::App* cmd, std::string& policy, const std::string& description);
}  // namespace l2o::cli
