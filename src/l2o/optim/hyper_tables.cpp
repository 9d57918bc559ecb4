#include "l2o/optim/hyper_tables.hpp"

namespace l2o {

// Conditions between hyper-parameters (c2 > c1) stay in the constructors.

namespace {
// `before`, then the strong-Wolfe line search's settings that CG and L-BFGS share (c1, c2,
// max_evals: line_search_step.hpp), then `after`.
template <class O>
FieldTable<O> with_line_search_fields(FieldTable<O> before, const FieldTable<O>& after) {
  before.push_back(number<O>("c1", &O::c1, open(0, 1), "Wolfe sufficient-decrease constant"));
  before.push_back(number<O>("c2", &O::c2, open(0, 1), "Wolfe curvature constant (> c1)"));
  before.push_back(integer<O>("max_evals", &O::max_evals, closed(1, 1000), "loss/gradient evaluations per line search"));
  before.insert(before.end(), after.begin(), after.end());
  return before;
}
}  // namespace

const FieldTable<SgdOptions>& sgd_fields() {
  using O = SgdOptions;
  static const FieldTable<O> t{number<O>("lr", &O::lr, positive(), "step size")};
  return t;
}

const FieldTable<MomentumOptions>& momentum_fields() {
  using O = MomentumOptions;
  static const FieldTable<O> t{
      number<O>("lr", &O::lr, positive(), "step size"),
      number<O>("momentum", &O::momentum, right_open(0, 1), "decay of the velocity"),
      boolean<O>("nesterov", &O::nesterov, "Nesterov's look-ahead form"),
  };
  return t;
}

const FieldTable<ConjugateGradientOptions>& cg_fields() {
  using O = ConjugateGradientOptions;
  static const FieldTable<O> t = with_line_search_fields<O>(
      {number<O>("lr", &O::lr, positive(), "first trial step of every line search")},
      {
          number<O>("restart_threshold", &O::restart_threshold, left_open(0, 1), "Powell's restart test"),
          integer<O>("restart_every", &O::restart_every, closed(0, 1e9), "periodic restart (0: every n iterations)"),
      });
  return t;
}

const FieldTable<LbfgsOptions>& lbfgs_fields() {
  using O = LbfgsOptions;
  static const FieldTable<O> t = with_line_search_fields<O>(
      {
          number<O>("lr", &O::lr, positive(), "first trial step of every line search"),
          integer<O>("memory", &O::memory, closed(1, 10000), "curvature pairs kept"),
      },
      {number<O>("min_curvature", &O::min_curvature, nonnegative(), "pairs need s'y > min_curvature |s| |y|")});
  return t;
}

const FieldTable<AdagradOptions>& adagrad_fields() {
  using O = AdagradOptions;
  static const FieldTable<O> t{
      number<O>("lr", &O::lr, positive(), "step size"),
      number<O>("eps", &O::eps, positive(), "added to the root of the squared-gradient sums"),
  };
  return t;
}

const FieldTable<AdamOptions>& adam_fields() {
  using O = AdamOptions;
  static const FieldTable<O> t{
      number<O>("lr", &O::lr, positive(), "step size"),
      number<O>("beta1", &O::beta1, right_open(0, 1), "decay of the first-moment estimate"),
      number<O>("beta2", &O::beta2, right_open(0, 1), "decay of the second-moment estimate"),
      number<O>("eps", &O::eps, positive(), "added to the root of the second moment"),
  };
  return t;
}

const FieldTable<RmspropOptions>& rmsprop_fields() {
  using O = RmspropOptions;
  static const FieldTable<O> t{
      number<O>("lr", &O::lr, positive(), "step size"),
      number<O>("rho", &O::rho, right_open(0, 1), "decay of the mean square"),
      number<O>("eps", &O::eps, positive(), "added to the root of the mean square"),
      number<O>("momentum", &O::momentum, right_open(0, 1), "momentum on the scaled step"),
  };
  return t;
}
}  // namespace l2o
