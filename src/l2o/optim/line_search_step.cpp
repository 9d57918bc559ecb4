#include "l2o/optim/line_search_step.hpp"

#include <cmath>

#include "l2o/core/finite.hpp"

namespace l2o {

bool step_inputs_diverged(const StepContext& ctx) { return !std::isfinite(ctx.loss) || !all_finite(ctx.grad); }

LineSearchResult search_and_record(const StepContext& ctx, const Vec& d, double alpha0, const LineSearchOptions& options,
                                   LineSearchStats& stats) {
  LineSearchResult ls = strong_wolfe_search(*ctx.eval, ctx.x, ctx.loss, ctx.grad, d, alpha0, options);
  stats.record(ls);
  return ls;
}
}  // namespace l2o
