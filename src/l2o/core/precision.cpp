#include "l2o/core/precision.hpp"

#include <fmt/core.h>

#include "l2o/core/error.hpp"

namespace l2o {

const char* to_string(Precision p) {
  switch (p) {
    case Precision::Float32: return "float32";
    case Precision::Bf16x3: return "bf16x3";
    case Precision::Float64: break;
  }
  return "float64";
}

Precision parse_precision(const std::string& text, const std::string& where) {
  if (text == "float64") return Precision::Float64;
  if (text == "float32") return Precision::Float32;
  if (text == "bf16x3") return Precision::Bf16x3;
  throw Error(fmt::format("{}: unknown precision '{}' (expected float64, float32 or bf16x3)", where, text));
}
}  // namespace l2o
