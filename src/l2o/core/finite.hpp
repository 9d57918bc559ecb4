#pragma once
// Checks for non-finite values: a diverging optimizee is reported, never propagated.
#include <cmath>

#include "l2o/core/types.hpp"

namespace l2o {
inline bool all_finite(const Vec& v) { return v.allFinite(); }
inline bool is_finite(double x) { return std::isfinite(x); }
}  // namespace l2o
