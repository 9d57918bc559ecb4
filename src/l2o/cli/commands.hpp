#pragma once
// Each subcommand of `l2o` lives in its own file and registers itself on the app here.
#include <CLI/CLI.hpp>

namespace l2o::cli {
void add_data_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_tune_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_meta_train_command(CLI::App& app);
void add_policy_command(CLI::App& app);
void add_policy_small_commands(CLI::App* policy);  // `l2o policy new-small` (cmd_policy_small.cpp)
void add_fields_command(CLI::App& app);
}  // namespace l2o::cli
