#include "l2o/psd/feature_config.hpp"

#include <cmath>

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/core/json_integer.hpp"

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
  if (momentum_decays.size() > 8)
    throw Error(fmt::format("{}: feature momentum_decays has {} entries, at most 8", where, momentum_decays.size()));
  for (double b : momentum_decays)
    if (!(b >= 0.0 && b < 1.0)) throw Error(fmt::format("{}: feature momentum_decays must be in [0, 1), got {}", where, b));
  if (!(rms_decay >= 0.0 && rms_decay < 1.0))
    throw Error(fmt::format("{}: feature rms_decay must be in [0, 1), got {}", where, rms_decay));
  if (!(moment_epsilon > 0.0) || !std::isfinite(moment_epsilon))
    throw Error(fmt::format("{}: feature moment_epsilon must be positive and finite, got {}", where, moment_epsilon));
}

std::vector<std::string> FeatureConfig::observation_names() const {
  std::vector<std::string> names{"O1", "O2", "O3"};
  if (!has_moments()) return names;
  for (double b : momentum_decays) names.push_back(fmt::format("M{}", b));
  names.emplace_back("R");
  return names;
}

nlohmann::json FeatureConfig::to_json() const {
  nlohmann::json j = {{"observation", observation_names()},
          {"grad_offset", grad_offset},
          {"step_offset", step_offset},
          {"window", window},
          {"stride", stride},
          {"s1_upper", s1_upper},
          {"s2_upper", s2_upper},
          {"s3_upper", s3_upper},
          {"s3_form", "mirror-O3"}};
  // Written only when on, so that LM17 policies keep their file (and fingerprint) unchanged.
  if (has_moments())
    j["moments"] = {{"momentum_decays", momentum_decays}, {"rms_decay", rms_decay}, {"epsilon", moment_epsilon}};
  return j;
}

FeatureConfig FeatureConfig::from_json(const nlohmann::json& j, const std::string& where) {
  FeatureConfig c;
  if (!j.is_object()) throw Error(fmt::format("{}: features must be a JSON object", where));
  try {
    c.grad_offset = j.value("grad_offset", c.grad_offset);
    c.step_offset = j.value("step_offset", c.step_offset);
    if (j.contains("window")) c.window = json_integer<decltype(c.window)>(j.at("window"), "window");
    if (j.contains("stride")) c.stride = json_integer<decltype(c.stride)>(j.at("stride"), "stride");
    if (j.contains("s1_upper")) c.s1_upper = json_integer<decltype(c.s1_upper)>(j.at("s1_upper"), "s1_upper");
    if (j.contains("s2_upper")) c.s2_upper = json_integer<decltype(c.s2_upper)>(j.at("s2_upper"), "s2_upper");
    if (j.contains("s3_upper")) c.s3_upper = json_integer<decltype(c.s3_upper)>(j.at("s3_upper"), "s3_upper");
    if (j.contains("moments")) {
      const nlohmann::json& m = j.at("moments");
      if (!m.is_object()) throw Error("'moments' must be a JSON object");
      for (const auto& [key, value] : m.items())
        if (key != "momentum_decays" && key != "rms_decay" && key != "epsilon")
          throw Error(fmt::format("unknown key 'moments.{}'", key));
      c.momentum_decays = m.value("momentum_decays", c.momentum_decays);
      c.rms_decay = m.value("rms_decay", c.rms_decay);
      c.moment_epsilon = m.value("epsilon", c.moment_epsilon);
      if (c.momentum_decays.empty()) throw Error("'moments.momentum_decays' must not be empty (omit 'moments' instead)");
    }
    if (j.contains("s3_form") && j.at("s3_form") != "mirror-O3")
      throw Error(fmt::format("unsupported S3 form {}", j.at("s3_form").dump()));
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: bad feature settings: {}", where, e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: bad feature settings: {}", where, e.what()));
  }
  c.validate(where);
  if (j.contains("observation") && j.at("observation") != nlohmann::json(c.observation_names()))
    throw Error(fmt::format("{}: bad feature settings: observation features {} do not match the settings, which give {}",
                            where, j.at("observation").dump(), nlohmann::json(c.observation_names()).dump()));
  return c;
}
}  // namespace l2o
