#include "l2o/gps/psd_gps_trainer.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/gps/algorithm/regression_sets.hpp"
#include "l2o/gps/controllers.hpp"
#include "l2o/gps/policy/policy_fit.hpp"
#include "l2o/gps/task_distribution.hpp"

namespace l2o::gps {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double mean_meta_loss(const std::vector<TrajectoryRecord>& rs) {
  double s = 0.0;
  for (const auto& r : rs) s += r.meta_loss();
  return rs.empty() ? std::numeric_limits<double>::quiet_NaN() : s / static_cast<double>(rs.size());
}

// optimizers.NAME.hyper of a tuned-values file (l2o tune).
nlohmann::json tuned_hyper_from(const std::string& path, const std::string& name) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open the tuned values for the teacher '{}' (run `l2o tune`)", path, name));
  try {
    return nlohmann::json::parse(in).at("optimizers").at(name).at("hyper");
  } catch (const nlohmann::json::exception&) {
    throw Error(fmt::format("{}: no readable entry optimizers.{}.hyper for the teacher", path, name));
  }
}

// Per network of `sharing`, 1 / RMS of each observation feature over the recorded samples of the
// groups it steps (1 where a feature is identically zero or the network has no samples).
std::vector<std::vector<double>> input_scales(const ParamLayout& layout, PolicySharing sharing,
                                              const std::vector<std::vector<Mat>>& obs, Index inputs) {
  const auto nets = policy_networks(sharing);
  std::vector<std::vector<double>> out;
  for (PolicyNet net : nets) {
    Eigen::ArrayXd sq = Eigen::ArrayXd::Zero(inputs);
    double n = 0.0;
    for (std::size_t g = 0; g < layout.groups.size(); ++g) {
      if (policy_network_for(layout.groups[g], layout.groups.size(), sharing) != net) continue;
      for (const Mat& o : obs[g]) sq += o.array().square().rowwise().sum(), n += static_cast<double>(o.cols());
    }
    std::vector<double> s(static_cast<std::size_t>(inputs), 1.0);
    for (Index r = 0; r < inputs; ++r)
      if (n > 0 && sq(r) > 0 && std::isfinite(sq(r))) s[static_cast<std::size_t>(r)] = 1.0 / std::sqrt(sq(r) / n);
    out.push_back(s);
  }
  return out;
}

std::uint64_t psi_noise_seed(std::uint64_t seed, const std::string& tag, Index n) {
  return derive_seed(seed, fmt::format("{}-noise-{}", tag, n));
}

}  // namespace

PsdGpsTrainer::PsdGpsTrainer(const MlpTask& task, PsdMetaTrainConfig config, std::uint64_t seed)
    : PsdGpsTrainer(std::vector<FamilyMember>{{&task, config.batch}}, config, seed) {}

PsdGpsTrainer::PsdGpsTrainer(std::vector<FamilyMember> family, PsdMetaTrainConfig config, std::uint64_t seed)
    : config_(std::move(config)), seed_(seed) {
  config_.validate();
  state_.regressor = PolicyRegressor(config_.regression);
  state_.buffer = RegressionBuffer(config_.regression.buffer_iterations);
  if (family.empty()) throw Error("psd meta-train: no task to meta-train on");
  if (config_.distribution.tasks > 0 && static_cast<int>(family.size()) != config_.distribution.tasks + 1)
    throw Error(fmt::format("psd meta-train: the family has {} tasks, the distribution asks for 1 + {}", family.size(),
                            config_.distribution.tasks));
  for (const FamilyMember& m : family) {
    if (!m.task) throw Error("psd meta-train: a family member without a task");
    family_.emplace_back(*m.task, m.batch, config_.gps.sampling.horizon, config_.cost_examples,
                         derive_seed(seed, "cost-set"), config_.adaptive_state);
    family_.back().set_init_rescale(config_.distribution.rescale_log10);
  }
  for (const RolloutTask& t : family_) slots_.push_back(group_slots(slot_layout(), t.layout()));
}

std::vector<TrajectoryRecord> PsdGpsTrainer::rollouts(
    const std::string& batch, Index count,
    const std::function<std::unique_ptr<Controller>(Index n, Index member)>& factory,
    const RecordOptions& record) const {
  const auto seeds = batch_seeds(seed_, batch, count);
  std::vector<Index> member(seeds.size());
  std::vector<const RolloutTask*> tasks;
  for (const RolloutTask& t : family_) tasks.push_back(&t);
  for (std::size_t n = 0; n < seeds.size(); ++n) member[n] = member_of_trajectory(seeds[n].init, family_size());
  return rollout_batch(
      tasks, member, config_.features, config_.state_features(),
      [&](Index n) { return factory(n, member[static_cast<std::size_t>(n)]); }, seeds, record);
}

std::vector<std::vector<LinearGaussianPolicy>> PsdGpsTrainer::psi_by_member() const {
  std::vector<std::vector<LinearGaussianPolicy>> out;
  for (const auto& map : slots_) {
    std::vector<LinearGaussianPolicy> v;
    for (std::size_t s : map) v.push_back(state_.psi[s]);
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<std::vector<double>> PsdGpsTrainer::step_factors(const StepScaling& scaling) const {
  std::vector<std::vector<double>> out;
  for (const RolloutTask& t : family_) {
    std::vector<double> f;
    for (const CoordinateGroup& g : t.layout().groups) f.push_back(scaling.factor(g, t.layout().groups.size()));
    out.push_back(std::move(f));
  }
  return out;
}

double PsdGpsTrainer::evaluate_pi(const PsdPolicy& policy) const {
  auto shared = std::make_shared<const PsdPolicy>(policy);
  return mean_meta_loss(rollouts(
      "eval", config_.eval_trajectories,
      [&](Index, Index k) { return make_pi_controller(family_[static_cast<std::size_t>(k)].layout(), shared); },
      RecordOptions{false, 0}));
}

nlohmann::json PsdGpsTrainer::choose_momentum(std::string& source) {
  if (config_.init.lr > 0) {
    source = "config";
    return {{"lr", config_.init.lr}, {"momentum", config_.init.momentum}};
  }
  if (!config_.init.tuned_path.empty() && std::filesystem::exists(config_.init.tuned_path)) {
    source = "tuned file " + config_.init.tuned_path;
    return tuned_hyper_from(config_.init.tuned_path, "momentum");
  }
  // Grid search on the meta-training objective (true meta-loss, meta-training seeds).
  source = "grid search";
  double best = std::numeric_limits<double>::infinity();
  nlohmann::json best_h;
  for (double mu : config_.init.momentum_grid)
    for (double lr : config_.init.lr_grid) {
      const nlohmann::json h = {{"lr", lr}, {"momentum", mu}};
      const double loss = mean_meta_loss(rollouts(
          "init-grid", config_.init.grid_seeds,
          [&](Index, Index k) {
            return make_hand_designed_controller(family_[static_cast<std::size_t>(k)].layout(), "momentum", h);
          },
          RecordOptions{false, 0}));
      if (best_h.is_null() || loss < best) best = loss, best_h = h;
    }
  return best_h;
}

InitReport PsdGpsTrainer::initialise() {
  const auto t0 = Clock::now();
  const ParamLayout& layout = slot_layout();
  const Index G = static_cast<Index>(layout.groups.size());
  const Index T = config_.gps.sampling.horizon;
  InitReport rep;
  rep.teacher = config_.init.teacher;
  if (rep.teacher == "momentum") {
    rep.teacher_hyper = choose_momentum(rep.teacher_source);
  } else {
    rep.teacher_hyper = tuned_hyper_from(config_.init.tuned_path, rep.teacher);
    rep.teacher_source = "tuned file " + config_.init.tuned_path;
  }
  const std::string teacher = rep.teacher;
  const nlohmann::json hyper = rep.teacher_hyper;
  auto teacher_controller = [&](Index, Index k) {
    return make_hand_designed_controller(family_[static_cast<std::size_t>(k)].layout(), teacher, hyper);
  };
  // Width-aware steps are relative to the command's net (member 0): its fan-ins are the
  // references, so its factors are 1, and other members' targets are regressed unscaled.
  StepScaling scaling = config_.arch.step_scaling;
  for (const CoordinateGroup& g : layout.groups)
    if (g.kind == GroupKind::Weight)
      (g.output_layer ? scaling.reference_output_fan_in : scaling.reference_hidden_fan_in) = static_cast<double>(g.cols);

  // Teacher rollouts with the recorded states and steps.
  auto rs = rollouts("init", config_.init.trajectories, teacher_controller,
                     RecordOptions{true, config_.gps.sampling.coordinates_per_group});
  std::vector<const TrajectoryRecord*> ok;
  for (const auto& r : rs)
    if (!r.diverged) ok.push_back(&r);
  if (ok.empty()) throw Error(fmt::format("psd meta-train: every {} rollout of the initialisation diverged", teacher));
  const PooledSamples p = pool_samples(ok, G, T, slots_, step_factors(scaling));

  // psi_g: the linear regression of the teacher's steps on the GPS state, per step, small covariance.
  state_.psi.clear();
  state_.groups.assign(static_cast<std::size_t>(G), GroupState{});
  double sq = 0.0, cnt = 0.0;
  for (Index g = 0; g < G; ++g) {
    const auto& s = p.samples[static_cast<std::size_t>(g)];
    LinearGaussianPolicy fit =
        fit_policy_linearisation(s.states, s.actions, Mat::Zero(1, 1), config_.gps.policy_fit, nullptr);
    std::vector<Mat> cov(static_cast<std::size_t>(T), Mat::Constant(1, 1, config_.gps.sampling.initial_action_variance));
    state_.psi.push_back(LinearGaussianPolicy::make(fit.K, fit.k, cov, "initial psi"));
    for (const Mat& a : s.actions) sq += a.squaredNorm(), cnt += static_cast<double>(a.size());
    GroupState& gs = state_.groups[static_cast<std::size_t>(g)];
    gs.duals = BadmmDuals::initial(T, 1, config_.gps.badmm);
    gs.kappa = config_.gps.trust_region.kappa_init;
    gs.step_mult = config_.gps.step_size.init_step_mult;
    gs.pi_var = config_.gps.sampling.initial_action_variance;  // psi's: pi is pre-trained onto it
  }
  rep.output_scale = cnt > 0 && sq > 0 ? std::sqrt(sq / cnt) : 1.0;

  // pi: fresh LSTM with the teacher's step scale, pre-trained onto psi's means.
  PsdPolicyConfig pc;
  pc.arch = config_.arch;
  pc.arch.output_scale = rep.output_scale;
  pc.features = config_.features;
  if (config_.init.standardise_inputs) pc.arch.input_scale = input_scales(layout, pc.arch.sharing, p.obs, pc.arch.input_count());
  pc.arch.step_scaling = scaling;
  state_.policy = std::make_shared<PsdPolicy>(PsdPolicy::fresh(pc, derive_seed(seed_, "policy-init")));
  std::vector<RegressionSet> sets = regression_sets(state_, layout, p);
  state_.buffer = RegressionBuffer(config_.regression.buffer_iterations);  // empty: the sets alone
  rep.regression_loss = state_.regressor.train(*state_.policy, state_.buffer.with(sets), config_.regression.init_epochs,
                                               derive_seed(seed_, "init-regression"));
  state_.buffer.push(std::move(sets));

  // Reference numbers on the evaluation seeds.
  rep.teacher_meta_loss =
      mean_meta_loss(rollouts("eval", config_.eval_trajectories, teacher_controller, RecordOptions{false, 0}));
  const auto psi_of = psi_by_member();
  rep.psi_meta_loss = mean_meta_loss(rollouts(
      "eval", config_.eval_trajectories,
      [&](Index n, Index k) {
        return make_psi_controller(family_[static_cast<std::size_t>(k)].layout(), psi_of[static_cast<std::size_t>(k)],
                                   derive_seed(seed_, fmt::format("eval-noise-{}", n)), false);
      },
      RecordOptions{false, 0}));
  rep.pi_meta_loss = evaluate_pi(*state_.policy);
  best_params_ = state_.policy->params();
  best_iteration_ = 0;
  best_meta_loss_ = std::isfinite(rep.pi_meta_loss) ? rep.pi_meta_loss : std::numeric_limits<double>::infinity();
  rep.seconds = since(t0);
  init_report_ = rep;
  initialised_ = true;
  iteration_ = 0;
  return rep;
}

IterationReport PsdGpsTrainer::run_iteration() {
  if (!initialised_) throw Error("psd meta-train: initialise() before run_iteration()");
  const auto t0 = Clock::now();
  const IterationContext ctx{config_, slot_layout(), seed_, iteration_, fmt::format("iter-{}", iteration_)};
  const Algorithm& algorithm = algorithm_for(config_.gps, iteration_);
  IterationReport rep;
  rep.iteration = iteration_ + 1;
  const SamplingPlan plan = algorithm.plan(state_, ctx);
  const PooledSamples p = sample(plan, ctx.tag, rep);
  algorithm.update(state_, ctx, p, rep);
  return conclude_iteration(std::move(rep), t0);
}

PooledSamples PsdGpsTrainer::sample(const SamplingPlan& plan, const std::string& tag, IterationReport& rep) const {
  rep.sampled = plan.from_pi ? "pi" : "psi";
  std::vector<std::vector<double>> noise_var;  // per member and group, from the group's slot
  std::shared_ptr<const PsdPolicy> sampler;    // pi as it is now, shared by the trajectories
  if (plan.from_pi) {
    for (const auto& map : slots_) {
      std::vector<double> v;
      for (std::size_t slot : map) v.push_back(plan.noise_var[slot]);
      noise_var.push_back(std::move(v));
    }
    sampler = std::make_shared<const PsdPolicy>(*state_.policy);
  }
  const auto psi_of = psi_by_member();
  auto factory = [&](Index n, Index k) -> std::unique_ptr<Controller> {
    const auto ks = static_cast<std::size_t>(k);
    if (!plan.from_pi) return make_psi_controller(family_[ks].layout(), psi_of[ks], psi_noise_seed(seed_, tag, n));
    return make_noisy_pi_controller(family_[ks].layout(), sampler, noise_var[ks],
                                    derive_seed(seed_, fmt::format("{}-pi-noise-{}", tag, n)));
  };
  const auto rs = rollouts(tag, config_.gps.sampling.trajectories, factory,
                           RecordOptions{true, config_.gps.sampling.coordinates_per_group});

  // Only trajectories that did not diverge are pooled (at least two must remain).
  std::vector<const TrajectoryRecord*> ok;
  double loss_sum = 0.0;
  for (const auto& r : rs)
    if (!r.diverged) ok.push_back(&r), loss_sum += r.meta_loss();
  rep.diverged = static_cast<int>(rs.size() - ok.size());
  if (ok.size() < 2)
    throw Error(fmt::format("psd meta-train: {} of {} {} trajectories diverged in iteration {}", rep.diverged,
                            rs.size(), rep.sampled, rep.iteration));
  rep.psi_meta_loss = loss_sum / static_cast<double>(ok.size());
  return pool_samples(ok, static_cast<Index>(slot_layout().groups.size()), config_.gps.sampling.horizon, slots_,
                      step_factors(state_.policy->config().arch.step_scaling));
}

IterationReport PsdGpsTrainer::conclude_iteration(IterationReport rep, std::chrono::steady_clock::time_point t0) {
  if (!state_.policy->params().allFinite()) throw Error("psd meta-train: the policy became non-finite");
  rep.pi_meta_loss = evaluate_pi(*state_.policy);
  if (rep.pi_meta_loss < best_meta_loss_) {
    best_meta_loss_ = rep.pi_meta_loss;
    best_iteration_ = iteration_ + 1;
    best_params_ = state_.policy->params();
  }
  ++iteration_;
  rep.seconds = since(t0);
  history_.push_back(rep);
  return rep;
}

PsdPolicy PsdGpsTrainer::best_policy() const {
  PsdPolicy p = *state_.policy;
  p.set_params(best_params_);
  return p;
}

}  // namespace l2o::gps
