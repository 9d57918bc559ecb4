#include "l2o/psd/policy.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/core/sha256.hpp"

namespace l2o {

const char* to_string(PolicySharing s) { return s == PolicySharing::Shared ? "shared" : "per_kind"; }

PolicySharing parse_policy_sharing(const std::string& text, const std::string& where) {
  if (text == "shared") return PolicySharing::Shared;
  if (text == "per_kind") return PolicySharing::PerKind;
  throw Error(fmt::format("{}: unknown policy sharing '{}' (expected shared or per_kind)", where, text));
}

const char* to_string(PolicyNet n) {
  switch (n) {
    case PolicyNet::Shared: return "shared";
    case PolicyNet::HiddenWeight: return "hidden_weight";
    case PolicyNet::OutputWeight: return "output_weight";
    case PolicyNet::HiddenBias: return "hidden_bias";
    case PolicyNet::OutputBias: return "output_bias";
  }
  return "?";
}

std::vector<PolicyNet> policy_networks(PolicySharing s) {
  if (s == PolicySharing::Shared) return {PolicyNet::Shared};
  return {PolicyNet::HiddenWeight, PolicyNet::OutputWeight, PolicyNet::HiddenBias, PolicyNet::OutputBias};
}

PolicyNet policy_network_for(const CoordinateGroup& g, std::size_t group_count, PolicySharing s) {
  if (s == PolicySharing::Shared) return PolicyNet::Shared;
  if (group_count == 1) return PolicyNet::HiddenWeight;
  if (g.kind == GroupKind::Weight) return g.output_layer ? PolicyNet::OutputWeight : PolicyNet::HiddenWeight;
  return g.output_layer ? PolicyNet::OutputBias : PolicyNet::HiddenBias;
}

// ---------------------------------------------------------------- width-aware steps

const char* to_string(StepScaling::Rule r) { return r == StepScaling::Rule::FanIn ? "fan_in" : "none"; }

const char* to_string(StepScaling::Role r) {
  switch (r) {
    case StepScaling::Role::InputWeight: return "input_weight";
    case StepScaling::Role::HiddenWeight: return "hidden_weight";
    case StepScaling::Role::OutputWeight: return "output_weight";
    case StepScaling::Role::Bias: return "bias";
  }
  return "?";
}

StepScaling::Role StepScaling::role_of(const CoordinateGroup& g, std::size_t group_count) {
  if (g.kind != GroupKind::Weight) return Role::Bias;
  if (group_count == 1 || g.output_layer) return Role::OutputWeight;
  return g.layer <= 1 ? Role::InputWeight : Role::HiddenWeight;
}

double StepScaling::power_for(Role role) const {
  switch (role) {
    case Role::InputWeight: return input_power.value_or(power);
    case Role::OutputWeight: return output_power.value_or(power);
    default: return power;
  }
}

double StepScaling::factor(const CoordinateGroup& g, std::size_t group_count) const {
  if (rule == Rule::None || group_count == 1) return 1.0;
  const Role role = role_of(g, group_count);
  if (role == Role::Bias) return bias_factor;
  if (g.cols < 1) return 1.0;
  const double reference = role == Role::OutputWeight ? reference_output_fan_in : reference_hidden_fan_in;
  return std::min(max_factor, std::pow(reference / static_cast<double>(g.cols), power_for(role)));
}

void StepScaling::validate(const std::string& where) const {
  auto finite_positive = [](double v) { return std::isfinite(v) && v > 0.0; };
  auto check_power = [&where](const char* name, double p) {
    if (!std::isfinite(p) || p < 0.0 || p > 4.0)
      throw Error(fmt::format("{}: step_scaling.{} must be in [0, 4], got {}", where, name, p));
  };
  check_power("power", power);
  if (input_power) check_power("input_power", *input_power);
  if (output_power) check_power("output_power", *output_power);
  if (!finite_positive(bias_factor) || bias_factor > 100.0)
    throw Error(fmt::format("{}: step_scaling.bias_factor must be in (0, 100], got {}", where, bias_factor));
  if (!finite_positive(reference_hidden_fan_in) || !finite_positive(reference_output_fan_in))
    throw Error(fmt::format("{}: step_scaling reference fan-ins must be finite and > 0", where));
  if (std::isnan(max_factor) || max_factor <= 0.0)
    throw Error(fmt::format("{}: step_scaling.max_factor must be > 0, got {}", where, max_factor));
}

nlohmann::json StepScaling::to_json() const {
  nlohmann::json j = {
      {"rule", to_string(rule)},
      {"power", power},
      {"reference_fan_in", {{"hidden_weight", reference_hidden_fan_in}, {"output_weight", reference_output_fan_in}}}};
  // Only when set, so files, fingerprints and run-store keys of policies without them are unchanged.
  if (input_power) j["input_power"] = *input_power;
  if (output_power) j["output_power"] = *output_power;
  if (bias_factor != 1.0) j["bias_factor"] = bias_factor;
  if (std::isfinite(max_factor)) j["max_factor"] = max_factor;
  return j;
}

StepScaling StepScaling::from_json(const nlohmann::json& j, const std::string& where) {
  StepScaling s;
  try {
    if (!j.is_object()) throw Error("must be a JSON object");
    for (const auto& [key, value] : j.items())
      if (key != "rule" && key != "power" && key != "input_power" && key != "output_power" && key != "bias_factor" &&
          key != "reference_fan_in" && key != "max_factor")
        throw Error(fmt::format("unknown key '{}'", key));
    const std::string rule = j.value("rule", std::string("none"));
    if (rule == "none")
      s.rule = Rule::None;
    else if (rule == "fan_in")
      s.rule = Rule::FanIn;
    else
      throw Error(fmt::format("unknown rule '{}' (expected none or fan_in)", rule));
    s.power = j.value("power", s.power);
    if (j.contains("input_power")) s.input_power = j.at("input_power").get<double>();
    if (j.contains("output_power")) s.output_power = j.at("output_power").get<double>();
    s.bias_factor = j.value("bias_factor", s.bias_factor);
    if (j.contains("max_factor")) s.max_factor = j.at("max_factor").get<double>();
    if (j.contains("reference_fan_in")) {
      const auto& r = j.at("reference_fan_in");
      s.reference_hidden_fan_in = r.at("hidden_weight").get<double>();
      s.reference_output_fan_in = r.at("output_weight").get<double>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: bad step_scaling: {}", where, e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: bad step_scaling: {}", where, e.what()));
  }
  s.validate(where);
  return s;
}

// ---------------------------------------------------------------- architecture

LstmConfig PsdArchitecture::lstm_config() const {
  LstmConfig c;
  c.input_size = input_count();
  c.layers = layers;
  c.output_size = 1;
  c.forget_bias = forget_bias;
  c.init_range = init_range;
  return c;
}

nlohmann::json PsdArchitecture::to_json() const {
  std::vector<std::string> names;
  for (PolicyNet n : policy_networks(sharing)) names.emplace_back(to_string(n));
  nlohmann::json j = {{"lstm", lstm_config().to_json()},
          {"inputs", inputs},
          {"output", "step"},
          {"output_scale", output_scale},
          {"sharing", to_string(sharing)},
          {"networks", names}};
  if (!input_scale.empty()) j["input_scale"] = input_scale;
  // Omitted when off, so that policies without it keep their file (and fingerprint) unchanged.
  if (step_scaling.rule != StepScaling::Rule::None) j["step_scaling"] = step_scaling.to_json();
  if (batch_scaling.active()) j["batch_scaling"] = batch_scaling.to_json();
  if (output_warmup.active()) j["output_warmup"] = output_warmup.to_json();
  return j;
}

PsdArchitecture PsdArchitecture::from_json(const nlohmann::json& j, const std::string& where) {
  PsdArchitecture a;
  if (!j.is_object()) throw Error(fmt::format("{}: PSD architecture must be a JSON object", where));
  if (!j.contains("lstm")) throw Error(fmt::format("{}: PSD architecture lacks 'lstm'", where));
  const LstmConfig lc = LstmConfig::from_json(j.at("lstm"), where);
  try {
    if (j.contains("inputs")) a.inputs = j.at("inputs").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: PSD 'inputs' must be a list of feature names: {}", where, e.what()));
  }
  if (lc.input_size != a.input_count() || lc.output_size != 1)
    throw Error(fmt::format("{}: PSD LSTM must read its {} inputs {} and output 1 step, got {} -> {}", where,
                            a.input_count(), nlohmann::json(a.inputs).dump(), lc.input_size, lc.output_size));
  a.layers = lc.layers;
  a.forget_bias = lc.forget_bias;
  a.init_range = lc.init_range;
  try {
    a.output_scale = j.value("output_scale", a.output_scale);
    a.sharing = parse_policy_sharing(j.value("sharing", std::string(to_string(a.sharing))), where);
    if (j.contains("networks")) {
      std::vector<std::string> want;
      for (PolicyNet n : policy_networks(a.sharing)) want.emplace_back(to_string(n));
      if (j.at("networks").get<std::vector<std::string>>() != want)
        throw Error(fmt::format("{}: networks {} do not match sharing '{}'", where, j.at("networks").dump(),
                                to_string(a.sharing)));
    }
    if (j.contains("input_scale")) a.input_scale = j.at("input_scale").get<std::vector<std::vector<double>>>();
    if (j.contains("step_scaling")) a.step_scaling = StepScaling::from_json(j.at("step_scaling"), where);
    if (j.contains("batch_scaling")) a.batch_scaling = BatchScaling::from_json(j.at("batch_scaling"), where);
    if (j.contains("output_warmup")) a.output_warmup = OutputWarmup::from_json(j.at("output_warmup"), where);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: bad PSD architecture: {}", where, e.what()));
  }
  if (!std::isfinite(a.output_scale))
    throw Error(fmt::format("{}: PSD output_scale must be finite", where));
  a.validate(where);
  return a;
}

void PsdArchitecture::validate(const std::string& where) const {
  step_scaling.validate(where);
  batch_scaling.validate(where);
  output_warmup.validate(where);
  const std::size_t nets = policy_networks(sharing).size();
  if (!input_scale.empty() && input_scale.size() != nets)
    throw Error(fmt::format("{}: PSD input_scale has {} entries, the '{}' policy has {} networks", where,
                            input_scale.size(), to_string(sharing), nets));
  for (const auto& s : input_scale) {
    if (s.size() != inputs.size())
      throw Error(fmt::format("{}: PSD input_scale entries must have {} factors (one per input), got {}", where,
                              inputs.size(), s.size()));
    for (double v : s)
      if (!(v > 0.0) || !std::isfinite(v))
        throw Error(fmt::format("{}: PSD input_scale entries must be finite and > 0, got {}", where, v));
  }
}

// ---------------------------------------------------------------- policy

void check_inputs(const PsdPolicyConfig& config, const std::string& where) {
  if (config.arch.inputs != config.features.observation_names())
    throw Error(fmt::format("{}: the LSTM reads inputs {} but the feature settings give {}", where,
                            nlohmann::json(config.arch.inputs).dump(),
                            nlohmann::json(config.features.observation_names()).dump()));
}

PsdPolicy::PsdPolicy(PsdPolicyConfig config) : config_(std::move(config)) {
  config_.features.validate("PSD policy");
  config_.arch.validate("PSD policy");
  check_inputs(config_, "PSD policy");
  nets_ = policy_networks(config_.arch.sharing);
  for (std::size_t k = 0; k < nets_.size(); ++k) {
    lstms_.emplace_back(config_.arch.lstm_config());
    scales_.push_back(config_.arch.input_scale.empty() ? std::vector<double>(config_.arch.inputs.size(), 1.0)
                                                       : config_.arch.input_scale[k]);
  }
}

PsdPolicy PsdPolicy::fresh(const PsdPolicyConfig& config, std::uint64_t seed) {
  PsdPolicy p(config);
  for (std::size_t k = 0; k < p.nets_.size(); ++k) {
    Rng rng(seed, std::string("psd-init/") + to_string(p.nets_[k]));
    p.lstms_[k].init_params(rng);
  }
  return p;
}

Index PsdPolicy::index_of(PolicyNet n) const {
  const auto it = std::find(nets_.begin(), nets_.end(), n);
  if (it == nets_.end())
    throw Error(fmt::format("PSD policy ({} sharing) has no '{}' network", to_string(config_.arch.sharing), to_string(n)));
  return it - nets_.begin();
}

bool PsdPolicy::has_network(PolicyNet n) const { return std::find(nets_.begin(), nets_.end(), n) != nets_.end(); }
const Lstm& PsdPolicy::network(PolicyNet n) const { return lstms_[index_of(n)]; }
Lstm& PsdPolicy::network(PolicyNet n) { return lstms_[index_of(n)]; }

Index PsdPolicy::num_params() const {
  Index n = 0;
  for (const Lstm& l : lstms_) n += l.num_params();
  return n;
}

Vec PsdPolicy::params() const {
  Vec p(num_params());
  Index at = 0;
  for (const Lstm& l : lstms_) {
    p.segment(at, l.num_params()) = l.params();
    at += l.num_params();
  }
  return p;
}

void PsdPolicy::set_params(const Vec& p) {
  if (p.size() != num_params())
    throw Error(fmt::format("PSD policy: expected {} parameters, got {}", num_params(), p.size()));
  Index at = 0;
  for (Lstm& l : lstms_) {
    l.params() = p.segment(at, l.num_params());
    at += l.num_params();
  }
}

std::string PsdPolicy::fingerprint() const {
  Sha256 h;
  h.update(config_.arch.to_json().dump());
  h.update(config_.features.to_json().dump());
  const Vec p = params();
  h.update(p.data(), static_cast<std::size_t>(p.size()) * sizeof(double));
  return h.hex_digest();
}

void PsdPolicy::act(PolicyNet net, const Eigen::Ref<const Mat>& obs, LstmState& state, Mat& steps,
                    LstmWorkspace& ws) const {
  const Index k = index_of(net);
  if (config_.arch.input_scale.empty())
    lstms_[k].step(obs, state, steps, ws);
  else
    lstms_[k].step(network_input(net, obs), state, steps, ws);
  if (config_.arch.output_scale != 1.0) steps *= config_.arch.output_scale;
}

Mat PsdPolicy::network_input(PolicyNet net, const Eigen::Ref<const Mat>& obs) const {
  const std::vector<double>& s = input_scale(net);
  Mat u = obs;
  for (Index r = 0; r < u.rows() && r < static_cast<Index>(s.size()); ++r) u.row(r) *= s[static_cast<std::size_t>(r)];
  return u;
}

PolicyFile PsdPolicy::to_file(const Provenance& provenance) const {
  PolicyFile f;
  f.method = "psd";
  f.architecture = config_.arch.to_json();
  f.features = config_.features.to_json();
  f.provenance = provenance;
  for (std::size_t k = 0; k < nets_.size(); ++k)
    for (Tensor& t : lstms_[k].to_tensors(std::string(to_string(nets_[k])) + "/")) f.tensors.push_back(std::move(t));
  return f;
}

PsdPolicy PsdPolicy::from_file(const PolicyFile& f) {
  if (f.method != "psd")
    throw Error(fmt::format("{}: policy is for method '{}', not psd", f.source, f.method));
  PsdPolicyConfig cfg;
  cfg.arch = PsdArchitecture::from_json(f.architecture, f.source);
  cfg.features = FeatureConfig::from_json(f.features, f.source);
  check_inputs(cfg, f.source);
  PsdPolicy p(cfg);
  std::size_t expected = 0;
  for (std::size_t k = 0; k < p.nets_.size(); ++k) {
    p.lstms_[k].from_tensors(f.tensors, std::string(to_string(p.nets_[k])) + "/", f.source);
    expected += 2 * p.config_.arch.layers.size() + 2;
  }
  if (f.tensors.size() != expected)
    throw Error(fmt::format("{}: {} tensors, the architecture has {} (unexpected extra tensors)", f.source,
                            f.tensors.size(), expected));
  p.source_ = f.source;
  return p;
}

PsdPolicy PsdPolicy::load(const std::string& path) { return from_file(load_policy_file(path)); }

void PsdPolicy::save(const std::string& path, const Provenance& provenance) const {
  save_policy_file(path, to_file(provenance));
}
}  // namespace l2o
