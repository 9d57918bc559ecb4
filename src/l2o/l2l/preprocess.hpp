#pragma once
// The gradient preprocessing of Andrychowicz et al. 2016 (Appendix A), applied coordinatewise:
//
//   g  ->  ( log|g| / p , sgn g )   if |g| >= e^-p
//          ( -1         , e^p g )   otherwise
//
// Gradients of very different magnitudes become inputs of order one: the first feature carries
// the magnitude on a log scale, the second the sign. Small gradients (|g| < e^-p) keep their
// magnitude linearly in the second feature instead, so the map is continuous at |g| = e^-p
// (both branches give (-1, +-1) there) and g = 0 maps to (-1, 0). The paper uses p = 10.
//
// A non-finite gradient entry (NaN or +-Inf) gives NaN features: the optimizer then produces a
// non-finite step for that coordinate, which the train loop reports as a divergence.
#include "l2o/core/types.hpp"

namespace l2o {

// Number of features per coordinate produced by the preprocessing.
inline constexpr int kLogSignFeatures = 2;

// Writes the features of `grad` into `out` (resized to 2 x grad.size(): one column per
// coordinate, as the coordinatewise LSTM expects). Throws l2o::Error if p <= 0.
void log_sign_preprocess(const Vec& grad, double p, Mat& out);
}  // namespace l2o
