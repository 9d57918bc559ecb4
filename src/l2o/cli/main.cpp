// l2o: learned optimizers from the command line. Each subcommand lives in its own file
// (cmd_*.cpp) and registers itself through commands.hpp.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <Eigen/Core>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <thread>

#include "l2o/bench/optimizer_factory.hpp"
#include "l2o/cli/commands.hpp"
#include "l2o/core/distributed.hpp"
#include "l2o/core/error.hpp"

namespace {
// An error on this process. Alone, it is printed and l2o exits with `code`, as ever. Under MPI
// with several ranks it ends the whole job (dist::abort: "l2o: error: rank R of N: ..."); a rank
// other than 0 waits a moment first, so that an error every rank has (a bad setting) is reported
// once, by rank 0.
int fail(const std::string& message, int code) {
  if (l2o::dist::size() > 1) {
    if (!l2o::dist::is_root()) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    l2o::dist::abort(message, code);
  }
  fmt::print(stderr, "l2o: error: {}\n", message);
  return code;
}
}  // namespace

int main(int argc, char** argv) {
  // MPI when started by mpirun (docs/distributed.md); otherwise nothing changes.
  const l2o::dist::Session session(&argc, &argv);
  // l2o parallelises over runs and trajectories, not inside the small matrix products of one
  // run: Eigen's own OpenMP threads made a 400-iteration MNIST run 14x slower on a loaded 2-core
  // machine (26 s against 1.9 s). OMP_NUM_THREADS, when set, still decides.
  if (std::getenv("OMP_NUM_THREADS") == nullptr) Eigen::setNbThreads(1);
  // Every optimizer by name through one registry (optim/registry.hpp): the learned ones join it here.
  l2o::register_learned_optimizers();
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
    if (!l2o::dist::is_root()) {  // every rank parses the same line: rank 0 alone says so
      std::ostringstream quiet;
      return app.exit(e, quiet, quiet);
    }
    return app.exit(e);
  } catch (const l2o::dist::CollectiveError& e) {
    // Thrown on every rank alike (an item of a distributed loop failed on the rank it names): rank
    // 0 reports it and every rank ends normally.
    if (l2o::dist::is_root()) fmt::print(stderr, "l2o: error: {}\n", e.what());
    return 1;
  } catch (const l2o::Error& e) {
    return fail(e.what(), 1);
  } catch (const std::exception& e) {
    if (l2o::dist::size() > 1) return fail(fmt::format("internal error: {}", e.what()), 2);
    fmt::print(stderr, "l2o: internal error: {}\n", e.what());
    return 2;
  }
  return 0;
}
