#include "l2o/l2l/meta_trainer.hpp"
#include "l2o/core/json_integer.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "l2o/core/atomic_file.hpp"
#include "l2o/core/byte_buffer.hpp"
#include "l2o/core/distributed.hpp"
#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/l2l/l2l_optimizer.hpp"
#include "l2o/l2l/step_objective.hpp"
#include "l2o/l2l/unroll.hpp"
#include "l2o/optim/state_json.hpp"
#include "l2o/optim/train_loop.hpp"

namespace l2o {

namespace {
constexpr const char* kCheckpointFormat = "l2o-l2l-checkpoint";
constexpr int kCheckpointVersion = 1;

AdamOptions adam_options(const L2LTrainOptions& o) {
  AdamOptions a;
  a.lr = o.meta_lr;
  a.beta1 = o.beta1;
  a.beta2 = o.beta2;
  a.eps = o.adam_eps;
  return a;
}

// +inf is not a JSON number; the checkpoint stores it (and NaN) as a string, like optimizer state.
double decode_double(const nlohmann::json& v, const std::string& where, const char* key) {
  if (v.is_number()) return v.get<double>();
  if (v == "inf") return std::numeric_limits<double>::infinity();
  if (v == "nan") return std::numeric_limits<double>::quiet_NaN();
  throw Error(fmt::format("{}: checkpoint field '{}' is not a number", where, key));
}

Vec decode_params(const nlohmann::json& v, Index size, const std::string& where, const char* key) {
  if (!v.is_array() || static_cast<Index>(v.size()) != size)
    throw Error(fmt::format("{}: checkpoint field '{}' must hold {} numbers", where, key, size));
  Vec out(size);
  for (Index i = 0; i < size; ++i) {
    out[i] = decode_double(v[static_cast<size_t>(i)], where, key);
    if (!std::isfinite(out[i])) throw Error(fmt::format("{}: checkpoint field '{}' holds a non-finite value", where, key));
  }
  return out;
}

const nlohmann::json& member(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) throw Error(fmt::format("{}: checkpoint lacks '{}'", where, key));
  return *it;
}
}  // namespace

nlohmann::json L2LEpochReport::to_json() const {
  nlohmann::json j = {{"epoch", epoch},
                      {"episode_seed", episode_seed},
                      {"meta_loss", encode_number(meta_loss)},
                      {"updates", updates},
                      {"diverged_segments", diverged_segments},
                      {"grad_norm", encode_number(grad_norm)},
                      {"best_validation", encode_number(best_validation)},
                      {"best_epoch", best_epoch},
                      {"seconds", seconds}};
  j["validation"] = validation ? encode_number(*validation) : nlohmann::json();
  return j;
}

L2LMetaTrainer::L2LMetaTrainer(const MlpTask& task, L2LTrainOptions options, L2LSettings settings,
                               nlohmann::json task_identity)
    : task_(task),
      options_(options),
      task_identity_(std::move(task_identity)),
      policy_(L2LPolicy::random(settings, options.seed)),
      adam_(adam_options(options)) {
  options_.validate();
  adam_.init(ParamLayout::single(policy_.num_params()));
  best_params_ = policy_.params();
}

std::uint64_t L2LMetaTrainer::episode_seed(int epoch) const {
  // A function of (seed, epoch) only, so a resumed run draws the same episodes.
  const std::uint64_t h = derive_seed(options_.seed, fmt::format("l2l-episode-{}", epoch));
  return options_.train_seed_first + h % options_.train_seed_count;
}

double L2LMetaTrainer::validate(const L2LPolicy& policy) const {
  auto run_seed = [&](int i) {
    const dist::LoopTimer timer;
    L2LOptimizer opt(policy);
    RunOptions run;
    run.iters = options_.horizon;
    run.batch = options_.batch;
    run.seed = options_.val_seed_first + static_cast<std::uint64_t>(i);
    run.eval_every = options_.val_eval_every;
    const RunResult r = run_optimizer(task_, opt, run);
    return r.diverged ? std::numeric_limits<double>::infinity() : r.meta_loss();
  };
  const double inf = std::numeric_limits<double>::infinity();
  double sum = 0.0;
  if (dist::size() == 1) {
    for (int i = 0; i < options_.val_seeds; ++i) {
      const double v = run_seed(i);
      if (v == inf) return inf;  // a diverged run: no need to run the others
      sum += v;
    }
    return sum / options_.val_seeds;
  }
  // Under MPI the validation runs are spread over the ranks (the episodes are not: each segment's
  // update feeds the next); their meta-losses are summed in seed order, as above.
  const std::vector<std::string> got = dist::exchange(
      static_cast<std::size_t>(options_.val_seeds), [&](const std::vector<std::size_t>& mine, std::vector<std::string>& out) {
        for (std::size_t i : mine) {
          ByteWriter w;
          w.put<double>(run_seed(static_cast<int>(i)));
          out.push_back(w.take());
        }
      });
  for (const std::string& b : got) {
    ByteReader r(b, "l2l validation");
    const double v = r.get<double>();
    if (v == inf) return inf;
    sum += v;
  }
  return sum / options_.val_seeds;
}

L2LPolicy L2LMetaTrainer::best_policy() const {
  L2LPolicy p = policy_;
  p.set_params(best_params_);
  return p;
}

L2LEpochReport L2LMetaTrainer::run_epoch() {
  const auto start = std::chrono::steady_clock::now();
  if (!initial_validated_) {  // the untrained policy is the first candidate of early stopping
    best_validation_ = validate(policy_);
    best_params_ = policy_.params();
    best_epoch_ = 0;
    initial_validated_ = true;
  }
  L2LEpochReport rep;
  rep.epoch = epoch_ + 1;
  rep.episode_seed = episode_seed(rep.epoch);

  MlpEpisodeObjective objective(task_, options_.batch, rep.episode_seed, options_.horizon + 1);
  EpisodeState state = EpisodeState::begin(policy_, objective, task_.initial_params(rep.episode_seed));
  Vec grad(policy_.num_params()), delta;
  double norm_sum = 0.0;
  while (state.k < options_.horizon && !state.diverged) {
    grad.setZero();
    const int steps = std::min(options_.unroll, options_.horizon - state.k);
    const SegmentResult seg = unroll_segment(policy_, objective, steps, state, &grad);
    if (seg.diverged) {
      // No update from a non-finite segment; the episode ends (its iterate is unusable).
      ++rep.diverged_segments;
      break;
    }
    rep.meta_loss += seg.meta_loss;
    const double norm = grad.norm();
    norm_sum += norm;
    if (options_.clip_norm > 0.0 && norm > options_.clip_norm) grad *= options_.clip_norm / norm;
    adam_.step({policy_.params(), seg.meta_loss, grad, nullptr}, delta);
    policy_.set_params(policy_.params() + delta);
    ++rep.updates;
  }
  if (state.diverged) rep.meta_loss = std::numeric_limits<double>::infinity();
  rep.grad_norm = rep.updates > 0 ? norm_sum / rep.updates : 0.0;
  ++epoch_;

  if (epoch_ % options_.val_every == 0 || epoch_ == options_.epochs) {
    const double v = validate(policy_);
    rep.validation = v;
    if (v < best_validation_) {
      best_validation_ = v;
      best_params_ = policy_.params();
      best_epoch_ = epoch_;
    }
  }
  rep.best_validation = best_validation_;
  rep.best_epoch = best_epoch_;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  history_.push_back(rep);
  return rep;
}

nlohmann::json L2LMetaTrainer::checkpoint() const {
  nlohmann::json history = nlohmann::json::array();
  for (const auto& r : history_) history.push_back(r.to_json());
  return {{"format", kCheckpointFormat},
          {"version", kCheckpointVersion},
          {"task", task_identity_},
          {"architecture", policy_.settings().architecture_json()},
          {"features", policy_.settings().features_json()},
          {"options", options_.to_json()},
          {"epoch", epoch_},
          {"initial_validated", initial_validated_},
          {"params", encode_vec(policy_.params())},
          {"adam", adam_.save_state()},
          {"best", {{"params", encode_vec(best_params_)},
                    {"validation", encode_number(best_validation_)},
                    {"epoch", best_epoch_}}},
          {"history", history}};
}

void L2LMetaTrainer::restore(const nlohmann::json& ck, const std::string& where) {
  try {
    restore_checked(ck, where);
  } catch (const nlohmann::json::exception& e) {  // ill-typed fields
    throw Error(fmt::format("{}: malformed checkpoint: {}", where, e.what()));
  } catch (const Error& e) {
    throw in_context(e, where);
  }
}

void L2LMetaTrainer::restore_checked(const nlohmann::json& ck, const std::string& where) {
  if (!ck.is_object() || ck.value("format", std::string()) != kCheckpointFormat)
    throw Error(fmt::format("{}: not an l2l meta-training checkpoint (format '{}' expected)", where, kCheckpointFormat));
  if (!ck.contains("version") || !ck.at("version").is_number_integer() ||
      ck.at("version").get<std::int64_t>() != kCheckpointVersion)
    throw Error(fmt::format("{}: checkpoint version {} is not supported (this build reads version {})", where,
                            member(ck, "version", where).dump(), kCheckpointVersion));
  if (member(ck, "task", where) != task_identity_)
    throw Error(fmt::format("{}: checkpoint was written for another task ({}), not {}", where, ck["task"].dump(),
                            task_identity_.dump()));
  if (member(ck, "architecture", where) != policy_.settings().architecture_json() ||
      member(ck, "features", where) != policy_.settings().features_json())
    throw Error(fmt::format("{}: checkpoint was written for another policy architecture ({})", where,
                            ck["architecture"].dump()));
  // Every option but the number of epochs must match, or the resumed run would differ.
  nlohmann::json saved = L2LTrainOptions::from_json(member(ck, "options", where), where).to_json();
  nlohmann::json mine = options_.to_json();
  saved.erase("epochs");
  mine.erase("epochs");
  for (const auto& [key, value] : mine.items())
    if (saved[key] != value)
      throw Error(fmt::format("{}: checkpoint was written with {} = {}, this run asks for {}", where, key,
                              saved[key].dump(), value.dump()));
  const nlohmann::json& epoch = member(ck, "epoch", where);
  if (!epoch.is_number_integer() || json_integer<int>(epoch, "epoch") < 0)
    throw Error(fmt::format("{}: checkpoint field 'epoch' must be a non-negative integer", where));

  const Index n = policy_.num_params();
  Vec params = decode_params(member(ck, "params", where), n, where, "params");
  const nlohmann::json& best = member(ck, "best", where);
  Vec best_params = decode_params(member(best, "params", where), n, where, "best.params");
  const double best_val = decode_double(member(best, "validation", where), where, "best.validation");
  const int best_epoch = json_integer<int>(member(best, "epoch", where), "epoch");
  Adam adam(adam_options(options_));
  adam.init(ParamLayout::single(n));
  try {
    adam.load_state(member(ck, "adam", where));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", where, e.what()));
  }
  std::vector<L2LEpochReport> history;
  for (const auto& h : member(ck, "history", where)) {
    L2LEpochReport r;
    r.epoch = json_integer<int>(h.at("epoch"), "epoch");
    r.episode_seed = json_integer<std::uint64_t>(h.at("episode_seed"), "episode_seed");
    r.meta_loss = decode_double(h.at("meta_loss"), where, "history.meta_loss");
    r.updates = json_integer<int>(h.at("updates"), "updates");
    r.diverged_segments = json_integer<int>(h.at("diverged_segments"), "diverged_segments");
    r.grad_norm = decode_double(h.at("grad_norm"), where, "history.grad_norm");
    if (!h.at("validation").is_null()) r.validation = decode_double(h.at("validation"), where, "history.validation");
    r.best_validation = decode_double(h.at("best_validation"), where, "history.best_validation");
    r.best_epoch = json_integer<int>(h.at("best_epoch"), "best_epoch");
    r.seconds = h.at("seconds").get<double>();
    history.push_back(r);
  }
  policy_.set_params(params);
  adam_ = adam;
  epoch_ = json_integer<int>(epoch, "epoch");
  initial_validated_ = member(ck, "initial_validated", where).get<bool>();
  best_params_ = std::move(best_params);
  best_validation_ = best_val;
  best_epoch_ = best_epoch;
  history_ = std::move(history);
}

void write_json_atomically(const std::string& path, const nlohmann::json& document) {
  write_file_atomically(path, document.dump() + "\n", "checkpoint");
}

nlohmann::json read_json_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{} '{}' cannot be read", what, path));
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{} '{}' is not valid JSON (truncated or corrupt?): {}", what, path, e.what()));
  }
}
}  // namespace l2o
