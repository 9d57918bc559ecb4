#include "l2o/es/es_config.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "l2o/core/error.hpp"
#include "l2o/psd/policy.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o::es {

const char* to_string(EsParams p) { return p == EsParams::Readout ? "readout" : "all"; }

std::string EsMember::text() const {
  std::string t = fmt::format("{}/{}", arch, batch);
  if (inputs != "projected") t += ":" + inputs;
  if (!activation.empty()) t += ":" + activation;
  if (horizon > 0) t += fmt::format(":T{}", horizon);
  if (!dataset.empty()) t += "@" + dataset;
  return t;
}

EsMember parse_member(const std::string& text, const std::string& where) {
  auto fail = [&](const std::string& why) {
    throw Error(fmt::format("{}: '{}' is not ARCH/BATCH[:OPTION...][@DATASET] (e.g. 48-48-10/10, 784-100-10/128:raw:T2000): {}",
                            where, text, why));
  };
  EsMember m;
  const auto at = text.find('@');
  if (at != std::string::npos) {
    m.dataset = text.substr(at + 1);
    if (m.dataset.empty()) fail("nothing after '@'");
  }
  std::string net = text.substr(0, at);
  const auto colon = net.find(':');
  if (colon != std::string::npos) {
    std::string rest = net.substr(colon + 1);
    net = net.substr(0, colon);
    std::size_t from = 0;
    while (from <= rest.size()) {
      const auto next = std::min(rest.find(':', from), rest.size());
      const std::string opt = rest.substr(from, next - from);
      from = next + 1;
      if (opt == "raw" || opt == "projected") {
        m.inputs = opt;
      } else if (opt == "relu" || opt == "tanh" || opt == "sigmoid" || opt == "softplus") {
        m.activation = opt;
      } else if (opt.size() > 1 && opt[0] == 'T' && opt.size() <= 8 &&
                 opt.find_first_not_of("0123456789", 1) == std::string::npos) {
        m.horizon = std::stoi(opt.substr(1));
        if (m.horizon < 1) fail("the horizon T must be at least 1");
      } else {
        fail(fmt::format("unknown option '{}' (raw, projected, an activation, or T<iterations>)", opt));
      }
    }
  }
  const auto slash = net.find('/');
  if (slash == std::string::npos) fail("no '/'");
  m.arch = net.substr(0, slash);
  try {
    (void)parse_arch(m.arch);
  } catch (const Error& e) {
    fail(e.what());
  }
  const std::string b = net.substr(slash + 1);
  if (b.empty() || b.size() > 7 || b.find_first_not_of("0123456789") != std::string::npos) fail("the batch is not a whole number");
  m.batch = std::stoi(b);
  if (m.batch < 1) fail("the batch must be at least 1");
  return m;
}

namespace {
// A JSON list of strings ("a list of WHAT"), or an error naming `where`.
std::vector<std::string> string_list(const nlohmann::json& j, const std::string& where, const char* what) {
  if (!j.is_array()) throw Error(fmt::format("{} must be a list of {}, got {}", where, what, j.dump()));
  std::vector<std::string> out;
  for (const auto& v : j) {
    if (!v.is_string()) throw Error(fmt::format("{}: each entry must be a string, got {}", where, v.dump()));
    out.push_back(v.get<std::string>());
  }
  return out;
}
}  // namespace

void check_network_names(const std::vector<std::string>& names, const std::string& where) {
  // Every network a PSD policy can have (the shared one and the per-kind ones, psd/policy.hpp) and
  // every tensor of a psd-small policy (psd_small/small_policy.hpp); the trainer checks that the
  // policy at hand has them.
  std::vector<std::string> known;
  for (PolicySharing s : {PolicySharing::Shared, PolicySharing::PerKind})
    for (PolicyNet n : policy_networks(s)) known.emplace_back(to_string(n));
  for (const char* t : {"w1", "b1", "wc", "w2", "b2", "w3", "b3", "u", "log_lr"}) known.emplace_back(t);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (std::find(known.begin(), known.end(), names[i]) == known.end())
      throw Error(fmt::format("{}: unknown network '{}' (expected one of: {})", where, names[i], fmt::join(known, ", ")));
    if (std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) != names.begin() + static_cast<std::ptrdiff_t>(i))
      throw Error(fmt::format("{}: network '{}' is named twice", where, names[i]));
  }
}

const FieldTable<EsConfig>& es_config_fields() {
  using C = EsConfig;
  static const FieldTable<C> t{
      integer<C>("iterations", &C::iterations, closed(0, 1000000), "ES updates"),
      integer<C>("pairs", &C::pairs, closed(1, 100000), "antithetic pairs (two rollouts each) per update"),
      number<C>("sigma", &C::sigma, positive(), "perturbation std, in units of each network's parameter RMS"),
      number<C>("learning_rate", &C::learning_rate, positive(), "Adam step size, in the same units"),
      number<C>("beta1", &C::beta1, right_open(0, 1), "Adam beta1"),
      number<C>("beta2", &C::beta2, right_open(0, 1), "Adam beta2"),
      number<C>("adam_epsilon", &C::adam_epsilon, positive(), "Adam epsilon"),
      choice<C>("params", &C::params, {{"readout", EsParams::Readout}, {"all", EsParams::All}},
                "the parameters ES moves: each network's read-out, or all"),
      integer<C>("eval_every", &C::eval_every, closed(1, 1000000),
                 "a rollout evaluates the true objective every k iterations (interpolated between)"),
      number<C>("divergence_penalty", &C::divergence_penalty, at_least(1),
                "a diverged rollout scores as this multiple of its initial objective at every iteration"),
      integer<C>("validate_every", &C::validate_every, closed(1, 1000000), "validate every k updates (and after the last)"),
      integer<C>("validation_runs", &C::validation_runs, closed(1, 100000), "validation seeds per member"),
      integer<C>("validation_seed_first", &C::validation_seed_first, closed(0, 1e15), "first validation seed"),
      choice<C>("precision", &C::precision, {{"float32", Precision::Float32}, {"float64", Precision::Float64}, {"bf16x3", Precision::Bf16x3}},
                "the rollouts' LSTM arithmetic"),
      custom<C>(
          "members", &C::members, "list of strings", [](const std::vector<std::string>& v) { return nlohmann::json(v); },
          [](const nlohmann::json& j, const std::string& where) {
            std::vector<std::string> out;
            for (const auto& m : string_list(j, where, "\"ARCH/BATCH\" strings")) out.push_back(parse_member(m, where).text());
            return out;
          },
          "members besides the command's task, \"ARCH/BATCH[:OPTION...][@DATASET]\" each; options raw, an activation, "
          "T<iterations> (e.g. \"784-64-10/128:raw:tanh:T600\")"),
      custom<C>(
          "networks", &C::networks, "list of strings", [](const std::vector<std::string>& v) { return nlohmann::json(v); },
          [](const nlohmann::json& j, const std::string& where) {
            std::vector<std::string> out = string_list(j, where, "network names");
            check_network_names(out, where);
            return out;
          },
          "the networks ES moves (PSD: shared, hidden_weight, output_weight, hidden_bias, output_bias; psd-small: its "
          "tensors w1, b1, wc, w2, b2, w3, b3, u, log_lr); empty: as `params` says"),
  };
  return t;
}

void EsConfig::validate(const std::string& where) const {
  check_fields(es_config_fields(), *this, FieldContext{where, "field", ""});
  for (const auto& m : members) (void)parse_member(m, where + ": members");
  check_network_names(networks, where + ": networks");
}

nlohmann::json EsConfig::to_json() const { return write_fields(es_config_fields(), *this); }

EsConfig EsConfig::from_json(const nlohmann::json& j, const std::string& where) {
  EsConfig c;
  read_fields(es_config_fields(), j, c, FieldContext{where, "field", ""});
  c.validate(where);
  return c;
}

}  // namespace l2o::es
