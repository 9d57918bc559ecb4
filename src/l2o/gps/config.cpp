#include "l2o/gps/config.hpp"

#include <fmt/core.h>

#include <cmath>
#include <set>

#include "l2o/core/error.hpp"

namespace l2o::gps {

const char* to_string(NuRule rule) {
  switch (rule) {
    case NuRule::DualAscent:
      return "dual_ascent";
    case NuRule::FixedStep:
      return "fixed_step";
    case NuRule::KlRatio:
      return "kl_ratio";
    case NuRule::MeanStd:
      return "mean_std";
  }
  return "?";
}

const char* to_string(CostWeighting weighting) {
  return weighting == CostWeighting::Remaining ? "remaining" : "uniform";
}

NuRule parse_nu_rule(const std::string& name) {
  for (NuRule r : {NuRule::DualAscent, NuRule::FixedStep, NuRule::KlRatio, NuRule::MeanStd})
    if (name == to_string(r)) return r;
  throw Error(
      fmt::format("gps config: badmm.nu_rule '{}' is not one of dual_ascent, fixed_step, kl_ratio, mean_std", name));
}

CostWeighting parse_cost_weighting(const std::string& name) {
  if (name == "remaining") return CostWeighting::Remaining;
  if (name == "uniform") return CostWeighting::Uniform;
  throw Error(fmt::format("gps config: cost.weighting '{}' is not one of remaining, uniform", name));
}

namespace {

// One list of (name, field) per section drives writing, reading and the unknown-key check.
template <class V>
void fields(V& v, GmmPriorOptions& o) {
  v("max_clusters", o.max_clusters);
  v("min_samples_per_cluster", o.min_samples_per_cluster);
  v("max_iterations", o.max_iterations);
  v("tolerance", o.tolerance);
  v("covariance_reg", o.covariance_reg);
  v("max_points", o.max_points);
  v("strength", o.strength);
}
template <class V>
void fields(V& v, DynamicsFitOptions& o) {
  v("regularization", o.regularization);
  v("min_variance", o.min_variance);
  v("initial_state_var", o.initial_state_var);
  v("full_initial_covariance", o.full_initial_covariance);
}
template <class V>
void fields(V& v, PolicyFitOptions& o) {
  v("regularization", o.regularization);
  v("min_variance", o.min_variance);
}
template <class V>
void fields(V& v, CostOptions& o) {
  v("weighting", o.weighting);
  v("curvature_window", o.curvature_window);
  v("curvature_ridge", o.curvature_ridge);
  v("min_curvature", o.min_curvature);
  v("secant_curvature", o.secant_curvature);
  v("scale", o.scale);
}
template <class V>
void fields(V& v, TrustRegionOptions& o) {
  v("kl_step", o.kl_step);
  v("kappa_init", o.kappa_init);
  v("kappa_min", o.kappa_min);
  v("kappa_max", o.kappa_max);
  v("kl_tolerance", o.kl_tolerance);
  v("max_iterations", o.max_iterations);
  v("entropy_weight", o.lqg.entropy_weight);
  v("min_action_variance", o.lqg.min_action_variance);
  v("max_action_variance", o.lqg.max_action_variance);
  v("pd_delta_init", o.lqg.pd_delta_init);
  v("kappa_cap", o.lqg.kappa_cap);
}
template <class V>
void fields(V& v, StepSizeOptions& o) {
  v("init_step_mult", o.init_step_mult);
  v("min_step_mult", o.min_step_mult);
  v("max_step_mult", o.max_step_mult);
  v("min_mult_change", o.min_mult_change);
  v("max_mult_change", o.max_mult_change);
  v("min_improvement_gap", o.min_improvement_gap);
  v("limit_to_realised_kl", o.limit_to_realised_kl);
}
template <class V>
void fields(V& v, BadmmOptions& o) {
  v("inner_iterations", o.inner_iterations);
  v("dual_rate", o.dual_rate);
  v("init_nu", o.init_nu);
  v("precision_scaled_lambda", o.precision_scaled_lambda);
  v("nu_rule", o.nu_rule);
  v("lg_step", o.lg_step);
  v("min_nu", o.min_nu);
  v("ratio_decrease_below", o.ratio_decrease_below);
  v("ratio_increase_at", o.ratio_increase_at);
  v("mean_std_lower", o.mean_std_lower);
  v("mean_std_upper", o.mean_std_upper);
  v("nu_decrease", o.nu_decrease);
  v("nu_increase", o.nu_increase);
}
template <class V>
void fields(V& v, SamplingOptions& o) {
  v("iterations", o.iterations);
  v("trajectories", o.trajectories);
  v("horizon", o.horizon);
  v("coordinates_per_group", o.coordinates_per_group);
  v("initial_action_variance", o.initial_action_variance);
}
template <class V>
void sections(V& v, GpsConfig& c) {
  v.section("sampling", c.sampling);
  v.section("dynamics_prior", c.dynamics_prior);
  v.section("policy_prior", c.policy_prior);
  v.section("dynamics", c.dynamics);
  v.section("policy_fit", c.policy_fit);
  v.section("cost", c.cost);
  v.section("trust_region", c.trust_region);
  v.section("step_size", c.step_size);
  v.section("badmm", c.badmm);
}

struct Writer {
  nlohmann::json* out = nullptr;
  template <class T>
  void operator()(const char* name, T& value) {
    if constexpr (std::is_same_v<T, NuRule> || std::is_same_v<T, CostWeighting>)
      (*out)[name] = to_string(value);
    else
      (*out)[name] = value;
  }
  template <class S>
  void section(const char* name, S& s) {
    nlohmann::json obj = nlohmann::json::object();
    Writer w{&obj};
    fields(w, s);
    (*out)[name] = obj;
  }
};

struct Reader {
  const nlohmann::json* in = nullptr;
  std::string prefix;
  std::set<std::string> seen;
  template <class T>
  void operator()(const char* name, T& value) {
    seen.insert(name);
    if (!in->contains(name)) return;
    const auto& j = (*in)[name];
    const std::string field = prefix + name;
    if constexpr (std::is_same_v<T, NuRule>) {
      if (!j.is_string()) throw Error(fmt::format("gps config: {} must be a string", field));
      value = parse_nu_rule(j.get<std::string>());
    } else if constexpr (std::is_same_v<T, CostWeighting>) {
      if (!j.is_string()) throw Error(fmt::format("gps config: {} must be a string", field));
      value = parse_cost_weighting(j.get<std::string>());
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!j.is_boolean()) throw Error(fmt::format("gps config: {} must be true or false", field));
      value = j.get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!j.is_number_integer()) throw Error(fmt::format("gps config: {} must be an integer", field));
      value = j.get<T>();
    } else {
      if (!j.is_number()) throw Error(fmt::format("gps config: {} must be a number", field));
      value = j.get<T>();
    }
  }
  template <class S>
  void section(const char* name, S& s) {
    seen.insert(name);
    if (!in->contains(name)) return;
    const auto& obj = (*in)[name];
    if (!obj.is_object()) throw Error(fmt::format("gps config: section '{}' must be an object", name));
    Reader r{&obj, std::string(name) + ".", {}};
    fields(r, s);
    r.reject_unknown();
  }
  void reject_unknown() const {
    for (auto it = in->begin(); it != in->end(); ++it)
      if (!seen.count(it.key())) throw Error(fmt::format("gps config: unknown field '{}{}'", prefix, it.key()));
  }
};

void check(bool ok, const char* field, const std::string& what) {
  if (!ok) throw Error(fmt::format("gps config: {} {}", field, what));
}
bool finite_pos(double x) { return std::isfinite(x) && x > 0.0; }
bool finite_nonneg(double x) { return std::isfinite(x) && x >= 0.0; }

void validate_prior(const GmmPriorOptions& o, const std::string& s) {
  check(o.max_clusters >= 1, (s + ".max_clusters").c_str(), "must be >= 1");
  check(o.min_samples_per_cluster >= 1, (s + ".min_samples_per_cluster").c_str(), "must be >= 1");
  check(o.max_iterations >= 1, (s + ".max_iterations").c_str(), "must be >= 1");
  check(finite_pos(o.tolerance), (s + ".tolerance").c_str(), "must be > 0");
  check(finite_pos(o.covariance_reg), (s + ".covariance_reg").c_str(), "must be > 0");
  check(o.max_points >= 2, (s + ".max_points").c_str(), "must be >= 2");
  check(finite_nonneg(o.strength), (s + ".strength").c_str(), "must be >= 0");
}

}  // namespace

void GpsConfig::validate() const {
  const auto& s = sampling;
  check(s.iterations >= 1, "sampling.iterations", "must be >= 1");
  check(s.trajectories >= 1, "sampling.trajectories", "must be >= 1");
  check(s.horizon >= 2, "sampling.horizon", "must be >= 2");
  check(s.coordinates_per_group >= 1, "sampling.coordinates_per_group", "must be >= 1");
  check(finite_pos(s.initial_action_variance), "sampling.initial_action_variance", "must be > 0");
  validate_prior(dynamics_prior, "dynamics_prior");
  validate_prior(policy_prior, "policy_prior");
  check(finite_nonneg(dynamics.regularization), "dynamics.regularization", "must be >= 0");
  check(finite_pos(dynamics.min_variance), "dynamics.min_variance", "must be > 0");
  check(finite_pos(dynamics.initial_state_var), "dynamics.initial_state_var", "must be > 0");
  check(finite_nonneg(policy_fit.regularization), "policy_fit.regularization", "must be >= 0");
  check(finite_pos(policy_fit.min_variance), "policy_fit.min_variance", "must be > 0");
  check(cost.curvature_window >= 0, "cost.curvature_window", "must be >= 0");
  check(finite_nonneg(cost.curvature_ridge), "cost.curvature_ridge", "must be >= 0");
  check(std::isfinite(cost.min_curvature), "cost.min_curvature", "must be finite");
  check(finite_pos(cost.scale), "cost.scale", "must be finite and > 0");
  const auto& tr = trust_region;
  check(finite_pos(tr.kl_step), "trust_region.kl_step", "must be > 0");
  check(finite_pos(tr.kappa_min), "trust_region.kappa_min", "must be > 0");
  check(finite_pos(tr.kappa_max) && tr.kappa_max > tr.kappa_min, "trust_region.kappa_max", "must exceed kappa_min");
  check(tr.kappa_init >= tr.kappa_min && tr.kappa_init <= tr.kappa_max, "trust_region.kappa_init",
        "must lie in [kappa_min, kappa_max]");
  check(tr.kl_tolerance > 0.0 && tr.kl_tolerance < 1.0, "trust_region.kl_tolerance", "must lie in (0, 1)");
  check(tr.max_iterations >= 1, "trust_region.max_iterations", "must be >= 1");
  check(finite_nonneg(tr.lqg.entropy_weight), "trust_region.entropy_weight", "must be >= 0");
  check(finite_pos(tr.lqg.min_action_variance), "trust_region.min_action_variance", "must be > 0");
  check(finite_pos(tr.lqg.max_action_variance) && tr.lqg.max_action_variance > tr.lqg.min_action_variance,
        "trust_region.max_action_variance", "must exceed min_action_variance");
  check(finite_pos(tr.lqg.pd_delta_init), "trust_region.pd_delta_init", "must be > 0");
  check(finite_pos(tr.lqg.kappa_cap), "trust_region.kappa_cap", "must be > 0");
  const auto& st = step_size;
  check(finite_pos(st.min_step_mult), "step_size.min_step_mult", "must be > 0");
  check(finite_pos(st.max_step_mult) && st.max_step_mult >= st.min_step_mult, "step_size.max_step_mult",
        "must be >= min_step_mult");
  check(st.init_step_mult >= st.min_step_mult && st.init_step_mult <= st.max_step_mult, "step_size.init_step_mult",
        "must lie in [min_step_mult, max_step_mult]");
  check(finite_pos(st.min_mult_change), "step_size.min_mult_change", "must be > 0");
  check(finite_pos(st.max_mult_change) && st.max_mult_change >= st.min_mult_change, "step_size.max_mult_change",
        "must be >= min_mult_change");
  check(finite_pos(st.min_improvement_gap), "step_size.min_improvement_gap", "must be > 0");
  const auto& b = badmm;
  check(b.inner_iterations >= 1, "badmm.inner_iterations", "must be >= 1");
  check(finite_nonneg(b.dual_rate), "badmm.dual_rate", "must be >= 0");
  check(finite_pos(b.init_nu), "badmm.init_nu", "must be > 0");
  check(std::isfinite(b.lg_step), "badmm.lg_step", "must be finite");
  check(finite_nonneg(b.min_nu), "badmm.min_nu", "must be >= 0");
  check(finite_pos(b.ratio_decrease_below) && b.ratio_increase_at >= b.ratio_decrease_below, "badmm.ratio_increase_at",
        "must be >= ratio_decrease_below > 0");
  check(finite_nonneg(b.mean_std_lower), "badmm.mean_std_lower", "must be >= 0");
  check(finite_nonneg(b.mean_std_upper), "badmm.mean_std_upper", "must be >= 0");
  check(b.nu_decrease > 0.0 && b.nu_decrease <= 1.0, "badmm.nu_decrease", "must lie in (0, 1]");
  check(std::isfinite(b.nu_increase) && b.nu_increase >= 1.0, "badmm.nu_increase", "must be >= 1");
}

nlohmann::json to_json(const GpsConfig& config) {
  nlohmann::json out = nlohmann::json::object();
  Writer w{&out};
  GpsConfig copy = config;
  sections(w, copy);
  return out;
}

GpsConfig gps_config_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("gps config: expected a JSON object");
  GpsConfig c;
  Reader r{&j, "", {}};
  sections(r, c);
  r.reject_unknown();
  c.validate();
  return c;
}

}  // namespace l2o::gps
