#include "l2o/es/es_trainer.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include "l2o/core/error.hpp"
#include "l2o/core/json_integer.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/optim/train_loop.hpp"

namespace l2o::es {
namespace {

constexpr int kCheckpointVersion = 1;
constexpr const char* kFormat = "l2o-es-checkpoint";

nlohmann::json to_array(const Vec& v) { return nlohmann::json(std::vector<double>(v.data(), v.data() + v.size())); }

Vec from_array(const nlohmann::json& j, Index n, const std::string& what) {
  if (!j.is_array() || static_cast<Index>(j.size()) != n)
    throw Error(fmt::format("{} must be a list of {} numbers", what, n));
  Vec v(n);
  for (Index i = 0; i < n; ++i) {
    const auto& e = j[static_cast<std::size_t>(i)];
    if (!e.is_number() || !std::isfinite(e.get<double>())) throw Error(fmt::format("{}[{}] must be a finite number", what, i));
    v[i] = e.get<double>();
  }
  return v;
}

double rms(const Vec& v) { return v.size() ? std::sqrt(v.squaredNorm() / static_cast<double>(v.size())) : 0.0; }

// The rollout seed and member of pair `i` of update `iteration` (1-based).
std::uint64_t pair_seed(std::uint64_t seed, int iteration, int i) {
  return derive_seed(seed, fmt::format("es-rollout-{}-{}", iteration, i));
}

}  // namespace

nlohmann::json UpdateReport::to_json() const {
  nlohmann::json j{{"iteration", iteration}, {"mean_log_loss", mean_log_loss}, {"diverged", diverged},
                   {"gradient_rms", gradient_rms}, {"u_rms", u_rms}, {"seconds", seconds}};
  if (validated) {
    j["validation"] = validation;
    j["best"] = best;
  }
  return j;
}

UpdateReport UpdateReport::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw Error(fmt::format("{}: an update report must be an object", where));
  auto number = [&](const char* key) {
    if (!j.contains(key) || !j[key].is_number()) throw Error(fmt::format("{}: update report field '{}' must be a number", where, key));
    return j[key].get<double>();
  };
  UpdateReport r;
  r.iteration = json_integer<int>(j.at("iteration"), where + ": iteration");
  r.mean_log_loss = number("mean_log_loss");
  r.diverged = json_integer<int>(j.at("diverged"), where + ": diverged");
  r.gradient_rms = number("gradient_rms");
  r.u_rms = number("u_rms");
  r.seconds = number("seconds");
  r.validated = j.contains("validation");
  if (r.validated) {
    r.validation = number("validation");
    r.best = j.value("best", false);
  }
  return r;
}

template <class Policy>
BasicEsTrainer<Policy>::BasicEsTrainer(std::vector<FamilyMember> family, Policy initial, EsConfig config, int horizon,
                                       std::uint64_t seed)
    : family_(std::move(family)), initial_(std::move(initial)), config_(std::move(config)), horizon_(horizon), seed_(seed) {
  config_.validate("es config");
  if (family_.empty()) throw Error("ES fine-tuning: the task family is empty");
  for (const auto& m : family_)
    if (m.task == nullptr || m.batch < 1) throw Error("ES fine-tuning: a family member has no task or a batch below 1");
  if (horizon_ < 1) throw Error(fmt::format("ES fine-tuning: the horizon must be at least 1, got {}", horizon_));
  for (const auto& m : family_)
    if (m.horizon < 0) throw Error(fmt::format("ES fine-tuning: member {} has a negative horizon", m.label));
  theta0_ = EsPolicy<Policy>::parameters(initial_);
  std::vector<double> scales;
  EsPolicy<Policy>::moved(initial_, config_, index_, scales);
  scale_ = Eigen::Map<const Vec>(scales.data(), static_cast<Index>(scales.size()));
  const Index d = moved_parameters();
  u_ = Vec::Zero(d);
  m_ = Vec::Zero(d);
  v_ = Vec::Zero(d);
  best_u_ = Vec::Zero(d);
}

template <class Policy>
Policy BasicEsTrainer<Policy>::policy_at(const Vec& u) const {
  if (u.size() != moved_parameters())
    throw Error(fmt::format("ES fine-tuning: expected {} moved parameters, got {}", moved_parameters(), u.size()));
  Vec theta = theta0_;
  for (Index k = 0; k < u.size(); ++k) theta[index_[static_cast<std::size_t>(k)]] += scale_[k] * u[k];
  return EsPolicy<Policy>::with_parameters(initial_, theta);
}

template <class Policy>
RolloutScore BasicEsTrainer<Policy>::rollout(const Policy& policy, std::size_t member, std::uint64_t seed) const {
  const FamilyMember& m = family_.at(member);
  auto opt = EsPolicy<Policy>::optimizer(policy, config_);
  const int horizon = m.horizon > 0 ? m.horizon : horizon_;
  RunOptions o;
  o.iters = horizon;
  o.batch = m.batch;
  o.seed = seed;
  o.eval_every = config_.eval_every;
  const RunResult r = run_optimizer(*m.task, *opt, o);
  RolloutScore s;
  s.diverged = r.diverged;
  const double f0 = r.trace.empty() ? 1.0 : r.trace.front().objective;
  s.meta_loss = r.diverged ? config_.divergence_penalty * f0 * horizon : r.meta_loss();
  if (!std::isfinite(s.meta_loss) || s.meta_loss <= 0) {  // a non-finite initial objective: score as diverged
    s.diverged = true;
    s.meta_loss = config_.divergence_penalty * horizon * (std::isfinite(f0) && f0 > 0 ? f0 : 1.0);
  }
  return s;
}

template <class Policy>
std::vector<std::pair<std::size_t, std::uint64_t>> BasicEsTrainer<Policy>::validation_runs() const {
  std::vector<std::pair<std::size_t, std::uint64_t>> runs;
  for (std::size_t m = 0; m < family_.size(); ++m)
    for (int j = 0; j < config_.validation_runs; ++j) runs.emplace_back(m, config_.validation_seed_first + static_cast<std::uint64_t>(j));
  return runs;
}

template <class Policy>
std::vector<RolloutScore> BasicEsTrainer<Policy>::score_all(const std::vector<Policy>& policies,
                                                            const std::vector<std::pair<std::size_t, std::uint64_t>>& runs) const {
  // policies.size() == runs.size(), or one policy for every run.
  std::vector<RolloutScore> out(runs.size());
  std::string failure;
  const long n = static_cast<long>(runs.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (long i = 0; i < n; ++i) {
    try {
      const Policy& p = policies.size() == 1 ? policies[0] : policies[static_cast<std::size_t>(i)];
      out[static_cast<std::size_t>(i)] = rollout(p, runs[static_cast<std::size_t>(i)].first, runs[static_cast<std::size_t>(i)].second);
    } catch (const std::exception& e) {
#pragma omp critical(l2o_es_failure)
      if (failure.empty()) failure = e.what();
    }
  }
  if (!failure.empty()) throw Error("ES fine-tuning: a rollout failed: " + failure);
  return out;
}

template <class Policy>
double BasicEsTrainer<Policy>::validate(const Policy& policy) const {
  if (reference_.empty()) throw Error("ES fine-tuning: validate() before initialise()");
  const auto runs = validation_runs();
  const auto scores = score_all({policy}, runs);
  double sum = 0.0;
  for (std::size_t i = 0; i < runs.size(); ++i) sum += std::log(scores[i].meta_loss / reference_[i]);
  return sum / static_cast<double>(runs.size());
}

template <class Policy>
void BasicEsTrainer<Policy>::initialise() {
  const auto runs = validation_runs();
  const auto scores = score_all({initial_}, runs);
  reference_.clear();
  for (const auto& s : scores) reference_.push_back(s.meta_loss);
  best_validation_ = 0.0;
  best_iteration_ = 0;
  initialised_ = true;
}

template <class Policy>
UpdateReport BasicEsTrainer<Policy>::run_iteration() {
  if (!initialised_) throw Error("ES fine-tuning: run_iteration() before initialise() or restore()");
  if (finished()) throw Error("ES fine-tuning: every update has run");
  const auto start = std::chrono::steady_clock::now();
  const int it = iteration_ + 1;
  const Index d = moved_parameters();
  const int n = config_.pairs;
  // Directions, members and rollout seeds: from the trainer's seed and the update's number alone.
  Mat eps(d, n);
  std::vector<std::pair<std::size_t, std::uint64_t>> runs;
  std::vector<Policy> policies;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t s = pair_seed(seed_, it, i);
    Rng rng(s, "es-direction");
    for (Index k = 0; k < d; ++k) eps(k, i) = rng.normal();
    const std::size_t member = static_cast<std::size_t>(Rng(s, "es-member").below(family_.size()));
    for (int sign : {1, -1}) {
      runs.emplace_back(member, s);
      policies.push_back(policy_at(u_ + (sign * config_.sigma) * eps.col(i)));
    }
  }
  const auto scores = score_all(policies, runs);
  UpdateReport r;
  r.iteration = it;
  Vec g = Vec::Zero(d);
  double log_sum = 0.0;
  for (int i = 0; i < n; ++i) {
    const RolloutScore& plus = scores[static_cast<std::size_t>(2 * i)];
    const RolloutScore& minus = scores[static_cast<std::size_t>(2 * i + 1)];
    r.diverged += plus.diverged + minus.diverged;
    log_sum += std::log(plus.meta_loss) + std::log(minus.meta_loss);
    g += (std::log(plus.meta_loss) - std::log(minus.meta_loss)) * eps.col(i);
  }
  g /= 2.0 * config_.sigma * n;
  r.mean_log_loss = log_sum / (2.0 * n);
  r.gradient_rms = rms(g);
  // Adam on u (bias-corrected).
  m_ = config_.beta1 * m_ + (1.0 - config_.beta1) * g;
  v_ = config_.beta2 * v_ + (1.0 - config_.beta2) * g.cwiseProduct(g);
  const double c1 = 1.0 - std::pow(config_.beta1, it), c2 = 1.0 - std::pow(config_.beta2, it);
  for (Index k = 0; k < d; ++k)
    u_[k] -= config_.learning_rate * (m_[k] / c1) / (std::sqrt(v_[k] / c2) + config_.adam_epsilon);
  r.u_rms = rms(u_);
  iteration_ = it;
  if (it % config_.validate_every == 0 || finished()) {
    r.validated = true;
    r.validation = validate(current_policy());
    if (r.validation < best_validation_) {
      best_validation_ = r.validation;
      best_iteration_ = it;
      best_u_ = u_;
      r.best = true;
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  history_.push_back(r);
  return r;
}

template <class Policy>
nlohmann::json BasicEsTrainer<Policy>::checkpoint() const {
  nlohmann::json family = nlohmann::json::array();
  for (const auto& m : family_) {
    nlohmann::json e{{"label", m.label}, {"task", m.task->fingerprint()}, {"batch", m.batch}};
    if (m.horizon > 0) e["horizon"] = m.horizon;  // absent: the trainer's (and in older checkpoints)
    family.push_back(std::move(e));
  }
  nlohmann::json history = nlohmann::json::array();
  for (const auto& h : history_) history.push_back(h.to_json());
  return nlohmann::json{{"format", kFormat},
                        {"version", kCheckpointVersion},
                        {"seed", seed_},
                        {"horizon", horizon_},
                        {"config", config_.to_json()},
                        {"method", EsPolicy<Policy>::method},
                        {"initial_policy", EsPolicy<Policy>::fingerprint(initial_)},
                        {"family", family},
                        {"initialised", initialised_},
                        {"iteration", iteration_},
                        {"u", to_array(u_)},
                        {"adam_m", to_array(m_)},
                        {"adam_v", to_array(v_)},
                        {"reference", reference_},
                        {"best_u", to_array(best_u_)},
                        {"best_validation", best_validation_},
                        {"best_iteration", best_iteration_},
                        {"history", history}};
}

template <class Policy>
void BasicEsTrainer<Policy>::restore(const nlohmann::json& j, const std::string& where) {
  auto fail = [&](const std::string& why) { throw Error(fmt::format("{}: {}", where, why)); };
  if (!j.is_object() || j.value("format", std::string()) != kFormat) fail("not an ES fine-tuning checkpoint");
  try {
    if (json_integer<int>(j.at("version"), "version") != kCheckpointVersion)
      fail(fmt::format("checkpoint version {} is not {}", j.at("version").dump(), kCheckpointVersion));
    if (json_integer<std::uint64_t>(j.at("seed"), "seed") != seed_)
      fail(fmt::format("the checkpoint is of seed {}, this run's is {}", j.at("seed").dump(), seed_));
    if (json_integer<int>(j.at("horizon"), "horizon") != horizon_)
      fail(fmt::format("the checkpoint's horizon is {}, this run's {}", j.at("horizon").dump(), horizon_));
    // Checkpoints written before psd-small existed fine-tuned PSD policies.
    if (j.value("method", std::string("psd")) != EsPolicy<Policy>::method)
      fail(fmt::format("the checkpoint fine-tunes a {} policy, this run a {} policy", j.value("method", std::string("psd")),
                       EsPolicy<Policy>::method));
    if (j.at("initial_policy") != EsPolicy<Policy>::fingerprint(initial_)) fail("the checkpoint was made from another initial policy");
    // Every setting but the number of updates must agree (a run may be extended).
    nlohmann::json theirs = j.at("config"), ours = config_.to_json();
    if (theirs.is_object()) theirs.erase("iterations");
    // Checkpoints written before the field existed moved every network.
    if (theirs.is_object() && !theirs.contains("networks")) theirs["networks"] = nlohmann::json::array();
    ours.erase("iterations");
    if (theirs != ours) fail("the checkpoint was made with other ES settings (its \"config\" differs)");
    const auto& fam = j.at("family");
    if (!fam.is_array() || fam.size() != family_.size()) fail("the checkpoint's task family differs from this run's");
    for (std::size_t i = 0; i < family_.size(); ++i)
      if (fam[i].at("task") != family_[i].task->fingerprint() || fam[i].at("batch") != family_[i].batch ||
          fam[i].value("horizon", 0) != family_[i].horizon)
        fail(fmt::format("family member {} ({}) differs from the checkpoint's", i, family_[i].label));
    const Index d = moved_parameters();
    const int it = json_integer<int>(j.at("iteration"), "iteration");
    if (it < 0) fail(fmt::format("iteration {} is out of range", it));
    Vec u = from_array(j.at("u"), d, "u"), m = from_array(j.at("adam_m"), d, "adam_m"),
        v = from_array(j.at("adam_v"), d, "adam_v"), best = from_array(j.at("best_u"), d, "best_u");
    const std::size_t nref = validation_runs().size();
    const Vec ref = from_array(j.at("reference"), static_cast<Index>(nref), "reference");
    std::vector<UpdateReport> hist;
    for (const auto& h : j.at("history")) hist.push_back(UpdateReport::from_json(h, where));
    if (static_cast<int>(hist.size()) != it) fail("the history does not have one entry per update");
    if (!j.at("best_validation").is_number()) fail("best_validation must be a number");
    u_ = u;
    m_ = m;
    v_ = v;
    best_u_ = best;
    reference_.assign(ref.data(), ref.data() + ref.size());
    for (double x : reference_)
      if (!(x > 0)) fail("reference meta-losses must be positive");
    best_validation_ = j.at("best_validation").get<double>();
    best_iteration_ = json_integer<int>(j.at("best_iteration"), "best_iteration");
    iteration_ = it;
    history_ = std::move(hist);
    initialised_ = true;
  } catch (const nlohmann::json::exception& e) {
    fail(fmt::format("malformed checkpoint: {}", e.what()));
  } catch (const Error& e) {
    throw in_context(e, where);
  }
}

template class BasicEsTrainer<PsdPolicy>;
template class BasicEsTrainer<PsdSmallPolicy>;

}  // namespace l2o::es
