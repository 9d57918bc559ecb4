#pragma once
// The assembled Convolutional-GPS meta-trainer of PSD (method §5.7; docs/meta-training.md).
//
//   initialise(): the teacher (tuned or grid-searched momentum, or another tuned optimizer) ->
//                 teacher rollouts -> psi_g fitted per group to its steps -> pi's input scale from
//                 the rollouts' features -> pi pre-trained by regression onto psi.
//   run_iteration(), BADMM (gps.algorithm badmm, LM17):
//     1. N trajectories from psi (fresh seeds each iteration), in parallel;
//     2. per group: tied curvature cost, GMM/NIW dynamics, pi's linearisation; step-size update;
//     3. BADMM inner loop: theta-step (LSTM regression, skipped on the first pass of iteration 0),
//        re-linearise pi, lambda step (nu step on the last pass), psi-step (trust-region LQG);
//     4. pi evaluated on fixed meta-training evaluation trajectories; the best pi is kept.
//   run_iteration(), on-policy mirror-descent GPS (gps.algorithm mdgps; Montgomery & Levine 2016):
//     1. N trajectories from pi plus its Gaussian exploration noise (from psi in the first
//        iteration, or always with mdgps.on_policy false);
//     2. per group: tied cost, dynamics and pi's linearisation pibar on those samples; the step
//        multiplier from whether pibar's cost improved as the previous models predicted;
//     3. C-step: psi = argmin of LQG cost subject to KL(psi || pibar) <= epsilon;
//     4. S-step: pi regressed onto psi's mean actions at the states pi visited; pi's exploration
//        variance per group becomes the covariance that best matches psi's;
//     5. evaluation as in BADMM.
//
// Everything random derives from the meta-training seed and the iteration number, and the
// checkpoint holds the whole state (psi, duals, kappa, step multipliers, pi, Adam moments, the
// regression buffer), so a resumed run equals an uninterrupted one.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/gps/badmm.hpp"
#include "l2o/gps/linear_gaussian.hpp"
#include "l2o/gps/meta_train_config.hpp"
#include "l2o/gps/policy_regression.hpp"
#include "l2o/gps/rollout.hpp"
#include "l2o/psd/policy.hpp"

namespace l2o::gps {

struct GroupReport {
  std::string name;
  double kl_step = 0.0;     // sum_t E[KL(psi_new || psi_sampled)] of the last psi-step
  double epsilon = 0.0;     // its bound
  double kl_pi = 0.0;       // mean over t of the sample KL(psi || pi)
  double kappa = 0.0;
  double nu = 0.0;          // mean over t
  double step_mult = 1.0;
  double curvature = 0.0;   // mean over t of the fitted h_{g,t}
  std::string status;       // trust-region status of the last psi-step
};

struct IterationReport {
  int iteration = 0;          // 1-based
  std::string sampled = "psi"; // the policy the iteration's trajectories came from: psi, or pi (on-policy MDGPS)
  double psi_meta_loss = 0.0; // mean true meta-loss of the trajectories sampled this iteration
  double pi_meta_loss = 0.0;  // mean true meta-loss of pi (after this iteration) on the evaluation seeds
  int diverged = 0;           // psi trajectories that diverged (excluded from the fits)
  std::vector<GroupReport> groups;
  std::vector<double> regression_loss;  // per network, last theta-step
  double seconds = 0.0;
  nlohmann::json to_json() const;
};

struct InitReport {
  std::string teacher = "momentum";  // the optimizer whose steps the initial psi fits
  nlohmann::json teacher_hyper;      // its hyper-parameters
  std::string teacher_source;        // "tuned file ...", "config", "grid search"
  double teacher_meta_loss = 0.0;    // on the evaluation seeds
  double psi_meta_loss = 0.0;      // mean-action psi on the evaluation seeds
  double pi_meta_loss = 0.0;       // pre-trained pi on the evaluation seeds
  double output_scale = 1.0;
  std::vector<double> regression_loss;
  double seconds = 0.0;
  nlohmann::json to_json() const;
};

// One task of a meta-training family (task_distribution.hpp) and its minibatch size.
struct FamilyMember {
  const MlpTask* task = nullptr;
  int batch = 64;
};

class PsdGpsTrainer {
 public:
  // The task must outlive the trainer. config.gps.sampling gives iterations, N, T, coordinates.
  PsdGpsTrainer(const MlpTask& task, PsdMetaTrainConfig config, std::uint64_t seed);
  // Meta-training over a family: family[0] is the command's task (its layout gives psi's group
  // slots; its fan-ins the width-aware steps' references), the rest the distribution's members
  // (config.distribution.tasks of them). Each trajectory runs on the member its seeds pick.
  PsdGpsTrainer(std::vector<FamilyMember> family, PsdMetaTrainConfig config, std::uint64_t seed);
  Index family_size() const { return static_cast<Index>(family_.size()); }

  bool initialised() const { return initialised_; }
  InitReport initialise();
  IterationReport run_iteration();
  int iterations_done() const { return iteration_; }
  bool finished() const { return iteration_ >= config_.gps.sampling.iterations; }

  const PsdPolicy& policy() const { return *policy_; }
  // The pi with the lowest evaluation meta-loss so far (the pre-trained one counts as iteration 0).
  PsdPolicy best_policy() const;
  int best_iteration() const { return best_iteration_; }
  double best_meta_loss() const { return best_meta_loss_; }
  const std::vector<LinearGaussianPolicy>& guiding_policies() const { return psi_; }
  const PsdMetaTrainConfig& config() const { return config_; }
  const std::vector<IterationReport>& history() const { return history_; }
  const InitReport& init_report() const { return init_report_; }

  // Mean true meta-loss of pi on the fixed evaluation seeds (meta-training seeds, never >= 1000).
  double evaluate_pi(const PsdPolicy& policy) const;

  nlohmann::json checkpoint() const;
  // Throws l2o::Error (naming `where`) if the checkpoint is malformed or from another setting.
  void restore(const nlohmann::json& j, const std::string& where);

 private:
  struct GroupState {
    LinearGaussianPolicy psi;
    BadmmDuals duals;
    double kappa = 1.0;
    double step_mult = 1.0;
    bool has_model = false;
    double prev_objective = 0.0, predicted_objective = 0.0, last_kl = -1.0;
    double pi_var = 0.0;  // MDGPS: variance of pi's exploration noise (and of its linearisation)
  };
  IterationReport run_badmm_iteration();
  IterationReport run_mdgps_iteration();
  // Evaluates pi, keeps the best, records the report.
  IterationReport conclude_iteration(IterationReport rep, std::chrono::steady_clock::time_point t0);
  // Throws l2o::Error if the restored state does not fit this run (restore's last step).
  void check_restored(const std::string& where) const;
  // Momentum's hyper-parameters: init.lr if set, else the tuned file's, else a grid search.
  nlohmann::json choose_momentum(std::string& source);
  // factors[g]: each sample's width-aware step factor (targets are regressed unscaled).
  // offset (optional) [g][t]: added to psi's mean before the division.
  std::vector<RegressionSet> regression_sets(const std::vector<std::vector<Mat>>& states,
                                             const std::vector<std::vector<Mat>>& obs,
                                             const std::vector<Vec>& factors,
                                             const std::vector<std::vector<Mat>>* offset = nullptr) const;

  // The layout of member 0, whose groups are psi's slots.
  const ParamLayout& slot_layout() const { return family_.front().layout(); }
  // Trajectories 0..count-1 of a named batch; factory(n, member) makes trajectory n's controller.
  std::vector<TrajectoryRecord> rollouts(
      const std::string& batch, Index count,
      const std::function<std::unique_ptr<Controller>(Index n, Index member)>& factory, const RecordOptions& record) const;
  // Per member, psi_[slot of each of its groups] (the psi controllers of rollouts).
  std::vector<std::vector<LinearGaussianPolicy>> psi_by_member() const;
  // Per member and group, the width-aware step factor under `scaling`.
  std::vector<std::vector<double>> step_factors(const StepScaling& scaling) const;

  PsdMetaTrainConfig config_;
  std::uint64_t seed_;
  std::vector<RolloutTask> family_;
  std::vector<std::vector<std::size_t>> slots_;  // [member][group] -> slot
  bool initialised_ = false;
  int iteration_ = 0;
  std::vector<LinearGaussianPolicy> psi_;  // one per group
  std::vector<GroupState> groups_;
  std::shared_ptr<PsdPolicy> policy_;
  Vec best_params_;
  int best_iteration_ = 0;
  double best_meta_loss_ = 0.0;
  PolicyRegressor regressor_;
  std::deque<std::vector<RegressionSet>> buffer_;  // earlier iterations' regression sets
  std::vector<IterationReport> history_;
  InitReport init_report_;
  nlohmann::json history_json_ = nlohmann::json::array();
};

}  // namespace l2o::gps
