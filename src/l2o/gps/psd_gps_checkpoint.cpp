// PsdGpsTrainer's checkpoint: the whole GpsState, pi's best parameters, the reports, and the
// settings it must be resumed with.
#include "l2o/gps/psd_gps_trainer.hpp"

#include <fmt/core.h>

#include <cmath>
#include <utility>

#include "l2o/core/error.hpp"
#include "l2o/core/json_integer.hpp"
#include "l2o/gps/matrix_json.hpp"

namespace l2o::gps {
namespace {

// The numbers of a group's state under their JSON keys; pi_var, which checkpoints of BADMM runs
// before MDGPS lack, is read apart.
constexpr std::pair<const char*, double GroupState::*> kGroupStateNumbers[] = {
    {"kappa", &GroupState::kappa},
    {"step_mult", &GroupState::step_mult},
    {"prev_objective", &GroupState::prev_objective},
    {"predicted_objective", &GroupState::predicted_objective},
    {"last_kl", &GroupState::last_kl}};

}  // namespace

nlohmann::json PsdGpsTrainer::checkpoint() const {
  if (!initialised_) throw Error("psd meta-train: nothing to checkpoint before the initialisation");
  auto groups = nlohmann::json::array();
  for (std::size_t g = 0; g < state_.groups.size(); ++g) {
    const GroupState& s = state_.groups[g];
    nlohmann::json o = {{"psi", policy_to_json(state_.psi[g])},  {"lambda", vecs_to_json(s.duals.lambda)},
                        {"nu", vec_to_json(s.duals.nu)},         {"prev_kl", vec_to_json(s.duals.prev_kl)},
                        {"has_model", s.has_model},               {"pi_var", s.pi_var}};
    for (const auto& [key, field] : kGroupStateNumbers) o[key] = s.*field;
    groups.push_back(std::move(o));
  }
  auto hist = nlohmann::json::array();
  for (const auto& h : history_) hist.push_back(h.to_json());
  const PsdPolicy& policy = *state_.policy;
  return {{"format", "l2o-psd-gps-checkpoint"},
          {"version", 1},
          {"seed", seed_},
          {"config", config_.to_json()},
          {"iteration", iteration_},
          {"groups", groups},
          {"policy", {{"arch", policy.config().arch.to_json()}, {"params", vec_to_json(policy.params())}}},
          {"best", {{"params", vec_to_json(best_params_)}, {"iteration", best_iteration_}, {"meta_loss", best_meta_loss_}}},
          {"regressor", state_.regressor.save()},
          {"buffer", state_.buffer.save()},
          {"init", init_report_.to_json()},
          {"history", hist}};
}

// A checkpoint that parses can still hold numbers that no run of this setting produces (a damaged
// or hand-edited file): everything a resumed iteration indexes or multiplies is checked here, so
// that such a file is an l2o::Error and never an out-of-bounds access or a NaN in the policy.
void PsdGpsTrainer::check_restored(const std::string& where) const {
  auto fail = [&](const std::string& what) {
    throw Error(fmt::format("{}: checkpoint field {} does not fit this run", where, what));
  };
  const Index T = config_.gps.sampling.horizon;
  if (iteration_ < 0) fail("'iteration' (negative)");
  for (std::size_t g = 0; g < state_.psi.size(); ++g) {
    const LinearGaussianPolicy& p = state_.psi[g];
    if (p.steps() != T || p.state_dim() != config_.state_dim() || p.action_dim() != 1)
      fail(fmt::format("'groups[{}].psi' ({} steps of {} x {}; this run has {} of 1 x {})", g, p.steps(),
                       p.action_dim(), p.state_dim(), T, config_.state_dim()));
    const GroupState& s = state_.groups[g];
    if (static_cast<Index>(s.duals.lambda.size()) != T || s.duals.nu.size() != T || !s.duals.nu.allFinite())
      fail(fmt::format("'groups[{}].lambda/nu'", g));
    for (const Vec& l : s.duals.lambda)
      if (l.size() != 1 || !l.allFinite()) fail(fmt::format("'groups[{}].lambda'", g));
    if (!s.duals.prev_kl.allFinite() || (s.duals.prev_kl.size() != 0 && s.duals.prev_kl.size() != T))
      fail(fmt::format("'groups[{}].prev_kl'", g));
    if (!std::isfinite(s.kappa) || !(s.kappa > 0) || !std::isfinite(s.step_mult) || !(s.step_mult > 0) ||
        !std::isfinite(s.prev_objective) || !std::isfinite(s.predicted_objective) || !std::isfinite(s.last_kl) ||
        !std::isfinite(s.pi_var) || s.pi_var < 0)
      fail(fmt::format("'groups[{}]' (kappa, step_mult, objectives, KL and pi_var must be finite)", g));
  }
  if (!state_.policy->params().allFinite()) fail("'policy.params' (not finite)");
  if (best_params_.size() != state_.policy->num_params() || !best_params_.allFinite())
    fail("'best.params' (size or values)");
  if (!std::isfinite(init_report_.output_scale)) fail("'init.output_scale'");
}

void PsdGpsTrainer::restore(const nlohmann::json& j, const std::string& where) {
  try {
    if (j.value("format", "") != "l2o-psd-gps-checkpoint")
      throw Error(fmt::format("{}: not a PSD GPS checkpoint", where));
    if (json_integer<std::uint64_t>(j.at("seed"), "seed") != seed_)
      throw Error(fmt::format("{}: written with --seed {}, this run has --seed {}", where, json_integer<std::uint64_t>(j.at("seed"), "seed"), seed_));
    PsdMetaTrainConfig saved = PsdMetaTrainConfig::from_json(j.at("config"));
    // Everything but the iteration count must match (a resumed run may be asked for more iterations).
    saved.gps.sampling.iterations = config_.gps.sampling.iterations;
    if (saved.to_json() != config_.to_json())
      throw Error(fmt::format("{}: written with different settings (config, horizon, samples or batch)", where));
    iteration_ = json_integer<int>(j.at("iteration"), "iteration");
    state_.psi.clear();
    state_.groups.clear();
    for (const auto& g : j.at("groups")) {
      state_.psi.push_back(policy_from_json(g.at("psi")));
      GroupState s;
      s.duals.lambda = vecs_from_json(g.at("lambda"));
      s.duals.nu = vec_from_json(g.at("nu"));
      s.duals.prev_kl = vec_from_json(g.at("prev_kl"));
      for (const auto& [key, field] : kGroupStateNumbers) s.*field = g.at(key).get<double>();
      s.has_model = g.at("has_model").get<bool>();
      s.pi_var = g.value("pi_var", 0.0);
      state_.groups.push_back(std::move(s));
    }
    if (state_.psi.size() != slot_layout().groups.size())
      throw Error(fmt::format("{}: {} coordinate groups, the task has {}", where, state_.psi.size(),
                              slot_layout().groups.size()));
    PsdPolicyConfig pc;
    pc.arch = PsdArchitecture::from_json(j.at("policy").at("arch"), where);
    pc.features = config_.features;
    state_.policy = std::make_shared<PsdPolicy>(pc);
    state_.policy->set_params(vec_from_json(j.at("policy").at("params")));
    best_params_ = vec_from_json(j.at("best").at("params"));
    best_iteration_ = json_integer<int>(j.at("best").at("iteration"), "best.iteration");
    best_meta_loss_ = j.at("best").at("meta_loss").get<double>();
    state_.regressor = PolicyRegressor(config_.regression);
    state_.regressor.load(j.at("regressor"));
    state_.buffer = RegressionBuffer(config_.regression.buffer_iterations);
    state_.buffer.load(j.at("buffer"));
    init_report_ = InitReport::from_json(j.at("init"));
    history_.clear();
    for (const auto& h : j.at("history")) history_.push_back(IterationReport::from_json(h));
    check_restored(where);
    initialised_ = true;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: malformed checkpoint ({})", where, e.what()));
  } catch (const Error& e) {
    throw in_context(e, where);
  }
}

}  // namespace l2o::gps
