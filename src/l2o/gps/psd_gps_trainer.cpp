#include "l2o/gps/psd_gps_trainer.hpp"

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

namespace l2o::gps {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double mean_meta_loss(const std::vector<TrajectoryRecord>& rs) {
  double s = 0.0;
  for (const auto& r : rs) s += r.meta_loss();
  return rs.empty() ? std::numeric_limits<double>::quiet_NaN() : s / static_cast<double>(rs.size());
}

// Pooled per-group samples of the non-diverged trajectories: states[g][t] (t = 0..T) stacked by
// rows, actions[g][t], and observations obs[g][t] concatenated by columns (same sample order).
struct Pooled {
  std::vector<GroupSamples> samples;
  std::vector<std::vector<Mat>> obs;
  CurvatureData curvature;
};

Pooled pool(const std::vector<const TrajectoryRecord*>& rs, Index groups, Index T) {
  Pooled p;
  p.samples.resize(static_cast<std::size_t>(groups));
  p.obs.resize(static_cast<std::size_t>(groups));
  const Index N = static_cast<Index>(rs.size());
  p.curvature = CurvatureData(groups, T, N);
  for (Index n = 0; n < N; ++n) {
    const auto& c = rs[static_cast<std::size_t>(n)]->curvature;
    p.curvature.objective_change.col(n) = c.objective_change.col(0);
    for (Index g = 0; g < groups; ++g) {
      p.curvature.grad_dot_step[static_cast<std::size_t>(g)].col(n) = c.grad_dot_step[static_cast<std::size_t>(g)].col(0);
      p.curvature.half_step_sq[static_cast<std::size_t>(g)].col(n) = c.half_step_sq[static_cast<std::size_t>(g)].col(0);
      p.curvature.secant[static_cast<std::size_t>(g)].col(n) = c.secant[static_cast<std::size_t>(g)].col(0);
    }
  }
  for (Index g = 0; g < groups; ++g) {
    const auto gs = static_cast<std::size_t>(g);
    Index m = 0;
    for (const auto* r : rs) m += static_cast<Index>(r->coords[gs].size());
    const Index dX = rs.front()->states[gs].front().cols();
    GroupSamples& s = p.samples[gs];
    s.states.assign(static_cast<std::size_t>(T + 1), Mat(m, dX));
    s.actions.assign(static_cast<std::size_t>(T), Mat(m, 1));
    p.obs[gs].assign(static_cast<std::size_t>(T), Mat(3, m));
    Index row = 0;
    for (const auto* r : rs) {
      const Index b = static_cast<Index>(r->coords[gs].size());
      for (Index t = 0; t <= T; ++t) {
        const auto ts = static_cast<std::size_t>(t);
        s.states[ts].middleRows(row, b) = r->states[gs][ts];
        if (t < T) {
          s.actions[ts].middleRows(row, b) = r->actions[gs][ts];
          p.obs[gs][ts].middleCols(row, b) = r->obs[gs][ts];
        }
      }
      row += b;
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
std::vector<std::array<double, 3>> input_scales(const ParamLayout& layout, PolicySharing sharing,
                                                const std::vector<std::vector<Mat>>& obs) {
  const auto nets = policy_networks(sharing);
  std::vector<std::array<double, 3>> out;
  for (PolicyNet net : nets) {
    Eigen::Array3d sq = Eigen::Array3d::Zero();
    double n = 0.0;
    for (std::size_t g = 0; g < layout.groups.size(); ++g) {
      if (policy_network_for(layout.groups[g], layout.groups.size(), sharing) != net) continue;
      for (const Mat& o : obs[g]) sq += o.array().square().rowwise().sum(), n += static_cast<double>(o.cols());
    }
    std::array<double, 3> s{1.0, 1.0, 1.0};
    for (int r = 0; r < 3; ++r)
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
  return {{"iteration", iteration},   {"psi_meta_loss", psi_meta_loss}, {"pi_meta_loss", pi_meta_loss},
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
    : task_(&task),
      config_(std::move(config)),
      seed_(seed),
      rollout_task_(task, config_.batch, config_.gps.sampling.horizon, config_.cost_examples,
                    derive_seed(seed, "cost-set"), config_.adaptive_state),
      regressor_(config_.regression) {
  config_.validate();
}

double PsdGpsTrainer::evaluate_pi(const PsdPolicy& policy) const {
  auto shared = std::make_shared<const PsdPolicy>(policy);
  const ParamLayout& layout = rollout_task_.layout();
  auto rs = rollout_batch(
      rollout_task_, config_.features, config_.state_features(),
      [&](Index) { return make_pi_controller(layout, shared); },
      batch_seeds(seed_, "eval", config_.eval_trajectories), RecordOptions{false, 0});
  return mean_meta_loss(rs);
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
  const ParamLayout& layout = rollout_task_.layout();
  double best = std::numeric_limits<double>::infinity();
  nlohmann::json best_h;
  const auto seeds = batch_seeds(seed_, "init-grid", config_.init.grid_seeds);
  for (double mu : config_.init.momentum_grid)
    for (double lr : config_.init.lr_grid) {
      const nlohmann::json h = {{"lr", lr}, {"momentum", mu}};
      const double loss = mean_meta_loss(rollout_batch(
          rollout_task_, config_.features, config_.state_features(),
          [&](Index) { return make_hand_designed_controller(layout, "momentum", h); }, seeds, RecordOptions{false, 0}));
      if (best_h.is_null() || loss < best) best = loss, best_h = h;
    }
  return best_h;
}

std::vector<RegressionSet> PsdGpsTrainer::regression_sets(const std::vector<std::vector<Mat>>& states,
                                                          const std::vector<std::vector<Mat>>& obs) const {
  const ParamLayout& layout = rollout_task_.layout();
  const Index T = config_.gps.sampling.horizon;
  std::vector<RegressionSet> sets;
  for (std::size_t g = 0; g < layout.groups.size(); ++g) {
    const RegressionTargets tg = regression_targets(first_steps(states[g], T), psi_[g], groups_[g].duals);
    RegressionSet s;
    s.net = policy_->network_for(layout.groups[g], layout.groups.size());
    s.obs = obs[g];
    s.weight.resize(T);
    for (Index t = 0; t < T; ++t) {
      s.target.push_back(tg.mean[static_cast<std::size_t>(t)].transpose());
      s.weight[t] = tg.precision[static_cast<std::size_t>(t)](0, 0);
    }
    sets.push_back(std::move(s));
  }
  return sets;
}

InitReport PsdGpsTrainer::initialise() {
  const auto t0 = Clock::now();
  const ParamLayout& layout = rollout_task_.layout();
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
  auto teacher_controller = [&](Index) { return make_hand_designed_controller(layout, teacher, hyper); };

  // Teacher rollouts with the recorded states and steps.
  auto rs = rollout_batch(
      rollout_task_, config_.features, config_.state_features(), teacher_controller,
      batch_seeds(seed_, "init", config_.init.trajectories),
      RecordOptions{true, config_.gps.sampling.coordinates_per_group});
  std::vector<const TrajectoryRecord*> ok;
  for (const auto& r : rs)
    if (!r.diverged) ok.push_back(&r);
  if (ok.empty()) throw Error(fmt::format("psd meta-train: every {} rollout of the initialisation diverged", teacher));
  Pooled p = pool(ok, G, T);

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
  }
  for (auto& gs : groups_) gs.psi = LinearGaussianPolicy{};
  rep.output_scale = cnt > 0 && sq > 0 ? std::sqrt(sq / cnt) : 1.0;

  // pi: fresh LSTM with the teacher's step scale, pre-trained onto psi's means.
  PsdPolicyConfig pc;
  pc.arch = config_.arch;
  pc.arch.output_scale = rep.output_scale;
  pc.features = config_.features;
  if (config_.init.standardise_inputs) pc.arch.input_scale = input_scales(layout, pc.arch.sharing, p.obs);
  // Width-aware steps are relative to the meta-training net: its fan-ins are the references, so
  // every factor is 1 here and the regression (which fits the unscaled step) stays consistent.
  for (const CoordinateGroup& g : layout.groups)
    if (g.kind == GroupKind::Weight)
      (g.output_layer ? pc.arch.step_scaling.reference_output_fan_in : pc.arch.step_scaling.reference_hidden_fan_in) =
          static_cast<double>(g.cols);
  policy_ = std::make_shared<PsdPolicy>(PsdPolicy::fresh(pc, derive_seed(seed_, "policy-init")));
  std::vector<std::vector<Mat>> states(static_cast<std::size_t>(G));
  for (Index g = 0; g < G; ++g) states[static_cast<std::size_t>(g)] = p.samples[static_cast<std::size_t>(g)].states;
  std::vector<RegressionSet> sets = regression_sets(states, p.obs);
  std::vector<const RegressionSet*> ptrs;
  for (const auto& s : sets) ptrs.push_back(&s);
  rep.regression_loss = regressor_.train(*policy_, ptrs, config_.regression.init_epochs, derive_seed(seed_, "init-regression"));
  buffer_.clear();
  if (config_.regression.buffer_iterations > 1) buffer_.push_back(std::move(sets));

  // Reference numbers on the evaluation seeds.
  const auto eval = batch_seeds(seed_, "eval", config_.eval_trajectories);
  rep.teacher_meta_loss = mean_meta_loss(rollout_batch(rollout_task_, config_.features, config_.state_features(),
                                                       teacher_controller, eval, RecordOptions{false, 0}));
  rep.psi_meta_loss = mean_meta_loss(rollout_batch(
      rollout_task_, config_.features, config_.state_features(),
      [&](Index n) { return make_psi_controller(layout, psi_, derive_seed(seed_, fmt::format("eval-noise-{}", n)), false); },
      eval, RecordOptions{false, 0}));
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
  const auto t0 = Clock::now();
  const ParamLayout& layout = rollout_task_.layout();
  const Index G = static_cast<Index>(layout.groups.size());
  const Index T = config_.gps.sampling.horizon;
  const Index dX = config_.state_dim();
  const int it = iteration_;
  const std::string tag = fmt::format("iter-{}", it);
  IterationReport rep;
  rep.iteration = it + 1;

  // 1. Trajectories from psi.
  auto rs = rollout_batch(
      rollout_task_, config_.features, config_.state_features(),
      [&](Index n) { return make_psi_controller(layout, psi_, derive_seed(seed_, fmt::format("{}-noise-{}", tag, n))); },
      batch_seeds(seed_, tag, config_.gps.sampling.trajectories),
      RecordOptions{true, config_.gps.sampling.coordinates_per_group});
  std::vector<const TrajectoryRecord*> ok;
  double loss_sum = 0.0;
  for (const auto& r : rs)
    if (!r.diverged) ok.push_back(&r), loss_sum += r.meta_loss();
  rep.diverged = static_cast<int>(rs.size() - ok.size());
  if (ok.size() < 2) throw Error(fmt::format("psd meta-train: {} of {} psi trajectories diverged in iteration {}",
                                             rep.diverged, rs.size(), it + 1));
  rep.psi_meta_loss = loss_sum / static_cast<double>(ok.size());
  Pooled p = pool(ok, G, T);

  // 2. Models per group: tied cost, dynamics, pi's linearisation.
  const Mat curv = fit_group_curvatures(p.curvature, config_.gps.cost);
  const Vec weights = config_.gps.cost.scale * cost_weights(T, config_.gps.cost.weighting);
  std::vector<LinearGaussianDynamics> dyn(static_cast<std::size_t>(G));
  std::vector<QuadraticCost> cost(static_cast<std::size_t>(G));
  std::vector<LinearGaussianPolicy> pibar(static_cast<std::size_t>(G));
  std::vector<std::vector<Mat>> pi_mean(static_cast<std::size_t>(G));
  std::vector<Mat> pi_cov(static_cast<std::size_t>(G));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(G));

  auto linearise = [&](Index g) {
    const auto gs = static_cast<std::size_t>(g);
    const auto& s = p.samples[gs];
    pi_mean[gs] = policy_mean_actions(*policy_, policy_->network_for(layout.groups[gs], layout.groups.size()), p.obs[gs]);
    const Vec nu = groups_[gs].duals.nu;
    pi_cov[gs] = nu.sum() > 0 ? optimal_policy_covariance(psi_[gs], nu) : psi_[gs].cov.front();
    GmmPrior prior(config_.gps.policy_prior);
    Rng rng(seed_, fmt::format("{}-policy-prior-{}-{}", tag, g, policy_->fingerprint().substr(0, 16)));
    const auto st = first_steps(s.states, T);
    prior.update(policy_tuples(st, pi_mean[gs]), rng);
    pibar[gs] = fit_policy_linearisation(st, pi_mean[gs], pi_cov[gs], config_.gps.policy_fit, &prior);
  };
  auto for_groups = [&](auto&& fn) {
#pragma omp parallel for schedule(dynamic, 1)
    for (Index g = 0; g < G; ++g) {
      try {
        fn(g);
      } catch (...) {
        errors[static_cast<std::size_t>(g)] = std::current_exception();
      }
    }
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
  };

  for_groups([&](Index g) {
    const auto gs = static_cast<std::size_t>(g);
    GmmPrior prior(config_.gps.dynamics_prior);
    Rng rng(seed_, fmt::format("{}-dynamics-prior-{}", tag, g));
    prior.update(dynamics_tuples(p.samples[gs]), rng);
    dyn[gs] = fit_dynamics(p.samples[gs], config_.gps.dynamics, &prior);
    cost[gs] = tied_step_cost(curv.row(g).transpose(), weights, dX, {PsdMetaTrainConfig::kGradIndex});
    linearise(g);
  });

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
      std::vector<RegressionSet> current = regression_sets(states, p.obs);
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
      tr[gs] = solve_trust_region(dyn[gs], cost[gs], terms, eps, st.kappa, config_.gps.trust_region);
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
    buffer_.push_back(regression_sets(states, p.obs));
    while (static_cast<int>(buffer_.size()) > config_.regression.buffer_iterations - 1) buffer_.pop_front();
  }

  // 4. pi on the evaluation seeds.
  if (!policy_->params().allFinite()) throw Error("psd meta-train: the policy became non-finite");
  rep.pi_meta_loss = evaluate_pi(*policy_);
  if (rep.pi_meta_loss < best_meta_loss_) {
    best_meta_loss_ = rep.pi_meta_loss;
    best_iteration_ = it + 1;
    best_params_ = policy_->params();
  }
  ++iteration_;
  rep.seconds = since(t0);
  history_.push_back(rep);
  return rep;
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
                      {"last_kl", s.last_kl}});
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
        !std::isfinite(s.prev_objective) || !std::isfinite(s.predicted_objective) || !std::isfinite(s.last_kl))
      fail(fmt::format("'groups[{}]' (kappa, step_mult, objectives and KL must be finite)", g));
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
    if (j.at("seed").get<std::uint64_t>() != seed_)
      throw Error(fmt::format("{}: written with --seed {}, this run has --seed {}", where, j.at("seed").get<std::uint64_t>(), seed_));
    PsdMetaTrainConfig saved = PsdMetaTrainConfig::from_json(j.at("config"));
    // Everything but the iteration count must match (a resumed run may be asked for more iterations).
    saved.gps.sampling.iterations = config_.gps.sampling.iterations;
    if (saved.to_json() != config_.to_json())
      throw Error(fmt::format("{}: written with different settings (config, horizon, samples or batch)", where));
    iteration_ = j.at("iteration").get<int>();
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
      groups_.push_back(std::move(s));
    }
    if (psi_.size() != rollout_task_.layout().groups.size())
      throw Error(fmt::format("{}: {} coordinate groups, the task has {}", where, psi_.size(),
                              rollout_task_.layout().groups.size()));
    PsdPolicyConfig pc;
    pc.arch = PsdArchitecture::from_json(j.at("policy").at("arch"), where);
    pc.features = config_.features;
    policy_ = std::make_shared<PsdPolicy>(pc);
    policy_->set_params(vec_from_json(j.at("policy").at("params")));
    best_params_ = vec_from_json(j.at("best").at("params"));
    best_iteration_ = j.at("best").at("iteration").get<int>();
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
      r.iteration = h.at("iteration").get<int>();
      r.psi_meta_loss = h.at("psi_meta_loss").get<double>();
      r.pi_meta_loss = h.at("pi_meta_loss").get<double>();
      r.diverged = h.at("diverged").get<int>();
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
  }
}

}  // namespace l2o::gps
