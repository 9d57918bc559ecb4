#pragma once
// Fine-tuning a learned optimizer's policy on its own meta-loss by antithetic evolution strategies
// (Salimans et al. 2017, as learned optimizers since Metz et al. 2019 are trained): beyond the
// paper; docs/meta-training.md, "Fine-tuning π on its own meta-loss: ES". One trainer for every
// policy type ES can move (es_policy.hpp says, per type, which parameters move, at what scale, and
// which optimizer a policy makes): PSD's (EsTrainer) and psd-small's (EsSmallTrainer).
//
// Why: GPS improves the guiding policies on a state that holds the true gradient, and π, regressed
// onto them on their own trajectories, does not get the improvement on its own (finding 4). ES
// needs neither: it scores π by the meta-loss of π's own rollouts, the quantity the bench reports.
//
// The moved parameters (EsParams) are θ = θ0 + s ⊙ u, with s the RMS of each network's moved
// parameters in the initial policy, so σ and the learning rate are relative sizes. One update:
//   for i < pairs: a member m_i of the family and a rollout seed r_i (from the trainer's seed and
//     the update's number), a direction ε_i ~ N(0, I); the meta-losses L±_i of θ(u ± σε_i) on
//     (m_i, r_i), the same initialisation and minibatches for both (common random numbers);
//   ĝ = Σ_i (log L+_i - log L-_i) ε_i / (2σ·pairs), the gradient of the mean log meta-loss (scale-
//     free across members whose meta-losses differ by 10x); u <- Adam(u, ĝ).
// Every validate_every updates the policy is scored on fixed validation seeds (every member x
// validation_runs): the mean over those runs of log(L_θ / L_θ0). The best-scoring policy (the
// initial one scores 0) is what best_policy() returns: selection on validation seeds only.
//
// Deterministic for a seed, whatever the thread count (each rollout is independent, sums run in a
// fixed order); checkpoint()/restore() resume bit for bit.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/types.hpp"
#include "l2o/es/es_config.hpp"
#include "l2o/es/es_policy.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o::es {

struct FamilyMember {
  const MlpTask* task = nullptr;
  int batch = 64;
  std::string label;  // "48-48-10/64", for reports
  int horizon = 0;    // iterations of this member's rollouts; 0 = the trainer's horizon
};

struct RolloutScore {
  double meta_loss = 0.0;  // Σ_t f(x_t) (or the divergence penalty)
  bool diverged = false;
};

struct UpdateReport {
  int iteration = 0;        // 1-based
  double mean_log_loss = 0; // mean log meta-loss over the update's 2·pairs rollouts
  int diverged = 0;         // rollouts that diverged
  double gradient_rms = 0;  // RMS of ĝ
  double u_rms = 0;         // RMS of u after the update (distance from the initial policy)
  bool validated = false;
  double validation = 0.0;  // mean log(L / L_initial) on the validation runs (negative = better)
  bool best = false;        // the best validation so far
  double seconds = 0.0;
  nlohmann::json to_json() const;
  static UpdateReport from_json(const nlohmann::json& j, const std::string& where);
};

template <class Policy>
class BasicEsTrainer {
 public:
  // `family` is non-empty and its tasks outlive the trainer; `horizon` iterations per rollout
  // (of members whose own horizon is 0).
  BasicEsTrainer(std::vector<FamilyMember> family, Policy initial, EsConfig config, int horizon, std::uint64_t seed);

  // Scores the initial policy on the validation runs (its meta-losses are the reference of every
  // validation). Call once before run_iteration(), unless restore() was called.
  void initialise();
  UpdateReport run_iteration();
  bool finished() const { return iteration_ >= config_.iterations; }
  int iterations_done() const { return iteration_; }

  Index moved_parameters() const { return static_cast<Index>(index_.size()); }
  Policy policy_at(const Vec& u) const;  // the initial policy with θ0 + s ⊙ u
  Policy current_policy() const { return policy_at(u_); }
  Policy best_policy() const { return policy_at(best_u_); }
  int best_iteration() const { return best_iteration_; }  // 0: the initial policy
  double best_validation() const { return best_validation_; }
  const std::vector<double>& reference() const { return reference_; }  // initial policy, validation runs
  const std::vector<UpdateReport>& history() const { return history_; }
  const EsConfig& config() const { return config_; }

  // The meta-loss of `policy` on `member` with rollout seed `seed` (initialisation and minibatches).
  RolloutScore rollout(const Policy& policy, std::size_t member, std::uint64_t seed) const;
  // The validation score of `policy`: mean log(L / reference) over the validation runs.
  double validate(const Policy& policy) const;

  nlohmann::json checkpoint() const;
  // Throws l2o::Error naming `where` when the checkpoint is of another seed, horizon, family,
  // initial policy or settings, or malformed.
  void restore(const nlohmann::json& j, const std::string& where);

 private:
  std::vector<std::pair<std::size_t, std::uint64_t>> validation_runs() const;  // (member, seed)
  std::vector<RolloutScore> score_all(const std::vector<Policy>& policies,
                                      const std::vector<std::pair<std::size_t, std::uint64_t>>& runs) const;

  std::vector<FamilyMember> family_;
  Policy initial_;
  EsConfig config_;
  int horizon_;
  std::uint64_t seed_;
  Vec theta0_;                   // all parameters of the initial policy
  std::vector<Index> index_;     // positions of the moved parameters in theta0_
  Vec scale_;                    // s, per moved parameter
  Vec u_, m_, v_;                // ES coordinates and Adam moments
  int iteration_ = 0;
  bool initialised_ = false;
  std::vector<double> reference_;
  Vec best_u_;
  double best_validation_ = 0.0;
  int best_iteration_ = 0;
  std::vector<UpdateReport> history_;
};

extern template class BasicEsTrainer<PsdPolicy>;
extern template class BasicEsTrainer<PsdSmallPolicy>;
using EsTrainer = BasicEsTrainer<PsdPolicy>;            // PSD's policies (LSTMs)
using EsSmallTrainer = BasicEsTrainer<PsdSmallPolicy>;  // psd-small's (docs/psd-small.md)

}  // namespace l2o::es
