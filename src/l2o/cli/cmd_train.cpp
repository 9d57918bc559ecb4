// `l2o train`: one optimizer on one task, with a per-iteration trace.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <cmath>
#include <optional>

#include "l2o/bench/curve_stats.hpp"
#include "l2o/bench/optimizer_factory.hpp"
#include "l2o/cli/commands.hpp"
#include "l2o/cli/common_options.hpp"
#include "l2o/core/atomic_file.hpp"
#include "l2o/core/error.hpp"
#include "l2o/optim/train_loop.hpp"

namespace l2o::cli {
namespace {

const CLI::Validator positive_number(
    [](std::string& v) {
      try {
        const double x = std::stod(v);
        if (x > 0.0 && std::isfinite(x)) return std::string();
      } catch (const std::exception&) {
      }
      return "must be a positive number, got '" + v + "'";
    },
    "POSITIVE");
const CLI::Validator unit_interval(
    [](std::string& v) {
      try {
        const double x = std::stod(v);
        if (x >= 0.0 && x < 1.0) return std::string();
      } catch (const std::exception&) {
      }
      return "must be a number in [0, 1), got '" + v + "'";
    },
    "[0,1)");

struct TrainFlags {
  DataFlags data;
  TaskFlags task;
  std::string optimizer = "sgd";
  std::string policy;
  std::string tuned;
  std::optional<double> lr, momentum, beta1, beta2, eps;
  bool nesterov = false;
  std::string hyper;  // extra hyper-parameters as JSON
  RunOptions run;
  std::string precision = "float32";
  int threads = 1;
  double divergence_factor = 100.0;  // the bench's rule (mark_blow_up); 0: off
  std::string out;
  bool quiet = false;
};

// The bench's divergence rule on top of the train loop's, which stops only at non-finite values:
// a true objective above `factor` x its initial value marks the run diverged from there. The run
// and its trace are kept whole; only the verdict changes.
void apply_blow_up_rule(RunResult& result, const std::string& optimizer, double factor) {
  if (result.diverged) return;
  RunCurve curve = curve_from_result(result);
  if (!mark_blow_up(curve, factor)) return;
  result.diverged = true;
  result.diverged_iter = curve.diverged_iter;
  result.divergence = fmt::format("{} diverged: {} (--divergence-factor)", optimizer, curve.divergence);
}

nlohmann::json hyper_from_flags(const TrainFlags& f) {
  nlohmann::json h = nlohmann::json::object();
  if (!f.hyper.empty()) {
    try {
      h = nlohmann::json::parse(f.hyper);
    } catch (const std::exception& e) {
      throw Error(fmt::format("--hyper: not valid JSON: {}", e.what()));
    }
    if (!h.is_object()) throw Error("--hyper: expected a JSON object like '{\"lr\": 0.1}'");
  }
  if (f.lr) h["lr"] = *f.lr;
  if (f.momentum) h["momentum"] = *f.momentum;
  if (f.beta1) h["beta1"] = *f.beta1;
  if (f.beta2) h["beta2"] = *f.beta2;
  if (f.eps) h["eps"] = *f.eps;
  if (f.nesterov) h["nesterov"] = true;
  return h;
}

void run_train(const TrainFlags& f) {
  if (!f.out.empty()) check_output_file(f.out, "--out", kMinFreeOutputBytes, false);  // before the run, not after
  const TaskSpec spec = f.task.resolve();
  const DataOptions data = f.data.resolve();

  OptimizerSpec ospec;
  ospec.name = f.optimizer;
  ospec.policy_file = f.policy;
  ospec.hyper = hyper_from_flags(f);
  ospec.precision = parse_precision(f.precision, "--precision");
  ospec.threads = f.threads;
  // Without hyper-parameter flags a hand-designed optimizer runs with its tuned values.
  const bool tuned = ospec.hyper.empty() && is_hand_designed_optimizer(ospec.name);
  if (!ospec.hyper.empty() && is_learned_optimizer(ospec.name))
    throw Error(fmt::format("--optimizer {}: a learned optimizer takes no hyper-parameters (its policy file is "
                            "all there is)",
                            ospec.name));
  if (!ospec.policy_file.empty() && !is_learned_optimizer(ospec.name))
    throw Error(fmt::format("--policy: only the learned optimizers (psd, psd-small, l2l) read a policy file, not '{}'",
                            ospec.name));
  if (tuned) ospec.hyper = tuned_hyper(ospec.name, f.tuned);
  OptimizerPtr opt = make_optimizer(ospec);

  MlpTask task = make_task(spec, data);
  RunOptions run = f.run;
  // A minibatch cannot hold more examples than the training set has (sampling is without
  // replacement within an epoch); say so rather than silently running full-batch.
  if (run.batch > task.train_count())
    throw Error(fmt::format("--batch {}: larger than the {} training examples of {}; use --batch {} or less",
                            run.batch, task.train_count(), task.dataset_name(), task.train_count()));
  run.progress = !f.quiet;
  if (!f.quiet)
    fmt::print("{} on {} ({}, {} training examples), batch {}, {} iterations, seed {}\n  hyper-parameters: {}{}\n",
               opt->name(), task.dataset_name(), spec.arch, task.train_count(), run.batch, run.iters, run.seed,
               opt->hyperparams().dump(), tuned ? " (tuned)" : "");
  RunResult result = run_optimizer(task, *opt, run);
  apply_blow_up_rule(result, opt->name(), f.divergence_factor);
  if (!f.out.empty()) write_trace_csv(f.out, result);
  // A diverged run is reported (trace written up to the divergence) and exits non-zero.
  if (f.quiet) {
    if (result.diverged) throw DivergenceError(result.divergence);
    return;
  }
  // A compact objective curve: about ten rows.
  const int stride = std::max(1, run.iters / 10);
  fmt::print("  {:>6}  {:>12}  {:>12}\n", "iter", "objective", "minibatch");
  for (const auto& r : result.trace)
    if (!std::isnan(r.objective) && (r.iter % stride == 0 || &r == &result.trace.back()))
      fmt::print("  {:>6}  {:>12.6g}  {:>12.6g}\n", r.iter, r.objective, r.minibatch_loss);
  if (result.diverged) {
    fmt::print("  DIVERGED at iteration {}\n", result.diverged_iter);
  } else {
    const std::string accuracy =
        std::isnan(result.test_accuracy) ? "n/a (no test split)" : fmt::format("{:.2f}%", 100.0 * result.test_accuracy);
    fmt::print("  final objective {:.6f}, meta-loss (sum over iterations) {:.3f}, test accuracy {}, {:.2f}s\n",
               result.final_objective(), result.meta_loss(), accuracy, result.trace.back().seconds);
  }
  if (!f.out.empty()) fmt::print("  trace written to {}\n", f.out);
  if (result.diverged) throw DivergenceError(result.divergence);
}
}  // namespace

void add_train_command(CLI::App& app) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* cmd = app.add_subcommand("train", "Run one optimizer on one task and write a per-iteration trace");
  add_task_flags(cmd, flags->task);
  add_data_flags(cmd, flags->data);
  cmd->add_option("--optimizer", flags->optimizer, fmt::format("{}", fmt::join(known_optimizer_names(), ", ")))
      ->capture_default_str();
  cmd->add_option("--policy", flags->policy, "Policy file of a learned optimizer (psd, psd-small, l2l)");
  add_tuned_flag(cmd, flags->tuned);
  cmd->add_option("--lr", flags->lr, "Step size")->check(positive_number);
  cmd->add_option("--momentum", flags->momentum, "Momentum coefficient")->check(unit_interval);
  cmd->add_option("--beta1", flags->beta1, "Adam first-moment decay")->check(unit_interval);
  cmd->add_option("--beta2", flags->beta2, "Adam second-moment decay")->check(unit_interval);
  cmd->add_option("--eps", flags->eps, "Stabilising epsilon")->check(positive_number);
  cmd->add_flag("--nesterov", flags->nesterov, "Nesterov momentum");
  cmd->add_option("--hyper", flags->hyper, "Other hyper-parameters as a JSON object");
  add_batch_flag(cmd, flags->run.batch);
  cmd->add_option("--iters", flags->run.iters, "Iterations")->capture_default_str()->check(CLI::Range(1, 100000000));
  cmd->add_option("--seed", flags->run.seed, "Seed of the initialisation and the minibatch sequence")
      ->capture_default_str();
  add_eval_every_flag(cmd, flags->run.eval_every, "Evaluate the true objective every k iterations", 100000000);
  add_precision_flag(cmd, flags->precision);
  add_threads_flag(cmd, flags->threads, "Threads inside one PSD step (the result is identical for any number)");
  add_divergence_factor_flag(cmd, flags->divergence_factor,
                             "A run whose true objective exceeds this many times its initial value is reported as "
                             "diverged (a non-zero exit; the trace is still written), as l2o bench counts it; 0: only "
                             "non-finite values");
  cmd->add_option("--out", flags->out, "Trace CSV (iter,objective,minibatch_loss,grad_norm,step_norm,seconds)");
  add_quiet_flag(cmd, flags->quiet);
  cmd->callback([flags] { run_train(*flags); });
}
}  // namespace l2o::cli
