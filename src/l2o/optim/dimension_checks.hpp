#pragma once
// Size checks shared by the hand-designed optimizers. A size mismatch is a programming error (the
// optimizer was initialised for another parameter layout), so it throws l2o::Error; numerical
// trouble (NaN, Inf) never throws.
#include <string>

#include "l2o/optim/optimizer.hpp"

namespace l2o {

// `dim` is the dimension the optimizer was initialised for.
void check_step_sizes(const std::string& optimizer, Index dim, const StepContext& ctx);
// `current_dim` < 0 means "not initialised yet": any state dimension is accepted.
void check_state_dim(const std::string& optimizer, Index current_dim, Index state_dim);
}  // namespace l2o
