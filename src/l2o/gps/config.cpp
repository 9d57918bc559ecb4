#include "l2o/gps/config.hpp"

#include <fmt/core.h>

#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/core/field_table.hpp"

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

const char* to_string(GpsAlgorithm algorithm) { return algorithm == GpsAlgorithm::Mdgps ? "mdgps" : "badmm"; }

GpsAlgorithm parse_gps_algorithm(const std::string& name) {
  if (name == "badmm") return GpsAlgorithm::Badmm;
  if (name == "mdgps") return GpsAlgorithm::Mdgps;
  throw Error(fmt::format("gps config: algorithm '{}' is not one of badmm, mdgps", name));
}

CostWeighting parse_cost_weighting(const std::string& name) {
  if (name == "remaining") return CostWeighting::Remaining;
  if (name == "uniform") return CostWeighting::Uniform;
  throw Error(fmt::format("gps config: cost.weighting '{}' is not one of remaining, uniform", name));
}

namespace {

// The fields of each section: name, type, range, doc (core/field_table.hpp). Defaults are the
// structs' (config.hpp, with their provenance); cross-field conditions are in validate().
using GP = GmmPriorOptions;
const FieldTable<GP>& prior_fields() {
  static const FieldTable<GP> t{
      integer<GP>("max_clusters", &GP::max_clusters, at_least(1), "mixture components at most"),
      integer<GP>("min_samples_per_cluster", &GP::min_samples_per_cluster, at_least(1),
                  "clusters = max(2, min(max_clusters, points / this))"),
      integer<GP>("max_iterations", &GP::max_iterations, at_least(1), "EM iterations at most"),
      number<GP>("tolerance", &GP::tolerance, positive(), "EM stops when the log-likelihood changes less"),
      number<GP>("covariance_reg", &GP::covariance_reg, positive(), "ridge on each component, relative to the data"),
      integer<GP>("max_points", &GP::max_points, at_least(2), "random subsample the GMM is fitted to"),
      number<GP>("strength", &GP::strength, nonnegative(), "NIW pseudo-counts m = n0"),
  };
  return t;
}
using DF = DynamicsFitOptions;
const FieldTable<DF>& dynamics_fields() {
  static const FieldTable<DF> t{
      number<DF>("regularization", &DF::regularization, nonnegative(), "ridge on the (s,a) covariance, relative"),
      number<DF>("min_variance", &DF::min_variance, positive(), "eigenvalue floor of the noise covariance"),
      number<DF>("initial_state_var", &DF::initial_state_var, positive(), "floor of the initial-state variances"),
      boolean<DF>("full_initial_covariance", &DF::full_initial_covariance, "full (else diagonal) initial covariance"),
  };
  return t;
}
using PF = PolicyFitOptions;
const FieldTable<PF>& policy_fit_fields() {
  static const FieldTable<PF> t{
      number<PF>("regularization", &PF::regularization, nonnegative(), "ridge of the policy linearisation, relative"),
      number<PF>("min_variance", &PF::min_variance, positive(), "eigenvalue floor of the residual covariance"),
  };
  return t;
}
using CO = CostOptions;
const FieldTable<CO>& cost_fields() {
  static const FieldTable<CO> t{
      choice<CO>("weighting", &CO::weighting,
                 {{"remaining", CostWeighting::Remaining}, {"uniform", CostWeighting::Uniform}},
                 "remaining: a step's change is paid at every later step; uniform: only once"),
      integer<CO>("curvature_window", &CO::curvature_window, nonnegative(), "curvature of step t fitted on t-w..t+w"),
      number<CO>("curvature_ridge", &CO::curvature_ridge, nonnegative(), "shrinkage toward the all-steps curvature"),
      number<CO>("min_curvature", &CO::min_curvature, finite(), "floor of the fitted curvatures"),
      boolean<CO>("secant_curvature", &CO::secant_curvature, "curvature from gradient secants (else least squares)"),
      number<CO>("scale", &CO::scale, positive(), "multiplies the whole cost (units of nats per coordinate)"),
  };
  return t;
}
using TR = TrustRegionOptions;
const FieldTable<TR>& trust_region_fields() {
  static const FieldTable<TR> t{
      number<TR>("kl_step", &TR::kl_step, positive(), "per-step KL budget; epsilon = kl_step * T * step_mult"),
      number<TR>("kappa_init", &TR::kappa_init, positive(), "kappa of the first iteration"),
      number<TR>("kappa_min", &TR::kappa_min, positive(), "dual search bracket, low end"),
      number<TR>("kappa_max", &TR::kappa_max, positive(), "dual search bracket, high end"),
      number<TR>("kl_tolerance", &TR::kl_tolerance, open(0, 1), "accept |KL - eps| < tol * eps"),
      integer<TR>("max_iterations", &TR::max_iterations, at_least(1), "dual search iterations"),
      number<TR>("entropy_weight", [](auto& o) -> auto& { return o.lqg.entropy_weight; }, nonnegative(),
                 "extra maximum-entropy weight"),
      number<TR>("min_action_variance", [](auto& o) -> auto& { return o.lqg.min_action_variance; }, positive(),
                 "eigenvalue clamp of psi's covariance, low end"),
      number<TR>("max_action_variance", [](auto& o) -> auto& { return o.lqg.max_action_variance; }, positive(),
                 "eigenvalue clamp of psi's covariance, high end"),
      number<TR>("pd_delta_init", [](auto& o) -> auto& { return o.lqg.pd_delta_init; }, positive(),
                 "first kappa increment when Q_aa is not positive definite"),
      number<TR>("kappa_cap", [](auto& o) -> auto& { return o.lqg.kappa_cap; }, positive(),
                 "give up when kappa reaches this"),
  };
  return t;
}
using SS = StepSizeOptions;
const FieldTable<SS>& step_size_fields() {
  static const FieldTable<SS> t{
      number<SS>("init_step_mult", &SS::init_step_mult, positive(), "initial step multiplier"),
      number<SS>("min_step_mult", &SS::min_step_mult, positive(), "step multiplier, low end"),
      number<SS>("max_step_mult", &SS::max_step_mult, positive(), "step multiplier, high end"),
      number<SS>("min_mult_change", &SS::min_mult_change, positive(), "clip of one iteration's change, low end"),
      number<SS>("max_mult_change", &SS::max_mult_change, positive(), "clip of one iteration's change, high end"),
      number<SS>("min_improvement_gap", &SS::min_improvement_gap, positive(), "floor of (predicted - actual)"),
      boolean<SS>("limit_to_realised_kl", &SS::limit_to_realised_kl, "lower step_mult to the KL step actually taken"),
  };
  return t;
}
using BA = BadmmOptions;
const FieldTable<BA>& badmm_fields() {
  static const FieldTable<BA> t{
      integer<BA>("inner_iterations", &BA::inner_iterations, at_least(1), "BADMM iterations per GPS iteration"),
      number<BA>("dual_rate", &BA::dual_rate, nonnegative(), "alpha, the lambda step"),
      number<BA>("init_nu", &BA::init_nu, positive(), "nu_0"),
      boolean<BA>("precision_scaled_lambda", &BA::precision_scaled_lambda, "lambda step scaled by G_t^-1"),
      choice<BA>("nu_rule", &BA::nu_rule,
                 {{"dual_ascent", NuRule::DualAscent}, {"fixed_step", NuRule::FixedStep},
                  {"kl_ratio", NuRule::KlRatio}, {"mean_std", NuRule::MeanStd}},
                 "schedule of the BADMM weights nu"),
      number<BA>("lg_step", &BA::lg_step, finite(), "step of the additive nu rules"),
      number<BA>("min_nu", &BA::min_nu, nonnegative(), "floor of nu"),
      number<BA>("ratio_decrease_below", &BA::ratio_decrease_below, positive(), "kl_ratio: halve nu below"),
      number<BA>("ratio_increase_at", &BA::ratio_increase_at, positive(), "kl_ratio: double nu at"),
      number<BA>("mean_std_lower", &BA::mean_std_lower, nonnegative(), "mean_std: decrease below mean - lower*std"),
      number<BA>("mean_std_upper", &BA::mean_std_upper, nonnegative(), "mean_std: increase at mean + upper*std"),
      number<BA>("nu_decrease", &BA::nu_decrease, left_open(0, 1), "factor of the multiplicative decrease"),
      number<BA>("nu_increase", &BA::nu_increase, at_least(1), "factor of the multiplicative increase"),
  };
  return t;
}
using SA = SamplingOptions;
const FieldTable<SA>& sampling_fields() {
  static const FieldTable<SA> t{
      integer<SA>("iterations", &SA::iterations, nonnegative(), "GPS iterations (0: the pre-trained pi only)"),
      integer<SA>("trajectories", &SA::trajectories, at_least(1), "trajectories per iteration"),
      integer<SA>("horizon", &SA::horizon, at_least(2), "T, steps per trajectory"),
      integer<SA>("coordinates_per_group", &SA::coordinates_per_group, at_least(1),
                  "coordinates subsampled per group and trajectory for the fits"),
      number<SA>("initial_action_variance", &SA::initial_action_variance, positive(), "G_t of the initial psi"),
  };
  return t;
}

using MD = MdgpsOptions;
const FieldTable<MD>& mdgps_fields() {
  static const FieldTable<MD> t{
      boolean<MD>("on_policy", &MD::on_policy, "sample pi after the first iteration (false: sample psi)"),
      number<MD>("noise_scale", &MD::noise_scale, nonnegative(), "multiplies the sd of pi's exploration noise"),
      integer<MD>("regression_epochs", &MD::regression_epochs, nonnegative(),
                  "epochs of the S-step regression (0: regression.epochs)"),
      boolean<MD>("residual_targets", &MD::residual_targets,
                  "S-step targets pi's mean plus psi's correction of its linearisation (false: psi's mean)"),
      integer<MD>("badmm_iterations", &MD::badmm_iterations, nonnegative(),
                  "first iterations run BADMM, the rest MDGPS from the pi they left"),
  };
  return t;
}

const FieldContext kGpsConfigContext{"gps config", "field", ""};

void check(bool ok, const char* field, const std::string& what) {
  if (!ok) throw Error(fmt::format("gps config: {} {}", field, what));
}
}  // namespace

void GpsConfig::validate() const {
  check_fields(gps_config_fields(), *this, kGpsConfigContext);
  // What the table cannot say: conditions between fields.
  const auto& tr = trust_region;
  check(tr.kappa_max > tr.kappa_min, "trust_region.kappa_max", "must exceed kappa_min");
  check(tr.kappa_init >= tr.kappa_min && tr.kappa_init <= tr.kappa_max, "trust_region.kappa_init",
        "must lie in [kappa_min, kappa_max]");
  check(tr.lqg.max_action_variance > tr.lqg.min_action_variance, "trust_region.max_action_variance",
        "must exceed min_action_variance");
  const auto& st = step_size;
  check(st.max_step_mult >= st.min_step_mult, "step_size.max_step_mult", "must be >= min_step_mult");
  check(st.init_step_mult >= st.min_step_mult && st.init_step_mult <= st.max_step_mult, "step_size.init_step_mult",
        "must lie in [min_step_mult, max_step_mult]");
  check(st.max_mult_change >= st.min_mult_change, "step_size.max_mult_change", "must be >= min_mult_change");
  check(badmm.ratio_increase_at >= badmm.ratio_decrease_below, "badmm.ratio_increase_at",
        "must be >= ratio_decrease_below");
}

const FieldTable<GpsConfig>& gps_config_fields() {
  using C = GpsConfig;
  static const FieldTable<C> t{
      section<C>("sampling", &C::sampling, sampling_fields(), "sizes of one GPS iteration"),
      section<C>("dynamics_prior", &C::dynamics_prior, prior_fields(), "GMM prior of the dynamics fit"),
      section<C>("policy_prior", &C::policy_prior, prior_fields(), "GMM prior of the policy linearisation"),
      section<C>("dynamics", &C::dynamics, dynamics_fields(), "per-step linear-Gaussian dynamics fit"),
      section<C>("policy_fit", &C::policy_fit, policy_fit_fields(), "linearisation of the global policy"),
      section<C>("cost", &C::cost, cost_fields(), "the tied quadratic cost"),
      section<C>("trust_region", &C::trust_region, trust_region_fields(), "KL trust region and LQG"),
      section<C>("step_size", &C::step_size, step_size_fields(), "step-size adaptation"),
      section<C>("badmm", &C::badmm, badmm_fields(), "BADMM duals and regression targets"),
      choice<C>("algorithm", &C::algorithm, {{"badmm", GpsAlgorithm::Badmm}, {"mdgps", GpsAlgorithm::Mdgps}},
                "badmm: LM17's BADMM GPS; mdgps: on-policy mirror-descent GPS"),
      section<C>("mdgps", &C::mdgps, mdgps_fields(), "mirror-descent GPS (algorithm mdgps)"),
  };
  return t;
}

nlohmann::json to_json(const GpsConfig& config) { return write_fields(gps_config_fields(), config); }

GpsConfig gps_config_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("gps config: expected a JSON object");
  GpsConfig c;
  read_fields(gps_config_fields(), j, c, kGpsConfigContext);
  c.validate();
  return c;
}

}  // namespace l2o::gps
