#include "l2o/optim/dimension_checks.hpp"

#include <fmt/core.h>

#include "l2o/core/error.hpp"

namespace l2o {

void check_step_sizes(const std::string& optimizer, Index dim, const StepContext& ctx) {
  if (ctx.x.size() != dim || ctx.grad.size() != dim)
    throw Error(
        fmt::format("optimizer {}: initialised for {} parameters but stepped with x of size "
                    "{} and gradient of size {}",
                    optimizer, dim, ctx.x.size(), ctx.grad.size()));
}

void check_state_dim(const std::string& optimizer, Index current_dim, Index state_dim) {
  if (current_dim >= 0 && current_dim != state_dim)
    throw Error(
        fmt::format("optimizer {}: state is for {} parameters but the optimizer was "
                    "initialised for {}",
                    optimizer, state_dim, current_dim));
}
}  // namespace l2o
