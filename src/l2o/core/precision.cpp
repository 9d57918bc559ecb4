#include "l2o/core/precision.hpp"

#include <fmt/core.h>

#include "l2o/core/error.hpp"

namespace l2o {

const char* to_string(Precision p) { return p == Precision::Float32 ? "float32" : "float64"; }

Precision parse_precision(const std::string& text, const std::string& where) {
  if (text == "float64") return Precision::Float64;
  if (text == "float32") return Precision::Float32;
  throw Error(fmt::format("{}: unknown precision '{}' (expected float64 or float32)", where, text));
}
}  // namespace l2o
