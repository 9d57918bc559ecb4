#include "l2o/psd/batch_scaling.hpp"

#include <fmt/core.h>

#include <cmath>

#include "l2o/core/error.hpp"

namespace l2o {

double BatchScaling::factor(Index batch) const {
  if (!active() || batch <= 0 || static_cast<double>(batch) >= reference_batch) return 1.0;
  return std::pow(static_cast<double>(batch) / reference_batch, power);
}

void BatchScaling::validate(const std::string& where) const {
  if (!std::isfinite(power) || power < 0.0 || power > 2.0)
    throw Error(fmt::format("{}: batch_scaling.power must be in [0, 2], got {}", where, power));
  if (!std::isfinite(reference_batch) || reference_batch < 1.0)
    throw Error(fmt::format("{}: batch_scaling.reference_batch must be finite and >= 1, got {}", where,
                            reference_batch));
}

nlohmann::json BatchScaling::to_json() const { return {{"reference_batch", reference_batch}, {"power", power}}; }

BatchScaling BatchScaling::from_json(const nlohmann::json& j, const std::string& where) {
  BatchScaling s;
  try {
    if (!j.is_object()) throw Error("must be a JSON object");
    for (const auto& [key, value] : j.items())
      if (key != "reference_batch" && key != "power") throw Error(fmt::format("unknown key '{}'", key));
    if (!j.contains("power")) throw Error("lacks 'power'");
    auto number = [&](const char* key) {
      if (!j.at(key).is_number()) throw Error(fmt::format("'{}' must be a number", key));
      return j.at(key).get<double>();
    };
    s.power = number("power");
    if (j.contains("reference_batch")) s.reference_batch = number("reference_batch");
  } catch (const Error& e) {
    throw Error(fmt::format("{}: bad batch_scaling: {}", where, e.what()));
  }
  s.validate(where);
  return s;
}

}  // namespace l2o
