#include "l2o/gps/psd_gps_trainer.hpp"
#include "l2o/core/json_integer.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/gps/controllers.hpp"
#include "l2o/gps/cost_model.hpp"
#include "l2o/gps/dynamics_fit.hpp"
#include "l2o/gps/lqg.hpp"
#include "l2o/gps/matrix_json.hpp"
#include "l2o/gps/niw_prior.hpp"
#include "l2o/gps/policy_fit.hpp"
#include "l2o/gps/step_adjust.hpp"
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

// Pooled per-slot samples of the non-diverged trajectories: states[s][t] (t = 0..T) stacked by
// rows, actions[s][t], and observations obs[s][t] concatenated by columns (same sample order), from
// every group of a trajectory's member that maps to slot s (slots[member][group]); factor[s] holds
// each sample's width-aware step factor, and the curvature sums add up over a slot's groups.
struct Pooled {
  std::vector<GroupSamples> samples;
  std::vector<std::vector<Mat>> obs;
  std::vector<Vec> factor;
  CurvatureData curvature;
};

Pooled pool(const std::vector<const TrajectoryRecord*>& rs, Index slots, Index T,
            const std::vector<std::vector<std::size_t>>& slot_of, const std::vector<std::vector<double>>& factors) {
  Pooled p;
  p.samples.resize(static_cast<std::size_t>(slots));
  p.obs.resize(static_cast<std::size_t>(slots));
  p.factor.resize(static_cast<std::size_t>(slots));
  const Index N = static_cast<Index>(rs.size());
  // Rows of the observation matrices: every record was made with the same feature settings.
  const Index inputs = N > 0 && !rs.front()->obs.empty() && !rs.front()->obs.front().empty()
                           ? rs.front()->obs.front().front().rows()
                           : ObservationFeatures::kLm17Count;
  p.curvature = CurvatureData(slots, T, N);  // zeros: the groups of a slot add up into it
  for (Index n = 0; n < N; ++n) {
    const TrajectoryRecord& r = *rs[static_cast<std::size_t>(n)];
    const auto& c = r.curvature;
    p.curvature.objective_change.col(n) = c.objective_change.col(0);
    const auto& map = slot_of[static_cast<std::size_t>(r.member)];
    for (std::size_t g = 0; g < map.size(); ++g) {
      const std::size_t s = map[g];
      p.curvature.grad_dot_step[s].col(n) += c.grad_dot_step[g].col(0);
      p.curvature.half_step_sq[s].col(n) += c.half_step_sq[g].col(0);
      p.curvature.secant[s].col(n) += c.secant[g].col(0);
    }
  }
  for (Index s = 0; s < slots; ++s) {
    const auto ss = static_cast<std::size_t>(s);
    Index m = 0, dX = 0;
    for (const auto* r : rs) {
      const auto& map = slot_of[static_cast<std::size_t>(r->member)];
      for (std::size_t g = 0; g < map.size(); ++g)
        if (map[g] == ss) m += static_cast<Index>(r->coords[g].size()), dX = r->states[g].front().cols();
    }
    GroupSamples& out = p.samples[ss];
    out.states.assign(static_cast<std::size_t>(T + 1), Mat(m, dX));
    out.actions.assign(static_cast<std::size_t>(T), Mat(m, 1));
    p.obs[ss].assign(static_cast<std::size_t>(T), Mat(inputs, m));
    p.factor[ss].resize(m);
    Index row = 0;
    for (const auto* r : rs) {
      const auto& map = slot_of[static_cast<std::size_t>(r->member)];
      for (std::size_t g = 0; g < map.size(); ++g) {
        if (map[g] != ss) continue;
        const Index b = static_cast<Index>(r->coords[g].size());
        for (Index t = 0; t <= T; ++t) {
          const auto ts = static_cast<std::size_t>(t);
          out.states[ts].middleRows(row, b) = r->states[g][ts];
          if (t < T) {
            out.actions[ts].middleRows(row, b) = r->actions[g][ts];
            p.obs[ss][ts].middleCols(row, b) = r->obs[g][ts];
          }
        }
        p.factor[ss].segment(row, b).setConstant(factors[static_cast<std::size_t>(r->member)][g]);
        row += b;
      }
    }
  }
  return p;
}

std::vector<Mat> first_steps(const std::vector<Mat>& states, Index T) {
  return std::vector<Mat>(states.begin(), states.begin() + T);
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

GroupReport make_group_report(const std::string& name) {
  GroupReport r;
  r.name = name;
  return r;
}

std::uint64_t psi_noise_seed(std::uint64_t seed, const std::string& tag, Index n) {
  return derive_seed(seed, fmt::format("{}-noise-{}", tag, n));
}

// Sets the report's sampled meta-loss and divergence count from one iteration's trajectories and
// pools those that did not diverge (at least two must remain).
Pooled sample_and_pool(const std::vector<TrajectoryRecord>& rs, Index slots, Index T,
                       const std::vector<std::vector<std::size_t>>& slot_of,
                       const std::vector<std::vector<double>>& factors, IterationReport& rep) {
  std::vector<const TrajectoryRecord*> ok;
  double loss_sum = 0.0;
  for (const auto& r : rs)
    if (!r.diverged) ok.push_back(&r), loss_sum += r.meta_loss();
  rep.diverged = static_cast<int>(rs.size() - ok.size());
  if (ok.size() < 2)
    throw Error(fmt::format("psd meta-train: {} of {} {} trajectories diverged in iteration {}", rep.diverged,
                            rs.size(), rep.sampled, rep.iteration));
  rep.psi_meta_loss = loss_sum / static_cast<double>(ok.size());
  return pool(ok, slots, T, slot_of, factors);
}

// fn(g) for every group in parallel (OpenMP); the first group's exception is rethrown after all ran.
template <class Fn>
void for_each_group(Index groups, Fn&& fn) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(groups));
#pragma omp parallel for schedule(dynamic, 1)
  for (Index g = 0; g < groups; ++g) {
    try {
      fn(g);
    } catch (...) {
      errors[static_cast<std::size_t>(g)] = std::current_exception();
    }
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// The per-group models of one iteration, fitted on its pooled samples.
struct GroupModels {
  Mat curvature;  // groups x T
  std::vector<LinearGaussianDynamics> dyn;
  std::vector<QuadraticCost> cost;
  std::vector<LinearGaussianPolicy> pibar;  // pi linearised at the sampled states
  std::vector<std::vector<Mat>> pi_mean;    // pi's mean actions at the sampled coordinates
  std::vector<Mat> pi_cov;                  // the covariance pibar carries
};

// Linearises pi for group g at the pooled states with covariance m.pi_cov[g] (set by the caller).
void linearise_pi(const PsdPolicy& policy, const ParamLayout& layout, const Pooled& p, Index g, Index T,
                  const GpsConfig& gps, std::uint64_t seed, const std::string& tag, GroupModels& m) {
  const auto gs = static_cast<std::size_t>(g);
  m.pi_mean[gs] = policy_mean_actions(policy, policy.network_for(layout.groups[gs], layout.groups.size()), p.obs[gs]);
  for (Mat& a : m.pi_mean[gs]) a.array().colwise() *= p.factor[gs].array();  // the step pi takes
  GmmPrior prior(gps.policy_prior);
  Rng rng(seed, fmt::format("{}-policy-prior-{}-{}", tag, g, policy.fingerprint().substr(0, 16)));
  const auto st = first_steps(p.samples[gs].states, T);
  prior.update(policy_tuples(st, m.pi_mean[gs]), rng);
  m.pibar[gs] = fit_policy_linearisation(st, m.pi_mean[gs], m.pi_cov[gs], gps.policy_fit, &prior);
}

// Tied cost, dynamics (with its GMM prior) and pi's linearisation of every group; pi_cov(g) gives
// the covariance of pi's linearisation.
template <class PiCov>
GroupModels fit_group_models(const PsdPolicy& policy, const ParamLayout& layout, const Pooled& p, Index T, Index dX,
                             const GpsConfig& gps, std::uint64_t seed, const std::string& tag, PiCov&& pi_cov) {
  const Index G = static_cast<Index>(layout.groups.size());
  GroupModels m;
  m.curvature = fit_group_curvatures(p.curvature, gps.cost);
  const Vec weights = gps.cost.scale * cost_weights(T, gps.cost.weighting);
  m.dyn.resize(static_cast<std::size_t>(G));
  m.cost.resize(static_cast<std::size_t>(G));
  m.pibar.resize(static_cast<std::size_t>(G));
  m.pi_mean.resize(static_cast<std::size_t>(G));
  m.pi_cov.resize(static_cast<std::size_t>(G));
  for_each_group(G, [&](Index g) {
    const auto gs = static_cast<std::size_t>(g);
    GmmPrior prior(gps.dynamics_prior);
    Rng rng(seed, fmt::format("{}-dynamics-prior-{}", tag, g));
    prior.update(dynamics_tuples(p.samples[gs]), rng);
    m.dyn[gs] = fit_dynamics(p.samples[gs], gps.dynamics, &prior);
    m.cost[gs] = tied_step_cost(m.curvature.row(g).transpose(), weights, dX, {PsdMetaTrainConfig::kGradIndex});
    m.pi_cov[gs] = pi_cov(g);
    linearise_pi(policy, layout, p, g, T, gps, seed, tag, m);
  });
  return m;
}

}  // namespace

nlohmann::json IterationReport::to_json() const {
  auto gs = nlohmann::json::array();
  for (const auto& g : groups)
    gs.push_back({{"group", g.name},
                  {"kl_step", g.kl_step},
                  {"epsilon", g.epsilon},
                  {"kl_pi", g.kl_pi},
                  {"kappa", g.kappa},
                  {"nu", g.nu},
                  {"step_mult", g.step_mult},
                  {"curvature", g.curvature},
                  {"status", g.status}});
  return {{"iteration", iteration},   {"sampled", sampled},             {"psi_meta_loss", psi_meta_loss},
          {"pi_meta_loss", pi_meta_loss},
          {"diverged", diverged},     {"groups", gs},                   {"regression_loss", regression_loss},
          {"seconds", seconds}};
}

nlohmann::json InitReport::to_json() const {
  return {{"teacher", teacher},
          {"teacher_hyper", teacher_hyper},
          {"teacher_source", teacher_source},
          {"teacher_meta_loss", teacher_meta_loss},
          {"psi_meta_loss", psi_meta_loss},
          {"pi_meta_loss", pi_meta_loss},
          {"output_scale", output_scale},
          {"regression_loss", regression_loss},
          {"seconds", seconds}};
}

PsdGpsTrainer::PsdGpsTrainer(const MlpTask& task, PsdMetaTrainConfig config, std::uint64_t seed)
    : PsdGpsTrainer(std::vector<FamilyMember>{{&task, config.batch}}, config, seed) {}

PsdGpsTrainer::PsdGpsTrainer(std::vector<FamilyMember> family, PsdMetaTrainConfig config, std::uint64_t seed)
    : config_(std::move(config)), seed_(seed), regressor_(config_.regression) {
  config_.validate();
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
    for (std::size_t s : map) v.push_back(psi_[s]);
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

std::vector<RegressionSet> PsdGpsTrainer::regression_sets(const std::vector<std::vector<Mat>>& states,
                                                          const std::vector<std::vector<Mat>>& obs,
                                                          const std::vector<Vec>& factors,
                                                          const std::vector<std::vector<Mat>>* offset) const {
  const ParamLayout& layout = slot_layout();
  const Index T = config_.gps.sampling.horizon;
  std::vector<RegressionSet> sets;
  for (std::size_t g = 0; g < layout.groups.size(); ++g) {
    const RegressionTargets tg = regression_targets(first_steps(states[g], T), psi_[g], groups_[g].duals);
    RegressionSet s;
    s.net = policy_->network_for(layout.groups[g], layout.groups.size());
    s.obs = obs[g];
    s.weight.resize(T);
    for (Index t = 0; t < T; ++t) {
      const auto ts = static_cast<std::size_t>(t);
      const Mat target = offset ? Mat(tg.mean[ts] + (*offset)[g][ts]) : tg.mean[ts];
      s.target.push_back((target.array().colwise() / factors[g].array()).matrix().transpose());
      s.weight[t] = tg.precision[static_cast<std::size_t>(t)](0, 0);
    }
    sets.push_back(std::move(s));
  }
  return sets;
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
  Pooled p = pool(ok, G, T, slots_, step_factors(scaling));

  // psi_g: the linear regression of the teacher's steps on the GPS state, per step, small covariance.
  psi_.clear();
  groups_.assign(static_cast<std::size_t>(G), GroupState{});
  double sq = 0.0, cnt = 0.0;
  for (Index g = 0; g < G; ++g) {
    const auto& s = p.samples[static_cast<std::size_t>(g)];
    LinearGaussianPolicy fit =
        fit_policy_linearisation(s.states, s.actions, Mat::Zero(1, 1), config_.gps.policy_fit, nullptr);
    std::vector<Mat> cov(static_cast<std::size_t>(T), Mat::Constant(1, 1, config_.gps.sampling.initial_action_variance));
    psi_.push_back(LinearGaussianPolicy::make(fit.K, fit.k, cov, "initial psi"));
    for (const Mat& a : s.actions) sq += a.squaredNorm(), cnt += static_cast<double>(a.size());
    GroupState& gs = groups_[static_cast<std::size_t>(g)];
    gs.duals = BadmmDuals::initial(T, 1, config_.gps.badmm);
    gs.kappa = config_.gps.trust_region.kappa_init;
    gs.step_mult = config_.gps.step_size.init_step_mult;
    gs.pi_var = config_.gps.sampling.initial_action_variance;  // psi's: pi is pre-trained onto it
  }
  for (auto& gs : groups_) gs.psi = LinearGaussianPolicy{};
  rep.output_scale = cnt > 0 && sq > 0 ? std::sqrt(sq / cnt) : 1.0;

  // pi: fresh LSTM with the teacher's step scale, pre-trained onto psi's means.
  PsdPolicyConfig pc;
  pc.arch = config_.arch;
  pc.arch.output_scale = rep.output_scale;
  pc.features = config_.features;
  if (config_.init.standardise_inputs) pc.arch.input_scale = input_scales(layout, pc.arch.sharing, p.obs, pc.arch.input_count());
  pc.arch.step_scaling = scaling;
  policy_ = std::make_shared<PsdPolicy>(PsdPolicy::fresh(pc, derive_seed(seed_, "policy-init")));
  std::vector<std::vector<Mat>> states(static_cast<std::size_t>(G));
  for (Index g = 0; g < G; ++g) states[static_cast<std::size_t>(g)] = p.samples[static_cast<std::size_t>(g)].states;
  std::vector<RegressionSet> sets = regression_sets(states, p.obs, p.factor);
  std::vector<const RegressionSet*> ptrs;
  for (const auto& s : sets) ptrs.push_back(&s);
  rep.regression_loss = regressor_.train(*policy_, ptrs, config_.regression.init_epochs, derive_seed(seed_, "init-regression"));
  buffer_.clear();
  if (config_.regression.buffer_iterations > 1) buffer_.push_back(std::move(sets));

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
  rep.pi_meta_loss = evaluate_pi(*policy_);
  best_params_ = policy_->params();
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
  const bool mdgps =
      config_.gps.algorithm == GpsAlgorithm::Mdgps && iteration_ >= config_.gps.mdgps.badmm_iterations;
  return mdgps ? run_mdgps_iteration() : run_badmm_iteration();
}

IterationReport PsdGpsTrainer::run_badmm_iteration() {
  const auto t0 = Clock::now();
  const ParamLayout& layout = slot_layout();
  const Index G = static_cast<Index>(layout.groups.size());
  const Index T = config_.gps.sampling.horizon;
  const Index dX = config_.state_dim();
  const int it = iteration_;
  const std::string tag = fmt::format("iter-{}", it);
  IterationReport rep;
  rep.iteration = it + 1;

  // 1. Trajectories from psi.
  const auto psi_of = psi_by_member();
  const Pooled p = sample_and_pool(
      rollouts(tag, config_.gps.sampling.trajectories,
               [&](Index n, Index k) {
                 return make_psi_controller(family_[static_cast<std::size_t>(k)].layout(),
                                            psi_of[static_cast<std::size_t>(k)], psi_noise_seed(seed_, tag, n));
               },
               RecordOptions{true, config_.gps.sampling.coordinates_per_group}),
      G, T, slots_, step_factors(policy_->config().arch.step_scaling), rep);

  // 2. Models per group: tied cost, dynamics, pi's linearisation.
  // pi's covariance minimises the nu-weighted KL to the current psi (recomputed at every linearisation).
  auto badmm_pi_cov = [&](Index g) {
    const auto gs = static_cast<std::size_t>(g);
    const Vec nu = groups_[gs].duals.nu;
    return Mat(nu.sum() > 0 ? optimal_policy_covariance(psi_[gs], nu) : psi_[gs].cov.front());
  };
  GroupModels m = fit_group_models(*policy_, layout, p, T, dX, config_.gps, seed_, tag, badmm_pi_cov);
  const Mat& curv = m.curvature;
  auto& dyn = m.dyn;
  auto& cost = m.cost;
  auto& pibar = m.pibar;
  auto& pi_mean = m.pi_mean;
  auto& pi_cov = m.pi_cov;
  auto linearise = [&](Index g) {
    m.pi_cov[static_cast<std::size_t>(g)] = badmm_pi_cov(g);
    linearise_pi(*policy_, layout, p, g, T, config_.gps, seed_, tag, m);
  };
  auto for_groups = [&](auto&& fn) { for_each_group(G, fn); };

  // Step-size adaptation from the previous iteration's prediction.
  const double kl_T = config_.gps.trust_region.kl_step * static_cast<double>(T);
  for (Index g = 0; g < G; ++g) {
    GroupState& gs = groups_[static_cast<std::size_t>(g)];
    if (!gs.has_model) continue;
    const double actual =
        estimate_cost(psi_[static_cast<std::size_t>(g)], dyn[static_cast<std::size_t>(g)],
                      cost[static_cast<std::size_t>(g)], pibar[static_cast<std::size_t>(g)])
            .objective(gs.duals.nu);
    gs.step_mult = adjust_step_mult(gs.prev_objective, gs.predicted_objective, actual, gs.step_mult,
                                    config_.gps.step_size, gs.last_kl, kl_T)
                       .step_mult;
  }

  // 3. BADMM inner loop.
  const std::vector<LinearGaussianPolicy> sampled = psi_;
  std::vector<TrustRegionResult> tr(static_cast<std::size_t>(G));
  std::vector<std::vector<Mat>> states(static_cast<std::size_t>(G));
  for (Index g = 0; g < G; ++g) states[static_cast<std::size_t>(g)] = p.samples[static_cast<std::size_t>(g)].states;
  const int inner = config_.gps.badmm.inner_iterations;
  for (int i = 0; i < inner; ++i) {
    if (!(it == 0 && i == 0)) {
      std::vector<RegressionSet> current = regression_sets(states, p.obs, p.factor);
      std::vector<const RegressionSet*> ptrs;
      for (const auto& s : current) ptrs.push_back(&s);
      for (const auto& old : buffer_)
        for (const auto& s : old) ptrs.push_back(&s);
      rep.regression_loss = regressor_.train(*policy_, ptrs, config_.regression.epochs,
                                             derive_seed(seed_, fmt::format("{}-regression-{}", tag, i)));
      for_groups(linearise);
    }
    for_groups([&](Index g) {
      const auto gs = static_cast<std::size_t>(g);
      GroupState& st = groups_[gs];
      const auto s_t = first_steps(states[gs], T);
      lambda_step(st.duals, mean_action_gap(s_t, pi_mean[gs], psi_[gs]), psi_[gs], config_.gps.badmm);
      if (i == inner - 1) nu_step(st.duals, sample_policy_kl(s_t, pi_mean[gs], pi_cov[gs], psi_[gs]).psi_pi, config_.gps.badmm);
      KlTerms terms;
      terms.previous = &sampled[gs];
      terms.global = &pibar[gs];
      terms.nu = st.duals.nu;
      terms.lambda = st.duals.lambda;
      const double eps = trust_region_epsilon(config_.gps.trust_region.kl_step, T, st.step_mult);
      tr[gs] = solve_trust_region_or_keep(dyn[gs], cost[gs], terms, eps, st.kappa, psi_[gs], config_.gps.trust_region);
      // A failed C-step [ours]: the next iteration's models are asked for the smallest step.
      if (tr[gs].status == TrustRegionStatus::Failed) st.step_mult = config_.gps.step_size.min_step_mult;
      psi_[gs] = tr[gs].policy;
      st.kappa = tr[gs].kappa;
    });
  }

  // Bookkeeping for the next step-size update, and the report.
  for (Index g = 0; g < G; ++g) {
    const auto gs = static_cast<std::size_t>(g);
    GroupState& st = groups_[gs];
    st.prev_objective = estimate_cost(sampled[gs], dyn[gs], cost[gs], pibar[gs]).objective(st.duals.nu);
    st.predicted_objective = estimate_cost(psi_[gs], dyn[gs], cost[gs], pibar[gs]).objective(st.duals.nu);
    st.last_kl = tr[gs].kl;
    st.has_model = true;
    GroupReport gr = make_group_report(layout.groups[gs].name);
    gr.kl_step = tr[gs].kl;
    gr.epsilon = tr[gs].epsilon;
    gr.kl_pi = sample_policy_kl(first_steps(states[gs], T), pi_mean[gs], pi_cov[gs], psi_[gs]).psi_pi.mean();
    gr.kappa = st.kappa;
    gr.nu = st.duals.nu.mean();
    gr.step_mult = st.step_mult;
    gr.curvature = curv.row(g).mean();
    gr.status = to_string(tr[gs].status);
    rep.groups.push_back(gr);
  }
  if (config_.regression.buffer_iterations > 1) {
    buffer_.push_back(regression_sets(states, p.obs, p.factor));
    while (static_cast<int>(buffer_.size()) > config_.regression.buffer_iterations - 1) buffer_.pop_front();
  }

  // 4. pi on the evaluation seeds.
  return conclude_iteration(std::move(rep), t0);
}

IterationReport PsdGpsTrainer::conclude_iteration(IterationReport rep, std::chrono::steady_clock::time_point t0) {
  if (!policy_->params().allFinite()) throw Error("psd meta-train: the policy became non-finite");
  rep.pi_meta_loss = evaluate_pi(*policy_);
  if (rep.pi_meta_loss < best_meta_loss_) {
    best_meta_loss_ = rep.pi_meta_loss;
    best_iteration_ = iteration_ + 1;
    best_params_ = policy_->params();
  }
  ++iteration_;
  rep.seconds = since(t0);
  history_.push_back(rep);
  return rep;
}

IterationReport PsdGpsTrainer::run_mdgps_iteration() {
  const auto t0 = Clock::now();
  const ParamLayout& layout = slot_layout();
  const Index G = static_cast<Index>(layout.groups.size());
  const Index T = config_.gps.sampling.horizon;
  const Index dX = config_.state_dim();
  const MdgpsOptions& md = config_.gps.mdgps;
  const int it = iteration_;
  const std::string tag = fmt::format("iter-{}", it);
  IterationReport rep;
  rep.iteration = it + 1;

  // 1. Trajectories from pi with its exploration noise (from psi in the first iteration, when pi
  // has only been pre-trained onto psi and psi is the better-founded sampler).
  if (it > 0 && it == md.badmm_iterations)  // the switch from BADMM: its step sizes and prediction do not carry over
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      GroupState& st = groups_[g];
      st.has_model = false;
      st.step_mult = config_.gps.step_size.init_step_mult;
      st.pi_var = optimal_policy_covariance(psi_[g], st.duals.nu)(0, 0);
    }
  const bool from_pi = md.on_policy && it > 0;
  rep.sampled = from_pi ? "pi" : "psi";
  std::vector<std::vector<double>> noise_var;  // per member and group, from the group's slot
  for (const auto& map : slots_) {
    std::vector<double> v;
    for (std::size_t slot : map) v.push_back(md.noise_scale * md.noise_scale * groups_[slot].pi_var);
    noise_var.push_back(std::move(v));
  }
  const auto sampler = std::make_shared<const PsdPolicy>(*policy_);
  const auto psi_of = psi_by_member();
  auto factory = [&](Index n, Index k) -> std::unique_ptr<Controller> {
    const auto ks = static_cast<std::size_t>(k);
    if (!from_pi) return make_psi_controller(family_[ks].layout(), psi_of[ks], psi_noise_seed(seed_, tag, n));
    return make_noisy_pi_controller(family_[ks].layout(), sampler, noise_var[ks],
                                    derive_seed(seed_, fmt::format("{}-pi-noise-{}", tag, n)));
  };
  const Pooled p = sample_and_pool(
      rollouts(tag, config_.gps.sampling.trajectories, factory,
               RecordOptions{true, config_.gps.sampling.coordinates_per_group}),
      G, T, slots_, step_factors(policy_->config().arch.step_scaling), rep);

  // 2. Models on pi's samples; pi linearised with its own exploration covariance.
  GroupModels m = fit_group_models(*policy_, layout, p, T, dX, config_.gps, seed_, tag, [&](Index g) {
    return Mat(Mat::Constant(1, 1, groups_[static_cast<std::size_t>(g)].pi_var));
  });
  // The step multiplier: did pi's cost (its linearisation under this iteration's models) improve
  // as the previous iteration's models predicted for the psi it was regressed onto?
  // J(pibar; M) is also the next iteration's "previous" objective.
  const Vec no_nu;
  std::vector<double> pibar_objective(static_cast<std::size_t>(G));
  for (Index g = 0; g < G; ++g) {
    const auto gs = static_cast<std::size_t>(g);
    GroupState& st = groups_[gs];
    pibar_objective[gs] = estimate_cost(m.pibar[gs], m.dyn[gs], m.cost[gs], m.pibar[gs]).objective(no_nu);
    if (!st.has_model) continue;
    st.step_mult = adjust_step_mult(st.prev_objective, st.predicted_objective, pibar_objective[gs], st.step_mult,
                                    config_.gps.step_size)
                       .step_mult;
  }

  // 3. C-step: LQG on the fitted models within KL(psi || pibar) <= epsilon.
  std::vector<TrustRegionResult> tr(static_cast<std::size_t>(G));
  for_each_group(G, [&](Index g) {
    const auto gs = static_cast<std::size_t>(g);
    GroupState& st = groups_[gs];
    KlTerms terms;
    terms.previous = &m.pibar[gs];
    const double eps = trust_region_epsilon(config_.gps.trust_region.kl_step, T, st.step_mult);
    tr[gs] = solve_trust_region_or_keep(m.dyn[gs], m.cost[gs], terms, eps, st.kappa, m.pibar[gs],
                                        config_.gps.trust_region);
    if (tr[gs].status == TrustRegionStatus::Failed) st.step_mult = config_.gps.step_size.min_step_mult;
    psi_[gs] = tr[gs].policy;
    st.kappa = tr[gs].kappa;
    st.prev_objective = pibar_objective[gs];
    st.predicted_objective = estimate_cost(psi_[gs], m.dyn[gs], m.cost[gs], m.pibar[gs]).objective(no_nu);
    st.last_kl = tr[gs].kl;
    st.has_model = true;
  });

  // 4. S-step: pi onto psi's means at the states pi visited (the duals stay at lambda = 0 and a
  // constant nu, so the targets are psi's means with weights G_t^-1), with the earlier
  // iterations' sets of the buffer.
  std::vector<std::vector<Mat>> states(static_cast<std::size_t>(G));
  for (Index g = 0; g < G; ++g) states[static_cast<std::size_t>(g)] = p.samples[static_cast<std::size_t>(g)].states;
  std::vector<std::vector<Mat>> residual;  // [g][t]: mu_pi - mu_pibar at the samples
  if (md.residual_targets)
    for (Index g = 0; g < G; ++g) {
      const auto gs = static_cast<std::size_t>(g);
      residual.emplace_back();
      for (Index t = 0; t < T; ++t)
        residual.back().push_back(m.pi_mean[gs][static_cast<std::size_t>(t)] -
                                  m.pibar[gs].mean_rows(t, states[gs][static_cast<std::size_t>(t)]));
    }
  std::vector<RegressionSet> current = regression_sets(states, p.obs, p.factor, md.residual_targets ? &residual : nullptr);
  std::vector<const RegressionSet*> ptrs;
  for (const auto& s : current) ptrs.push_back(&s);
  for (const auto& old : buffer_)
    for (const auto& s : old) ptrs.push_back(&s);
  rep.regression_loss = regressor_.train(*policy_, ptrs, md.regression_epochs > 0 ? md.regression_epochs : config_.regression.epochs,
                                         derive_seed(seed_, fmt::format("{}-regression", tag)));
  if (config_.regression.buffer_iterations > 1) {
    buffer_.push_back(std::move(current));
    while (static_cast<int>(buffer_.size()) > config_.regression.buffer_iterations - 1) buffer_.pop_front();
  }

  // pi's exploration variance: the covariance minimising sum_t KL(pi_t || psi_t) (harmonic mean of G_t).
  for (Index g = 0; g < G; ++g) {
    const auto gs = static_cast<std::size_t>(g);
    GroupState& st = groups_[gs];
    st.pi_var = optimal_policy_covariance(psi_[gs], st.duals.nu)(0, 0);
    GroupReport gr = make_group_report(layout.groups[gs].name);
    gr.kl_step = tr[gs].kl;
    gr.epsilon = tr[gs].epsilon;
    const auto s_t = first_steps(states[gs], T);
    auto after = policy_mean_actions(*policy_, policy_->network_for(layout.groups[gs], layout.groups.size()), p.obs[gs]);
    for (Mat& a : after) a.array().colwise() *= p.factor[gs].array();
    gr.kl_pi = sample_policy_kl(s_t, after, Mat::Constant(1, 1, st.pi_var), psi_[gs]).psi_pi.mean();
    gr.kappa = st.kappa;
    gr.step_mult = st.step_mult;
    gr.curvature = m.curvature.row(g).mean();
    gr.status = to_string(tr[gs].status);
    rep.groups.push_back(gr);
  }

  // 5. pi on the evaluation seeds.
  return conclude_iteration(std::move(rep), t0);
}

PsdPolicy PsdGpsTrainer::best_policy() const {
  PsdPolicy p = *policy_;
  p.set_params(best_params_);
  return p;
}

nlohmann::json PsdGpsTrainer::checkpoint() const {
  if (!initialised_) throw Error("psd meta-train: nothing to checkpoint before the initialisation");
  auto groups = nlohmann::json::array();
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const GroupState& s = groups_[g];
    groups.push_back({{"psi", policy_to_json(psi_[g])},
                      {"lambda", vecs_to_json(s.duals.lambda)},
                      {"nu", vec_to_json(s.duals.nu)},
                      {"prev_kl", vec_to_json(s.duals.prev_kl)},
                      {"kappa", s.kappa},
                      {"step_mult", s.step_mult},
                      {"has_model", s.has_model},
                      {"prev_objective", s.prev_objective},
                      {"predicted_objective", s.predicted_objective},
                      {"last_kl", s.last_kl},
                      {"pi_var", s.pi_var}});
  }
  auto buffer = nlohmann::json::array();
  for (const auto& sets : buffer_) {
    auto a = nlohmann::json::array();
    for (const auto& s : sets) a.push_back(s.save());
    buffer.push_back(a);
  }
  auto hist = nlohmann::json::array();
  for (const auto& h : history_) hist.push_back(h.to_json());
  return {{"format", "l2o-psd-gps-checkpoint"},
          {"version", 1},
          {"seed", seed_},
          {"config", config_.to_json()},
          {"iteration", iteration_},
          {"groups", groups},
          {"policy", {{"arch", policy_->config().arch.to_json()}, {"params", vec_to_json(policy_->params())}}},
          {"best", {{"params", vec_to_json(best_params_)}, {"iteration", best_iteration_}, {"meta_loss", best_meta_loss_}}},
          {"regressor", regressor_.save()},
          {"buffer", buffer},
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
  for (std::size_t g = 0; g < psi_.size(); ++g) {
    const LinearGaussianPolicy& p = psi_[g];
    if (p.steps() != T || p.state_dim() != config_.state_dim() || p.action_dim() != 1)
      fail(fmt::format("'groups[{}].psi' ({} steps of {} x {}; this run has {} of 1 x {})", g, p.steps(),
                       p.action_dim(), p.state_dim(), T, config_.state_dim()));
    const GroupState& s = groups_[g];
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
  if (!policy_->params().allFinite()) fail("'policy.params' (not finite)");
  if (best_params_.size() != policy_->num_params() || !best_params_.allFinite())
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
    psi_.clear();
    groups_.clear();
    for (const auto& g : j.at("groups")) {
      psi_.push_back(policy_from_json(g.at("psi")));
      GroupState s;
      s.duals.lambda = vecs_from_json(g.at("lambda"));
      s.duals.nu = vec_from_json(g.at("nu"));
      s.duals.prev_kl = vec_from_json(g.at("prev_kl"));
      s.kappa = g.at("kappa").get<double>();
      s.step_mult = g.at("step_mult").get<double>();
      s.has_model = g.at("has_model").get<bool>();
      s.prev_objective = g.at("prev_objective").get<double>();
      s.predicted_objective = g.at("predicted_objective").get<double>();
      s.last_kl = g.at("last_kl").get<double>();
      s.pi_var = g.value("pi_var", 0.0);  // absent in checkpoints of BADMM runs before MDGPS
      groups_.push_back(std::move(s));
    }
    if (psi_.size() != slot_layout().groups.size())
      throw Error(fmt::format("{}: {} coordinate groups, the task has {}", where, psi_.size(),
                              slot_layout().groups.size()));
    PsdPolicyConfig pc;
    pc.arch = PsdArchitecture::from_json(j.at("policy").at("arch"), where);
    pc.features = config_.features;
    policy_ = std::make_shared<PsdPolicy>(pc);
    policy_->set_params(vec_from_json(j.at("policy").at("params")));
    best_params_ = vec_from_json(j.at("best").at("params"));
    best_iteration_ = json_integer<int>(j.at("best").at("iteration"), "best.iteration");
    best_meta_loss_ = j.at("best").at("meta_loss").get<double>();
    regressor_ = PolicyRegressor(config_.regression);
    regressor_.load(j.at("regressor"));
    buffer_.clear();
    for (const auto& a : j.at("buffer")) {
      std::vector<RegressionSet> sets;
      for (const auto& s : a) sets.push_back(RegressionSet::load(s));
      buffer_.push_back(std::move(sets));
    }
    const auto& in = j.at("init");
    init_report_.teacher = in.at("teacher").get<std::string>();
    init_report_.teacher_hyper = in.at("teacher_hyper");
    init_report_.teacher_source = in.at("teacher_source").get<std::string>();
    init_report_.teacher_meta_loss = in.at("teacher_meta_loss").get<double>();
    init_report_.psi_meta_loss = in.at("psi_meta_loss").get<double>();
    init_report_.pi_meta_loss = in.at("pi_meta_loss").get<double>();
    init_report_.output_scale = in.at("output_scale").get<double>();
    history_.clear();
    for (const auto& h : j.at("history")) {
      IterationReport r;
      r.iteration = json_integer<int>(h.at("iteration"), "iteration");
      r.sampled = h.value("sampled", std::string("psi"));
      r.psi_meta_loss = h.at("psi_meta_loss").get<double>();
      r.pi_meta_loss = h.at("pi_meta_loss").get<double>();
      r.diverged = json_integer<int>(h.at("diverged"), "diverged");
      r.seconds = h.at("seconds").get<double>();
      r.regression_loss = h.at("regression_loss").get<std::vector<double>>();
      for (const auto& g : h.at("groups")) {
        GroupReport gr;
        gr.name = g.at("group").get<std::string>();
        gr.kl_step = g.at("kl_step").get<double>();
        gr.epsilon = g.at("epsilon").get<double>();
        gr.kl_pi = g.at("kl_pi").get<double>();
        gr.kappa = g.at("kappa").get<double>();
        gr.nu = g.at("nu").get<double>();
        gr.step_mult = g.at("step_mult").get<double>();
        gr.curvature = g.at("curvature").get<double>();
        gr.status = g.at("status").get<std::string>();
        r.groups.push_back(gr);
      }
      history_.push_back(r);
    }
    check_restored(where);
    initialised_ = true;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: malformed checkpoint ({})", where, e.what()));
  } catch (const Error& e) {
    throw in_context(e, where);
  }
}

}  // namespace l2o::gps
