#include "l2o/psd_small/small_architecture.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/core/json_integer.hpp"

namespace l2o {

const char* to_string(SmallActivation a) { return a == SmallActivation::Tanh ? "tanh" : "relu"; }

SmallActivation parse_small_activation(const std::string& text, const std::string& where) {
  if (text == "relu") return SmallActivation::Relu;
  if (text == "tanh") return SmallActivation::Tanh;
  throw Error(fmt::format("{}: psd-small 'activation': unknown activation '{}' (expected relu or tanh)", where, text));
}

const std::vector<std::string>& PsdSmallArchitecture::feature_names() {
  static const std::vector<std::string> names{"g", "m1", "m2", "m3", "x_rel"};
  return names;
}

const std::vector<std::string>& PsdSmallArchitecture::context_names() {
  static const std::vector<std::string> names{
      "tanh_t_10",        "tanh_t_100",       "tanh_t_1000",       "log_loss_ratio",
      "log_loss_ema_ratio", "log_grad_rms_ratio", "log_fan_in_input", "log_fan_in_hidden",
      "log_fan_in_output", "is_bias",          "is_output_layer",   "log_batch_ratio"};
  return names;
}

void PsdSmallArchitecture::validate(const std::string& where) const {
  auto fail = [&](const std::string& field, const std::string& what) {
    throw Error(fmt::format("{}: psd-small architecture '{}' {}", where, field, what));
  };
  if (version != kVersion)
    fail("version", fmt::format("is {}, this build reads version {} only", version, kVersion));
  if (hidden.empty() || hidden.size() > 2) fail("hidden", fmt::format("must list 1 or 2 layer sizes, got {}", hidden.size()));
  for (Index h : hidden)
    if (h < 1 || h > kMaxHidden) fail("hidden", fmt::format("sizes must be in [1, {}], got {}", kMaxHidden, h));
  for (double b : betas)
    if (!(b >= 0.0 && b < 1.0)) fail("betas", fmt::format("must be in [0, 1), got {}", b));
  if (!(beta2 >= 0.0 && beta2 < 1.0)) fail("beta2", fmt::format("must be in [0, 1), got {}", beta2));
  if (!(eps > 0.0) || !std::isfinite(eps)) fail("eps", fmt::format("must be finite and > 0, got {}", eps));
  if (!(reference_fan_in > 0.0) || !std::isfinite(reference_fan_in))
    fail("reference_fan_in", fmt::format("must be finite and > 0, got {}", reference_fan_in));
  if (!(reference_batch > 0.0) || !std::isfinite(reference_batch))
    fail("reference_batch", fmt::format("must be finite and > 0, got {}", reference_batch));
}

nlohmann::json PsdSmallArchitecture::to_json() const {
  return {{"version", version},
          {"hidden", hidden},
          {"activation", to_string(activation)},
          {"betas", betas},
          {"beta2", beta2},
          {"eps", eps},
          {"reference_fan_in", reference_fan_in},
          {"reference_batch", reference_batch},
          {"features", feature_names()},
          {"context", context_names()}};
}

PsdSmallArchitecture PsdSmallArchitecture::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw Error(fmt::format("{}: psd-small architecture must be a JSON object", where));
  static const std::vector<std::string> known{"version", "hidden",           "activation",      "betas",    "beta2",
                                              "eps",     "reference_fan_in", "reference_batch", "features", "context"};
  for (const auto& [key, value] : j.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      throw Error(fmt::format("{}: psd-small architecture has unknown field '{}'", where, key));
  if (!j.contains("version")) throw Error(fmt::format("{}: psd-small architecture lacks 'version'", where));
  PsdSmallArchitecture a;
  std::string field = "version";
  try {
    a.version = json_integer<int>(j.at("version"), "version");
    field = "hidden";
    if (j.contains("hidden")) {
      a.hidden.clear();
      for (const nlohmann::json& h : j.at("hidden")) a.hidden.push_back(json_integer<Index>(h, "hidden"));
    }
    field = "activation";
    if (j.contains("activation")) a.activation = parse_small_activation(j.at("activation").get<std::string>(), where);
    field = "betas";
    if (j.contains("betas")) a.betas = j.at("betas").get<std::array<double, 3>>();
    field = "beta2";
    a.beta2 = j.value("beta2", a.beta2);
    field = "eps";
    a.eps = j.value("eps", a.eps);
    field = "reference_fan_in";
    a.reference_fan_in = j.value("reference_fan_in", a.reference_fan_in);
    field = "reference_batch";
    a.reference_batch = j.value("reference_batch", a.reference_batch);
    field = "features";
    if (j.contains("features") && j.at("features").get<std::vector<std::string>>() != feature_names())
      throw Error(fmt::format("lists {}, this build computes {}", j.at("features").dump(),
                              nlohmann::json(feature_names()).dump()));
    field = "context";
    if (j.contains("context") && j.at("context").get<std::vector<std::string>>() != context_names())
      throw Error(fmt::format("lists {}, this build computes {}", j.at("context").dump(),
                              nlohmann::json(context_names()).dump()));
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: psd-small architecture '{}': {}", where, field, e.what()));
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.rfind(where, 0) == 0) throw;  // already names the file
    throw Error(fmt::format("{}: psd-small architecture '{}': {}", where, field, msg));
  }
  a.validate(where);
  return a;
}
}  // namespace l2o
