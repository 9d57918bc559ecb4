#include "l2o/l2l/preprocess.hpp"

#include <fmt/core.h>

#include <cmath>
#include <limits>

#include "l2o/core/error.hpp"

namespace l2o {

void log_sign_preprocess(const Vec& grad, double p, Mat& out) {
  if (!(p > 0.0) || !std::isfinite(p))
    throw Error(fmt::format("l2l preprocessing: p = {} must be a finite number > 0", p));
  const double threshold = std::exp(-p);
  const double inv_p = 1.0 / p;
  const double scale = std::exp(p);
  out.resize(kLogSignFeatures, grad.size());
  for (Index j = 0; j < grad.size(); ++j) {
    const double g = grad[j];
    const double a = std::abs(g);
    if (!std::isfinite(g)) {
      out(0, j) = out(1, j) = std::numeric_limits<double>::quiet_NaN();
    } else if (a >= threshold) {
      out(0, j) = std::log(a) * inv_p;
      out(1, j) = g > 0.0 ? 1.0 : -1.0;
    } else {
      out(0, j) = -1.0;
      out(1, j) = scale * g;
    }
  }
}
}  // namespace l2o
