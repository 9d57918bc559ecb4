#pragma once
// What nonlinear CG and L-BFGS share around their strong-Wolfe line search (line_search.hpp): the
// settings taken from their options (c1, c2, max_evals), the check of those options in their
// constructors, the test for a diverged step, and one search from the step's point, counted in
// their LineSearchStats.
#include <string>

#include "l2o/core/field_table.hpp"
#include "l2o/optim/hyper_tables.hpp"
#include "l2o/optim/line_search.hpp"
#include "l2o/optim/optimizer.hpp"

namespace l2o {

// The line-search settings of an options struct with c1, c2 and max_evals (CG's, L-BFGS's).
template <class Options>
LineSearchOptions line_search_options_of(const Options& options) {
  LineSearchOptions o;
  o.c1 = options.c1;
  o.c2 = options.c2;
  o.max_evals = options.max_evals;
  return o;
}

// Checks the options against their field table, then the conditions between the line-search
// settings (c2 > c1). Throws l2o::Error naming `optimizer` and the hyper-parameter.
template <class Options>
void check_line_search_optimizer(const FieldTable<Options>& fields, const Options& options, const std::string& optimizer) {
  check_fields(fields, options, hyper_context(optimizer));
  validate_line_search(line_search_options_of(options), optimizer);
}

// Whether the step's loss or gradient is not finite: the optimizer then hands back a plain step
// -lr * g (itself not finite) for the caller to detect, and forgets its direction history.
bool step_inputs_diverged(const StepContext& ctx);

// The strong-Wolfe search from ctx.x (loss ctx.loss, gradient ctx.grad) along d from the trial step
// alpha0, on *ctx.eval (which must be set); recorded in `stats`.
LineSearchResult search_and_record(const StepContext& ctx, const Vec& d, double alpha0, const LineSearchOptions& options,
                                   LineSearchStats& stats);
}  // namespace l2o
