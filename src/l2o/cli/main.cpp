// l2o: learned optimizers from the command line. Each subcommand lives in its own file
// (cmd_*.cpp) and registers itself through commands.hpp.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <Eigen/Core>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "l2o/cli/commands.hpp"
#include "l2o/core/error.hpp"

int main(int argc, char** argv) {
  // l2o parallelises over runs and trajectories, not inside the small matrix products of one
  // run: Eigen's own OpenMP threads made a 400-iteration MNIST run 14x slower on a loaded 2-core
  // machine (26 s against 1.9 s). OMP_NUM_THREADS, when set, still decides.
  if (std::getenv("OMP_NUM_THREADS") == nullptr) Eigen::setNbThreads(1);
  CLI::App app{"l2o: learned optimizers (Li & Malik 2017, Predicted Step Descent) and their baselines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "l2o 0.1.0");
  l2o::cli::add_data_command(app);
  l2o::cli::add_train_command(app);
  l2o::cli::add_tune_command(app);
  l2o::cli::add_bench_command(app);
  l2o::cli::add_meta_train_command(app);
  l2o::cli::add_policy_command(app);
  l2o::cli::add_fields_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const l2o::Error& e) {
    fmt::print(stderr, "l2o: error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "l2o: internal error: {}\n", e.what());
    return 2;
  }
  return 0;
}
