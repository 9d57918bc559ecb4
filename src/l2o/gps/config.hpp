#pragma once
// Every constant of Convolutional GPS in one place, with its default and where the default comes
// from (docs/gps.md has the full table). Each piece of src/l2o/gps takes the option struct of its
// own section, so a piece can be used without the rest; GpsConfig bundles them for the
// meta-trainer, with a JSON round trip and validation that names the offending field.
//
// Provenance tags in the comments: [GPS-code] = cbfinn/gps default, [LM16]/[LM17] = Li & Malik,
// [ours] = our choice where the sources are silent.
#include <nlohmann/json.hpp>
#include <string>

#include "l2o/core/field_table.hpp"
#include "l2o/core/types.hpp"

namespace l2o::gps {

// Gaussian mixture fitted by EM (dynamics/gmm.hpp).
struct GmmOptions {
  int clusters = 10;             // number of mixture components
  int max_iterations = 100;      // EM iterations at most [GPS-code]
  double tolerance = 1e-5;       // stop when the mean log-likelihood changes by < tol*(1+|ll|) [ours]
  double covariance_reg = 1e-6;  // ridge added to each component covariance, relative to the data's
                                 // per-dimension variance [GPS-code uses 1e-6 absolute; relative: ours]
};

// The GMM that supplies the normal-inverse-Wishart prior for a fit (dynamics or policy), §5.4.
struct GmmPriorOptions {
  int max_clusters = 10;             // [LM16: "a mixture of 10 Gaussians"]; GPS-code uses 50
  int min_samples_per_cluster = 20;  // clusters = max(2, min(max_clusters, points/this)) [GPS-code]
  int max_iterations = 50;           // [ours; GPS-code 100 on ~2000 points]: a prior needs a
                                     // reasonable mixture, not a converged one, and fits warm-start
  double tolerance = 1e-5;           // [ours]
  double covariance_reg = 1e-6;      // relative, see GmmOptions [GPS-code value]
  Index max_points = 5000;           // random subsample of pooled points the GMM is fitted to [ours;
                                     // GPS-code fits ~20 trajectories x T, about 2000 points]
  double strength = 1.0;             // NIW pseudo-counts m = n0 = strength [GPS-code, LFDA16]
};

// Per-time-step linear-Gaussian dynamics fit (dynamics/dynamics_fit.hpp), §5.4.
struct DynamicsFitOptions {
  double regularization = 1e-6;         // ridge on the (s,a) covariance block, relative to each
                                        // input's variance [GPS-code value; relative: ours]
  double min_variance = 1e-12;          // eigenvalue floor of the noise covariance F_t [ours]
  double initial_state_var = 1e-6;      // floor of the initial-state variances [GPS-code]
  bool full_initial_covariance = true;  // full initial-state covariance [ours]; false: diagonal [GPS-code]
};

// Linearisation of the global policy (policy/policy_fit.hpp), §5.5.
struct PolicyFitOptions {
  double regularization = 1e-6;  // as DynamicsFitOptions::regularization
  double min_variance = 1e-12;   // eigenvalue floor of the residual covariance [ours]
};

// How the per-step objective change is charged in the meta-loss sum_t f(x_t) (traj_opt/cost_model.hpp).
enum class CostWeighting {
  Remaining,  // weight T - t: the change made by a_t is paid at every later step [ours, default]
  Uniform,    // weight 1: only the immediate change (myopic; for ablations)
};

// The tied quadratic cost of §2.4 (traj_opt/cost_model.hpp).
struct CostOptions {
  CostWeighting weighting = CostWeighting::Remaining;
  int curvature_window = 2;       // curvature of step t is fitted on steps t-w..t+w [ours]
  double curvature_ridge = 1e-2;  // shrinkage toward the all-steps curvature, relative to the
                                  // mean diagonal of the normal equations [ours]
  double min_curvature = 0.0;     // floor of the fitted curvatures (keeps the cost convex in a) [ours]
  // true: h_{g,t} from the secant of the true gradient along each group's step,
  //   sum a_g . (grad_g(x_{t+1}) - grad_g(x_t)) / sum |a_g|^2 over the window and trajectories;
  // false: least squares of the objective change on the groups' 1/2 |a_g|^2 [ours, both].
  // The regression is ill-posed when all groups' steps scale together (docs/meta-training.md).
  bool secant_curvature = true;
  // Multiplies the whole cost. LQG's maximum-entropy trade-off and the KL weights nu, kappa are
  // in nats per coordinate, while one coordinate's share of the objective is ~1e-3 of it: a scale
  // brings the two to comparable units (docs/meta-training.md) [ours].
  double scale = 1.0;
};

// One LQG backward/forward pass (traj_opt/lqg.hpp), §5.3 items 1-4.
struct LqgOptions {
  double entropy_weight = 0.0;         // extra max-entropy weight in the divisor [GPS-code max_ent_traj]
  double min_action_variance = 1e-20;  // eigenvalue clamp of psi's covariance G_t [ours]
  double max_action_variance = 1e6;    // [ours]
  double pd_delta_init = 1e-4;         // first kappa increment when Q_aa is not PD, doubled each
                                       // retry [GPS-code]
  double kappa_cap = 1e16;             // give up (l2o::Error) when kappa reaches this [GPS-code]
};

// The KL trust region and the dual search on kappa (traj_opt/lqg.hpp), §5.3 items 5-6.
struct TrustRegionOptions {
  double kl_step = 0.2;       // per-step KL budget; epsilon = kl_step * T * step_mult [GPS-code]
  double kappa_init = 1.0;    // kappa of the first iteration; later ones carry it over [GPS-code]
  double kappa_min = 1e-8;    // dual search bracket [GPS-code]
  double kappa_max = 1e16;    // [GPS-code]
  double kl_tolerance = 0.1;  // accept |KL - eps| < tol * eps [GPS-code]
  int max_iterations = 50;    // dual search iterations [GPS-code]
  LqgOptions lqg;
};

// Step-size adaptation from predicted vs actual improvement (traj_opt/step_adjust.hpp), §5.3 item 6.
struct StepSizeOptions {
  double init_step_mult = 1.0;        // [GPS-code]
  double min_step_mult = 0.01;        // [GPS-code]
  double max_step_mult = 10.0;        // [GPS-code]
  double min_mult_change = 0.1;       // clip of one iteration's multiplier [GPS-code]
  double max_mult_change = 5.0;       // [GPS-code]
  double min_improvement_gap = 1e-4;  // floor of (predicted - actual) [GPS-code]
  bool limit_to_realised_kl = true;   // first lower step_mult to the KL step actually taken when it
                                      // fell short of the bound [GPS-code BADMM]
};

// Schedule of the BADMM weights nu_{g,t} (algorithm/badmm_duals.hpp), §5.2.
enum class NuRule {
  DualAscent,  // nu <- max(nu + lg_step * KL_t, min_nu) [GPS-code default]
  FixedStep,   // nu <- max(nu + lg_step, min_nu) [GPS-code fixed_lg_step=1]
  KlRatio,     // ×0.5 if KL_t/KL_t(prev) < 0.8, ×2 if >= 0.95 [GPS-code fixed_lg_step=2]
  MeanStd,     // ×0.5 if KL_t < mean - 1 std, ×2 if KL_t >= mean + 0.5 std [GPS-code fixed_lg_step=3]
};

// BADMM dual variables and policy-regression targets (algorithm/badmm_duals.hpp), §5.2 and §5.6.
struct BadmmOptions {
  int inner_iterations = 4;             // [GPS-code]
  double dual_rate = 0.1;               // alpha [GPS-code policy_dual_rate]
  double init_nu = 0.01;                // nu_0 [GPS-code init_pol_wt]
  bool precision_scaled_lambda = true;  // lambda step scaled by G_t^-1 [GPS-code]; false: LM17 text
  NuRule nu_rule = NuRule::DualAscent;
  double lg_step = 10.0;              // [GPS-code]
  double min_nu = 0.0;                // [GPS-code clamps at 0]
  double ratio_decrease_below = 0.8;  // KlRatio thresholds [GPS-code]
  double ratio_increase_at = 0.95;
  double mean_std_lower = 1.0;  // MeanStd: decrease below mean - lower*std [GPS-code]
  double mean_std_upper = 0.5;  // MeanStd: increase at mean + upper*std [GPS-code]
  double nu_decrease = 0.5;     // factors of the multiplicative rules [GPS-code]
  double nu_increase = 2.0;
};

// Which variant of GPS meta-trains pi (docs/meta-training.md, "Two algorithms").
enum class GpsAlgorithm {
  Badmm,  // LM17's: psi sampled, BADMM duals tie psi and pi [LM17, LFDA16]
  Mdgps,  // mirror-descent GPS (Montgomery & Levine 2016), on-policy: pi sampled, psi's LQG bounded
          // by the KL to the linearised pi, pi regressed onto psi at the states pi visited [ours]
};

// Mirror-descent GPS (algorithm/mdgps.cpp).
struct MdgpsOptions {
  bool on_policy = true;      // sample pi (its mean plus Gaussian noise) after the first iteration;
                              // false: sample psi every iteration (off-policy MDGPS) [M&L16 both]
  double noise_scale = 1.0;   // multiplies the standard deviation of pi's exploration noise, whose
                              // variance per group is the fitted covariance of pi [ours]
  int regression_epochs = 0;  // epochs of the S-step regression; 0: regression.epochs [ours]
  // The S-step's targets: true: pi's own mean plus psi's correction of pi's linearisation,
  // mu_pi(s) + mu_psi(s) - mu_pibar(s), which leaves pi unchanged where psi equals pibar;
  // false: psi's mean mu_psi(s) (M&L16), which also pulls pi toward its own linearisation [ours].
  bool residual_targets = true;
  // The first badmm_iterations iterations run BADMM (which exploits the teacher's psi, whose
  // trust region is centred on the sampled psi), the rest on-policy MDGPS from the pi they left
  // (step multipliers reset, pi's exploration variance from the current psi) [ours].
  int badmm_iterations = 0;
};

// Sizes of one GPS iteration (used by the meta-trainer; collected here so one file holds them).
struct SamplingOptions {
  int iterations = 10;                    // GPS iterations [ours; LM17 silent, GPS-code example 12]
  int trajectories = 20;                  // trajectories per iteration [LM16: 20]
  int horizon = 400;                      // T [LM17]
  int coordinates_per_group = 200;        // coordinates subsampled per group and trajectory for the
                                          // fits [ours, method §2.5 "a few hundred"]
  double initial_action_variance = 1e-6;  // G_t of the initial psi (steps of ~1e-3) [ours]
};

struct GpsConfig {
  SamplingOptions sampling;
  GmmPriorOptions dynamics_prior;
  GmmPriorOptions policy_prior;
  DynamicsFitOptions dynamics;
  PolicyFitOptions policy_fit;
  CostOptions cost;
  TrustRegionOptions trust_region;
  StepSizeOptions step_size;
  BadmmOptions badmm;
  GpsAlgorithm algorithm = GpsAlgorithm::Badmm;
  MdgpsOptions mdgps;

  // Throws l2o::Error("gps config: <section>.<field> ...") for the first invalid value.
  void validate() const;
};

// JSON with one object per section and the field names of the structs above. Reading starts
// from the defaults, so missing fields keep them; unknown fields and wrong types are errors
// (naming the field); the result is validated.
nlohmann::json to_json(const GpsConfig& config);
GpsConfig gps_config_from_json(const nlohmann::json& j);
// The table behind both (core/field_table.hpp): every section and field with its range and doc.
const FieldTable<GpsConfig>& gps_config_fields();

const char* to_string(NuRule rule);
const char* to_string(GpsAlgorithm algorithm);
GpsAlgorithm parse_gps_algorithm(const std::string& name);  // throws l2o::Error on unknown names
const char* to_string(CostWeighting weighting);
NuRule parse_nu_rule(const std::string& name);                // throws l2o::Error on unknown names
CostWeighting parse_cost_weighting(const std::string& name);  // throws l2o::Error on unknown names

}  // namespace l2o::gps
