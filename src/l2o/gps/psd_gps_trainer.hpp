#pragma once
// The assembled Convolutional-GPS meta-trainer of PSD (method §5.7; docs/meta-training.md).
//
//   initialise(): the teacher (tuned or grid-searched momentum, or another tuned optimizer) ->
//                 teacher rollouts -> psi_g fitted per group to its steps -> pi's input scale from
//                 the rollouts' features -> pi pre-trained by regression onto psi.
//   run_iteration(): the iteration's algorithm (algorithm/algorithm.hpp: BADMM, or mirror-descent
//                 GPS with gps.algorithm mdgps) says what to sample; N trajectories from it (fresh
//                 seeds each iteration, in parallel), pooled by slot; the algorithm updates psi
//                 and pi from them; pi is evaluated on fixed meta-training evaluation trajectories
//                 and the best pi is kept.
//
// Everything random derives from the meta-training seed and the iteration number, and the
// checkpoint holds the whole state (psi, duals, kappa, step multipliers, pi, Adam moments, the
// regression buffer), so a resumed run equals an uninterrupted one.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/gps/algorithm/algorithm.hpp"
#include "l2o/gps/algorithm/gps_state.hpp"
#include "l2o/gps/dynamics/linear_gaussian.hpp"
#include "l2o/gps/meta_train_config.hpp"
#include "l2o/gps/pooled_samples.hpp"
#include "l2o/gps/reports.hpp"
#include "l2o/gps/rollout.hpp"
#include "l2o/psd/policy.hpp"

namespace l2o::gps {

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

  const PsdPolicy& policy() const { return *state_.policy; }
  // The pi with the lowest evaluation meta-loss so far (the pre-trained one counts as iteration 0).
  PsdPolicy best_policy() const;
  int best_iteration() const { return best_iteration_; }
  double best_meta_loss() const { return best_meta_loss_; }
  const std::vector<LinearGaussianPolicy>& guiding_policies() const { return state_.psi; }
  const PsdMetaTrainConfig& config() const { return config_; }
  const std::vector<IterationReport>& history() const { return history_; }
  const InitReport& init_report() const { return init_report_; }

  // Mean true meta-loss of pi on the fixed evaluation seeds (meta-training seeds, never >= 1000).
  double evaluate_pi(const PsdPolicy& policy) const;

  // psd_gps_checkpoint.cpp.
  nlohmann::json checkpoint() const;
  // Throws l2o::Error (naming `where`) if the checkpoint is malformed or from another setting.
  void restore(const nlohmann::json& j, const std::string& where);

 private:
  // The iteration's trajectories as the plan asks, pooled by slot (those that diverged left out);
  // sets rep's sampled meta-loss and divergence count.
  PooledSamples sample(const SamplingPlan& plan, const std::string& tag, IterationReport& rep) const;
  // Evaluates pi, keeps the best, records the report.
  IterationReport conclude_iteration(IterationReport rep, std::chrono::steady_clock::time_point t0);
  // Throws l2o::Error if the restored state does not fit this run (restore's last step).
  void check_restored(const std::string& where) const;
  // Momentum's hyper-parameters: init.lr if set, else the tuned file's, else a grid search.
  nlohmann::json choose_momentum(std::string& source);

  // The layout of member 0, whose groups are psi's slots.
  const ParamLayout& slot_layout() const { return family_.front().layout(); }
  // Trajectories 0..count-1 of a named batch; factory(n, member) makes trajectory n's controller.
  std::vector<TrajectoryRecord> rollouts(
      const std::string& batch, Index count,
      const std::function<std::unique_ptr<Controller>(Index n, Index member)>& factory, const RecordOptions& record) const;
  // Per member, psi[slot of each of its groups] (the psi controllers of rollouts).
  std::vector<std::vector<LinearGaussianPolicy>> psi_by_member() const;
  // Per member and group, the width-aware step factor under `scaling`.
  std::vector<std::vector<double>> step_factors(const StepScaling& scaling) const;

  PsdMetaTrainConfig config_;
  std::uint64_t seed_;
  std::vector<RolloutTask> family_;
  std::vector<std::vector<std::size_t>> slots_;  // [member][group] -> slot
  bool initialised_ = false;
  int iteration_ = 0;
  GpsState state_;
  Vec best_params_;
  int best_iteration_ = 0;
  double best_meta_loss_ = 0.0;
  std::vector<IterationReport> history_;
  InitReport init_report_;
};

}  // namespace l2o::gps
