#include "l2o/gps/meta_train_config.hpp"

#include <fmt/core.h>


#include "l2o/core/error.hpp"
#include "l2o/core/field_table.hpp"
#include "l2o/optim/registry.hpp"

namespace l2o::gps {
namespace {

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw Error(fmt::format("psd meta-train config: {} {}", field, why));
}

const FieldContext kMetaTrainConfigContext{"psd meta-train config", "field", ""};

using RO = RegressionOptions;
const FieldTable<RO>& regression_fields() {
  static const FieldTable<RO> t{
      number<RO>("learning_rate", &RO::learning_rate, positive(), "Adam step size of the theta-step"),
      number<RO>("beta1", &RO::beta1, right_open(0, 1), "Adam beta1"),
      number<RO>("beta2", &RO::beta2, right_open(0, 1), "Adam beta2"),
      number<RO>("adam_eps", &RO::adam_eps, positive(), "Adam epsilon"),
      integer<RO>("epochs", &RO::epochs, nonnegative(), "passes over the regression data per theta-step"),
      integer<RO>("truncation", &RO::truncation, at_least(1), "BPTT segment length (one Adam update each)"),
      integer<RO>("chunk_sequences", &RO::chunk_sequences, at_least(1), "sequences per update"),
      integer<RO>("buffer_iterations", &RO::buffer_iterations, at_least(1),
                  "iterations whose samples are regressed on (current included)"),
      number<RO>("weight_clip", &RO::weight_clip, positive(), "precision weights clipped at this multiple of the median"),
      integer<RO>("init_epochs", &RO::init_epochs, nonnegative(), "pre-training epochs of pi onto the initial psi"),
  };
  return t;
}

using IO = InitOptions;
const FieldTable<IO>& init_fields() {
  static const FieldTable<IO> t{
      text<IO>("teacher", &IO::teacher, "hand-designed optimizer whose steps the initial psi fits"),
      text<IO>("tuned_path", &IO::tuned_path, "tuned-values file of the teacher (used if it exists)"),
      number<IO>("lr", &IO::lr, nonnegative(), "> 0: the momentum teacher's step size (skips tuned file and grid)"),
      number<IO>("momentum", &IO::momentum, right_open(0, 1), "the momentum teacher's momentum, with lr > 0"),
      number_list<IO>("lr_grid", &IO::lr_grid, positive(), "step sizes of the grid search when nothing is given"),
      number_list<IO>("momentum_grid", &IO::momentum_grid, right_open(0, 1), "momenta of that grid search"),
      integer<IO>("grid_seeds", &IO::grid_seeds, at_least(1), "meta-training seeds per grid point"),
      integer<IO>("trajectories", &IO::trajectories, at_least(1), "teacher rollouts the psi fit uses"),
      boolean<IO>("standardise_inputs", &IO::standardise_inputs,
                  "set pi's input scale to 1/RMS of each feature on the teacher's rollouts"),
  };
  return t;
}

}  // namespace

const FieldTable<PsdMetaTrainConfig>& psd_meta_train_fields() {
  using C = PsdMetaTrainConfig;
  static const FieldTable<C> t{
      section<C>("gps", &C::gps, gps_config_fields(), "the constants of Convolutional GPS"),
      integer<C>("batch", &C::batch, at_least(1), "optimizee minibatch"),
      integer<C>("cost_examples", &C::cost_examples, nonnegative(),
                 "training examples the true objective is evaluated on (0: all)"),
      integer<C>("state_upper", &C::state_upper, closed(0, 1000), "upper index of S1, S2, S3 in the GPS state"),
      boolean<C>("adaptive_state", &C::adaptive_state, "add the AdaGrad direction to the GPS state"),
      integer<C>("eval_trajectories", &C::eval_trajectories, at_least(1), "pi rollouts per iteration for the report"),
      section<C>("regression", &C::regression, regression_fields(), "the theta-step (LSTM regression onto psi)"),
      section<C>("init", &C::init, init_fields(), "the initial psi (a teacher's steps)"),
      custom<C>(
          "arch", &C::arch, "policy architecture", [](const PsdArchitecture& a) { return a.to_json(); },
          [](const nlohmann::json& j, const std::string& where) { return PsdArchitecture::from_json(j, where); },
          "the policy (docs/psd.md)"),
      custom<C>(
          "features", &C::features, "feature settings", [](const FeatureConfig& f) { return f.to_json(); },
          [](const nlohmann::json& j, const std::string& where) { return FeatureConfig::from_json(j, where); },
          "the policy's observation features (docs/psd.md)"),
      section<C>("distribution", &C::distribution, task_distribution_fields(),
                 "meta-training over a family of tasks (docs/meta-training.md)"),
  };
  return t;
}

FeatureConfig PsdMetaTrainConfig::state_features() const {
  FeatureConfig f = features;
  f.s1_upper = f.s2_upper = f.s3_upper = state_upper;
  return f;
}

void PsdMetaTrainConfig::validate() const {
  check_fields(psd_meta_train_fields(), *this, kMetaTrainConfigContext);  // gps.validate() included, as a section
  gps.validate();                                          // and its conditions between fields
  if (init.lr == 0 && (init.lr_grid.empty() || init.momentum_grid.empty())) bad("init.lr_grid", "must not be empty");
  if (!is_hand_designed(init.teacher))
    bad("init.teacher", fmt::format("'{}' is not a hand-designed optimizer (sgd, momentum, cg, lbfgs, adagrad, adam, "
                                    "rmsprop)", init.teacher));
  features.validate("psd meta-train config: features");
  if (arch.inputs != features.observation_names())
    bad("arch.inputs", fmt::format("{} do not match the observation features {} (with features.moments set arch.inputs "
                                   "to those names and arch.lstm.input_size to {})",
                                   nlohmann::json(arch.inputs).dump(), nlohmann::json(features.observation_names()).dump(),
                                   features.observation_count()));
  // GPS's rollouts step the policy through its own controllers at the command's batch; a batch
  // factor is applied to a trained policy instead (l2o policy scale-batch; docs/psd.md).
  if (arch.batch_scaling.active())
    bad("arch.batch_scaling", "is not used in GPS meta-training; apply it to the trained policy with l2o policy scale-batch");
  if (arch.output_warmup.active())
    bad("arch.output_warmup", "is not used in GPS meta-training; apply it to the trained policy with l2o policy output-warmup");
  distribution.validate("psd meta-train config");
}

nlohmann::json PsdMetaTrainConfig::to_json() const { return write_fields(psd_meta_train_fields(), *this); }

PsdMetaTrainConfig PsdMetaTrainConfig::from_json(const nlohmann::json& j) {
  if (!j.is_object()) bad("", "must be a JSON object");
  PsdMetaTrainConfig c;
  read_fields(psd_meta_train_fields(), j, c, kMetaTrainConfigContext);
  c.validate();
  return c;
}

}  // namespace l2o::gps
