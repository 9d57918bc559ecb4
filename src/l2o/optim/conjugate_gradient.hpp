#pragma once
// Nonlinear conjugate gradient, Polak-Ribiere+ (Polak & Ribiere 1969; the "+" of Gilbert &
// Nocedal 1992), with automatic restarts and a strong-Wolfe line search on the current minibatch.
//
//   beta = max(0, g.(g - g_prev) / |g_prev|^2)
//   d    = -g + beta * d_prev
//   delta = alpha * d, alpha from the line search started at alpha0 = lr
//
// d is reset to -g (a restart) on the first step, every `restart_every` steps (0: every n steps,
// n = number of parameters), when successive gradients are far from orthogonal (Powell 1977:
// |g.g_prev| >= restart_threshold * |g|^2), when d is not a descent direction, and after a failed
// line search. g and g_prev are the minibatch gradients the caller passes in (on noisy minibatches
// they come from different minibatches: that is the stochastic CG the experiments run).
//
// Without ctx.eval there is no line search: delta = lr * d.
#include "l2o/optim/line_search.hpp"
#include "l2o/optim/optimizer.hpp"

namespace l2o {

struct ConjugateGradientOptions {
  double lr = 0.1;                 // first trial step of every line search (alpha0), > 0
  double c1 = 1e-4;                // sufficient decrease
  double c2 = 0.1;                 // curvature; 0.1 is N&W's advice for nonlinear CG
  int max_evals = 20;              // loss/gradient evaluations per line search
  double restart_threshold = 0.1;  // Powell's restart test (N&W eq. 5.52), in (0, 1]
  int restart_every = 0;           // periodic restart; 0 = every n iterations
};

class ConjugateGradient final : public Optimizer {
 public:
  explicit ConjugateGradient(ConjugateGradientOptions options = {});  // throws l2o::Error
  std::string name() const override { return "cg"; }
  void init(const ParamLayout& layout) override;
  void step(const StepContext& ctx, Vec& delta) override;
  nlohmann::json hyperparams() const override;
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;
  const ConjugateGradientOptions& options() const { return options_; }
  const LineSearchStats& stats() const { return stats_; }

 private:
  Vec direction(const Vec& g);  // sets restart bookkeeping

  ConjugateGradientOptions options_;
  Index dim_ = -1;
  bool has_prev_ = false;  // false: the next step restarts
  Vec g_prev_, d_prev_;
  long long since_restart_ = 0;
  LineSearchStats stats_;
};
}  // namespace l2o
