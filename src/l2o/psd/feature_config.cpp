#include "l2o/psd/feature_config.hpp"

#include <cmath>

#include <fmt/core.h>

#include "l2o/core/error.hpp"

namespace l2o {

void FeatureConfig::validate(const std::string& where) const {
  if (!(grad_offset > 0.0) || !std::isfinite(grad_offset))
    throw Error(fmt::format("{}: feature grad_offset must be positive and finite, got {}", where, grad_offset));
  if (!(step_offset > 0.0) || !std::isfinite(step_offset))
    throw Error(fmt::format("{}: feature step_offset must be positive and finite, got {}", where, step_offset));
  if (window < 1) throw Error(fmt::format("{}: feature window must be >= 1, got {}", where, window));
  if (stride < 1) throw Error(fmt::format("{}: feature stride must be >= 1, got {}", where, stride));
  if (s1_upper < 0 || s2_upper < 0 || s3_upper < 0)
    throw Error(fmt::format("{}: feature upper indices must be >= 0", where));
}

nlohmann::json FeatureConfig::to_json() const {
  return {{"observation", {"O1", "O2", "O3"}},
          {"grad_offset", grad_offset},
          {"step_offset", step_offset},
          {"window", window},
          {"stride", stride},
          {"s1_upper", s1_upper},
          {"s2_upper", s2_upper},
          {"s3_upper", s3_upper},
          {"s3_form", "mirror-O3"}};
}

FeatureConfig FeatureConfig::from_json(const nlohmann::json& j, const std::string& where) {
  FeatureConfig c;
  if (!j.is_object()) throw Error(fmt::format("{}: features must be a JSON object", where));
  try {
    c.grad_offset = j.value("grad_offset", c.grad_offset);
    c.step_offset = j.value("step_offset", c.step_offset);
    c.window = j.value("window", c.window);
    c.stride = j.value("stride", c.stride);
    c.s1_upper = j.value("s1_upper", c.s1_upper);
    c.s2_upper = j.value("s2_upper", c.s2_upper);
    c.s3_upper = j.value("s3_upper", c.s3_upper);
    if (j.contains("observation") && j.at("observation") != nlohmann::json{"O1", "O2", "O3"})
      throw Error(fmt::format("unsupported observation features {}", j.at("observation").dump()));
    if (j.contains("s3_form") && j.at("s3_form") != "mirror-O3")
      throw Error(fmt::format("unsupported S3 form {}", j.at("s3_form").dump()));
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: bad feature settings: {}", where, e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: bad feature settings: {}", where, e.what()));
  }
  c.validate(where);
  return c;
}
}  // namespace l2o
