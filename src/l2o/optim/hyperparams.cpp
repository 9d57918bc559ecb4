#include "l2o/optim/hyperparams.hpp"

#include <fmt/core.h>

#include <cmath>

#include "l2o/core/error.hpp"

namespace l2o {

void hyper_error(const std::string& opt, const std::string& key, const std::string& what) {
  throw Error(fmt::format("optimizer {}: hyper-parameter {} {}", opt, key, what));
}

void require_open_unit_interval(const std::string& opt, const std::string& key, double value) {
  if (!(value > 0.0 && value < 1.0))
    hyper_error(opt, key, fmt::format("= {} must be in (0, 1)", value));
}

void require_int_range(const std::string& opt, const std::string& key, int value, int lo, int hi) {
  if (value < lo || value > hi)
    hyper_error(opt, key, fmt::format("= {} must be in [{}, {}]", value, lo, hi));
}
}  // namespace l2o
