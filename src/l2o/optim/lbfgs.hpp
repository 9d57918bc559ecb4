#pragma once
// Limited-memory BFGS (Nocedal 1980; Liu & Nocedal 1989) with a strong-Wolfe line search on the
// current minibatch.
//
//   d = -H g, H g by the two-loop recursion over the last `memory` pairs (s_i, y_i), with the
//       initial matrix H0 = gamma I, gamma = s'y / y'y of the newest pair (N&W eq. 7.20)
//   delta = alpha d, alpha from the line search, first trial alpha0 = lr
//       (with an empty memory d = -g and alpha0 = lr * min(1, 1/|g|_1), so the first step has a
//       length of at most lr)
//   s = delta, y = g(x + delta) - g(x), both gradients on the same minibatch (ctx.eval)
//
// A pair is stored only if its curvature is positive: s'y > min_curvature * |s| |y|. The memory is
// cleared when the direction is not a descent direction and after a failed line search.
//
// Without ctx.eval there is no line search: delta = alpha0 d, and the pair is formed on the next
// call from the gradient the caller passes then (a different minibatch in a stochastic run).
#include <deque>

#include "l2o/optim/line_search.hpp"
#include "l2o/optim/optimizer.hpp"

namespace l2o {

struct LbfgsOptions {
  double lr = 1.0;               // first trial step of every line search (1: the quasi-Newton step)
  int memory = 10;               // number of curvature pairs kept, >= 1
  double c1 = 1e-4;              // sufficient decrease
  double c2 = 0.9;               // curvature; 0.9 is N&W's advice for quasi-Newton methods
  int max_evals = 20;            // loss/gradient evaluations per line search
  double min_curvature = 1e-10;  // pairs need s'y > min_curvature |s| |y|, >= 0
};

class Lbfgs final : public Optimizer {
 public:
  explicit Lbfgs(LbfgsOptions options = {});  // throws l2o::Error on out-of-range options
  std::string name() const override { return "lbfgs"; }
  void init(const ParamLayout& layout) override;
  void step(const StepContext& ctx, Vec& delta) override;
  nlohmann::json hyperparams() const override;
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;
  const LbfgsOptions& options() const { return options_; }
  const LineSearchStats& stats() const { return stats_; }
  std::size_t pairs_stored() const { return pairs_.size(); }
  long long pairs_skipped() const { return skipped_; }

  // -H g by the two-loop recursion (-g when the memory is empty).
  Vec direction(const Vec& g) const;

 private:
  struct Pair {
    Vec s, y;
    double rho;  // 1 / s'y
  };
  void add_pair(Vec s, Vec y);
  void clear_memory();

  LbfgsOptions options_;
  Index dim_ = -1;
  std::deque<Pair> pairs_;  // oldest first
  long long skipped_ = 0;   // pairs rejected for non-positive curvature
  // No-eval mode: the step taken and the gradient it was taken from, awaiting the next gradient.
  bool has_pending_ = false;
  Vec pending_s_, pending_g_;
  LineSearchStats stats_;
};
}  // namespace l2o
