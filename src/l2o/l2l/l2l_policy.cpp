#include "l2o/l2l/l2l_policy.hpp"

#include <fmt/core.h>

#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/l2l/preprocess.hpp"

namespace l2o {

void L2LSettings::validate(const std::string& where) const {
  lstm_config().validate(where);
  if (!(p > 0.0) || !std::isfinite(p))
    throw Error(fmt::format("{}: preprocessing constant p = {} must be a finite number > 0", where, p));
  if (!(output_scale > 0.0) || !std::isfinite(output_scale))
    throw Error(fmt::format("{}: output scale {} must be a finite number > 0", where, output_scale));
}

LstmConfig L2LSettings::lstm_config() const {
  LstmConfig c;
  c.input_size = kLogSignFeatures;
  c.layers = layers;
  c.output_size = 1;
  c.forget_bias = forget_bias;
  c.init_range = init_range;
  return c;
}

nlohmann::json L2LSettings::architecture_json() const {
  return {{"lstm", lstm_config().to_json()}, {"output_scale", output_scale}, {"zero_readout", zero_readout}};
}

nlohmann::json L2LSettings::features_json() const { return {{"preprocess", "log_sign"}, {"p", p}}; }

L2LSettings L2LSettings::from_json(const nlohmann::json& architecture, const nlohmann::json& features,
                                   const std::string& where) {
  L2LSettings s;
  try {
    if (!architecture.is_object() || !architecture.contains("lstm"))
      throw Error("architecture needs an 'lstm' object");
    const LstmConfig c = LstmConfig::from_json(architecture.at("lstm"), where);
    if (c.input_size != kLogSignFeatures || c.output_size != 1)
      throw Error(fmt::format("the LSTM must read {} inputs and write 1 output (got {} and {})", kLogSignFeatures,
                              c.input_size, c.output_size));
    s.layers = c.layers;
    s.forget_bias = c.forget_bias;
    s.init_range = c.init_range;
    s.output_scale = architecture.at("output_scale").get<double>();
    s.zero_readout = architecture.value("zero_readout", s.zero_readout);
    if (!features.is_object() || features.value("preprocess", std::string()) != "log_sign")
      throw Error("features must be {\"preprocess\": \"log_sign\", \"p\": ...}");
    s.p = features.at("p").get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: bad l2l settings: {}", where, e.what()));
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.rfind(where, 0) == 0) throw;
    throw Error(fmt::format("{}: bad l2l settings: {}", where, msg));
  }
  s.validate(where);
  return s;
}

L2LPolicy::L2LPolicy(L2LSettings settings) : settings_(std::move(settings)) {
  settings_.validate("l2l policy");
  lstm_ = Lstm(settings_.lstm_config());
}

L2LPolicy L2LPolicy::random(const L2LSettings& settings, std::uint64_t seed) {
  L2LPolicy policy(settings);
  Rng rng(seed, "l2l-init");
  policy.lstm_.init_params(rng);
  if (settings.zero_readout) {
    policy.lstm_.readout_weights().setZero();
    policy.lstm_.readout_bias().setZero();
  }
  return policy;
}

void L2LPolicy::set_params(const Vec& params) { lstm_.set_params(params); }

void L2LPolicy::step(const Vec& grad, LstmState& state, Vec& delta, Mat& features, Mat& out,
                     LstmWorkspace& ws) const {
  log_sign_preprocess(grad, settings_.p, features);
  lstm_.step(features, state, out, ws);
  delta = settings_.output_scale * out.row(0).transpose();
}

PolicyFile L2LPolicy::to_policy_file(const Provenance& provenance) const {
  PolicyFile f;
  f.method = kL2LMethod;
  f.architecture = settings_.architecture_json();
  f.features = settings_.features_json();
  f.provenance = provenance;
  f.tensors = lstm_.to_tensors("");
  return f;
}

L2LPolicy L2LPolicy::from_policy_file(const PolicyFile& file) {
  if (file.method != kL2LMethod)
    throw Error(fmt::format("{}: policy file is for method '{}', not '{}'", file.source, file.method, kL2LMethod));
  L2LPolicy policy(L2LSettings::from_json(file.architecture, file.features, file.source));
  policy.lstm_.from_tensors(file.tensors, "", file.source);
  return policy;
}

void L2LPolicy::save(const std::string& path, const Provenance& provenance) const {
  save_policy_file(path, to_policy_file(provenance));
}

L2LPolicy L2LPolicy::load(const std::string& path) { return from_policy_file(load_policy_file(path)); }
}  // namespace l2o
