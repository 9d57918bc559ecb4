#pragma once
// Runs one optimizer on one MLP task and records what happened, iteration by iteration.
//
// Row 0 of the trace is the initial point (objective only). Row t >= 1 describes iteration t:
// the minibatch loss and gradient norm at x_{t-1} (which produced the step), the step norm
// |x_t - x_{t-1}|, and the true objective f(x_t). The meta-loss of a run is the sum of the
// objective over rows 1..T (the area under the curve, LM17 §3.1).
//
// A diverging run (NaN or Inf in loss, gradient, step, parameters or objective) is stopped and
// reported: `diverged` is set, `divergence` says what and where, and the trace ends there.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "l2o/optim/optimizer.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o {

struct TraceRow {
  int iter = 0;
  double objective = 0.0;       // true objective at x_iter (NaN where not evaluated)
  double minibatch_loss = 0.0;  // minibatch loss at x_{iter-1}
  double grad_norm = 0.0;       // minibatch gradient norm at x_{iter-1}
  double step_norm = 0.0;       // |x_iter - x_{iter-1}|
  double seconds = 0.0;         // wall time since the start of the run (excluding objective evals)
};

struct RunOptions {
  int iters = 400;
  int batch = 64;
  std::uint64_t seed = 1;   // initialisation and minibatch sequence
  int eval_every = 1;       // evaluate the true objective every k iterations (and at the last)
  bool progress = false;    // show a progress line on a terminal
};

struct RunResult {
  std::vector<TraceRow> trace;
  bool diverged = false;
  int diverged_iter = -1;
  std::string divergence;   // what went non-finite, for the report
  Vec final_params;
  double test_accuracy = 0.0;
  // Sum of the objective over iterations 1..iters (only meaningful when not diverged and
  // eval_every == 1; otherwise the evaluated points are linearly interpolated).
  double meta_loss() const;
  double final_objective() const;
};

RunResult run_optimizer(const MlpTask& task, Optimizer& optimizer, const RunOptions& options);

// Writes iter,objective,minibatch_loss,grad_norm,step_norm,seconds (plus a comment line with the
// divergence message, if any). Throws l2o::Error if the file cannot be written.
void write_trace_csv(const std::string& path, const RunResult& result);
}  // namespace l2o
