#include "l2o/optim/train_loop.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>

#include "l2o/core/atomic_file.hpp"
#include "l2o/core/error.hpp"
#include "l2o/core/progress.hpp"

namespace l2o {

double RunResult::meta_loss() const {
  // Sum over iterations 1..T of the objective; points that were not evaluated are linearly
  // interpolated between their evaluated neighbours.
  double sum = 0.0;
  int last_i = 0;
  double last_v = trace.empty() ? 0.0 : trace.front().objective;
  for (size_t i = 1; i < trace.size(); ++i) {
    const double v = trace[i].objective;
    if (std::isnan(v) && i + 1 < trace.size()) continue;
    const int gap = trace[i].iter - last_i;
    for (int k = 1; k <= gap; ++k) sum += last_v + (v - last_v) * k / gap;
    last_i = trace[i].iter;
    last_v = v;
  }
  return sum;
}

double RunResult::final_objective() const { return trace.empty() ? std::nan("") : trace.back().objective; }

RunResult run_optimizer(const MlpTask& task, Optimizer& optimizer, const RunOptions& options) {
  if (options.iters < 1) throw Error(fmt::format("--iters: must be >= 1 (got {})", options.iters));
  if (options.eval_every < 1) throw Error(fmt::format("--eval-every: must be >= 1 (got {})", options.eval_every));
  RunResult result;
  Vec x = task.initial_params(options.seed);
  MinibatchSampler sampler(task.train_count(), options.batch, options.seed);
  optimizer.init(task.layout());

  result.trace.reserve(static_cast<size_t>(options.iters) + 1);
  result.trace.push_back({0, task.objective(x), std::nan(""), std::nan(""), 0.0, 0.0});

  Vec grad(task.dim()), delta(task.dim());
  const std::vector<Index>* batch = nullptr;
  LossGradFn eval = [&](const Vec& at, Vec& g) { return task.loss_grad(at, *batch, &g); };
  // Only a run that shows progress owns a progress line (its destructor clears the line, which
  // would wipe the line of a caller such as `l2o bench`).
  std::optional<Progress> progress;
  if (options.progress) progress.emplace(optimizer.name(), options.iters);
  double seconds = 0.0;

  for (int t = 1; t <= options.iters; ++t) {
    const auto start = std::chrono::steady_clock::now();
    batch = &sampler.next();
    const double loss = task.loss_grad(x, *batch, &grad);
    TraceRow row{t, std::nan(""), loss, grad.norm(), std::nan(""), 0.0};
    auto fail = [&](const std::string& what) {
      result.diverged = true;
      result.diverged_iter = t;
      result.divergence = fmt::format("{} diverged at iteration {}: {}", optimizer.name(), t, what);
      row.seconds = seconds;
      result.trace.push_back(row);
    };
    if (!std::isfinite(loss) || !grad.allFinite()) {
      fail("the minibatch loss or gradient is not finite");
      break;
    }
    optimizer.step({x, loss, grad, &eval, static_cast<Index>(batch->size())}, delta);
    if (delta.size() != x.size() || !delta.allFinite()) {
      fail("the step is not finite");
      break;
    }
    x += delta;
    row.step_norm = delta.norm();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    row.seconds = seconds;
    if (t % options.eval_every == 0 || t == options.iters) {
      row.objective = task.objective(x);
      if (!std::isfinite(row.objective)) {
        fail("the true objective is not finite");
        break;
      }
    }
    result.trace.push_back(row);
    if (progress) progress->update(t, std::isnan(row.objective) ? "" : fmt::format("objective {:.4f}", row.objective));
  }
  if (progress) progress->finish();
  result.final_params = x;
  result.test_accuracy = result.diverged ? std::nan("") : task.test_accuracy(x);
  return result;
}

void write_trace_csv(const std::string& path, const RunResult& result) {
  std::ostringstream out;
  out << "iter,objective,minibatch_loss,grad_norm,step_norm,seconds\n";
  for (const auto& r : result.trace)
    out << fmt::format("{},{:.10g},{:.10g},{:.10g},{:.10g},{:.6f}\n", r.iter, r.objective, r.minibatch_loss,
                       r.grad_norm, r.step_norm, r.seconds);
  if (result.diverged) out << "# " << result.divergence << "\n";
  write_file_atomically(path, out.str(), "--out");
}
}  // namespace l2o
