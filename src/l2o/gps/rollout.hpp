#pragma once
// Rollouts of the optimizer MDP on an MLP task (method §1.3, §5.7 step 1): one trajectory starts
// from the task's seeded initialisation, draws a fresh minibatch each step, and at every step
// t = 0..T computes the minibatch loss and gradient (for the features), the TRUE objective and
// gradient (the cost and the gradient component of the GPS state), the observation features Psi
// and the state features Phi; a controller then chooses the step. x_{t+1} = x_t + a_t.
//
// The per-coordinate GPS state is s_j = [x_j, g_j, Phi_j], or with the adaptive column
// s_j = [x_j, g_j, n_j, Phi_j] where n_j = ghat_j / (sqrt(sum_{tau<=t} ghat_{j,tau}^2) + 1e-10) is
// the AdaGrad direction of the minibatch gradients ghat (docs/gps.md, "The per-coordinate state"); for a seeded subsample of each group's coordinates the rollout records s_t (t = 0..T),
// a_t and Psi_t, and for every step the sums the curvature fit needs (CurvatureData, over ALL
// coordinates). rollout_batch runs N trajectories in parallel (OpenMP, and over MPI ranks); each
// has its own seeds and writes only its own slot, so the result does not depend on the thread or
// rank count.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "l2o/core/layout.hpp"
#include "l2o/core/types.hpp"
#include "l2o/gps/traj_opt/cost_model.hpp"
#include "l2o/psd/observation_features.hpp"
#include "l2o/psd/state_features.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o::gps {

// The task as the meta-trainer sees it: the MLP, the examples of its training set on which the
// true objective is evaluated (all, or a seeded subset for speed), the minibatch and horizon.
class RolloutTask {
 public:
  // cost_examples = 0 or >= train_count: the whole task training set.
  // adaptive_state: the GPS state carries the AdaGrad direction n_j (see above).
  RolloutTask(const MlpTask& task, int batch, int horizon, Index cost_examples, std::uint64_t cost_subset_seed,
              bool adaptive_state = false);
  const MlpTask& task() const { return *task_; }
  const ParamLayout& layout() const { return task_->layout(); }
  int batch() const { return batch_; }
  int horizon() const { return horizon_; }
  Index cost_count() const { return static_cast<Index>(cost_set_.size()); }
  bool adaptive_state() const { return adaptive_state_; }
  // The true objective (mean loss over the cost examples) and its gradient.
  double true_objective(const Vec& x, Vec* grad) const;
  // Celo's task augmentation: each trajectory's initial weight matrices are rescaled, each by its
  // own 10^U(-r, r) drawn from the trajectory's initialisation seed (r = 0: off).
  void set_init_rescale(double log10_range);
  double init_rescale() const { return init_rescale_log10_; }
  // The trajectory's initial parameters: the task's seeded initialisation, rescaled as above.
  Vec initial_params(std::uint64_t init_seed) const;

 private:
  const MlpTask* task_;
  int batch_, horizon_;
  std::vector<Index> cost_set_;
  bool adaptive_state_ = false;
  double init_rescale_log10_ = 0.0;
};

// What a controller sees at step t.
struct StepView {
  Index t;
  const Vec& x;
  double minibatch_loss;
  const Vec& minibatch_grad;
  double objective;       // true f(x_t)
  const Vec& true_grad;   // true gradient at x_t
  const Vec* adaptive;    // the AdaGrad direction n (every coordinate), or nullptr without that column
  const ObservationFeatures& psi;
  const StateFeatures& phi;
};

// Chooses the step of one trajectory. One instance per trajectory (it may keep state).
class Controller {
 public:
  virtual ~Controller() = default;
  virtual void act(const StepView& view, Vec& delta) = 0;
};
using ControllerFactory = std::function<std::unique_ptr<Controller>(Index trajectory)>;

// Per-coordinate GPS state rows [x_j, g_j, (n_j,) Phi_j] for the given coordinates
// (n x (2 + Phi count), one more column when `adaptive` is given).
void gps_state_rows(const Vec& x, const Vec& true_grad, const Vec* adaptive, const StateFeatures& phi,
                    const std::vector<Index>& coords, Mat& out);
void gps_state_rows(const Vec& x, const Vec& true_grad, const Vec* adaptive, const StateFeatures& phi,
                    const CoordinateGroup& group, Mat& out);

struct TrajectorySeeds {
  std::uint64_t init = 0;       // MlpTask::initial_params
  std::uint64_t minibatch = 0;  // MinibatchSampler
  std::uint64_t coords = 0;     // which coordinates are recorded
};

struct RecordOptions {
  bool record = true;             // false: only the objective curve (evaluation runs)
  Index coordinates_per_group = 16;
};

struct TrajectoryRecord {
  std::vector<std::vector<Index>> coords;   // [group]: recorded coordinates (absolute indices, sorted)
  std::vector<std::vector<Mat>> states;     // [group][t], t = 0..T: m x dX
  std::vector<std::vector<Mat>> actions;    // [group][t], t = 0..T-1: m x 1
  std::vector<std::vector<Mat>> obs;        // [group][t], t = 0..T-1: inputs x m (Psi_t, the policy's input)
  std::vector<double> objective;            // true f(x_t), t = 0..T (up to the divergence)
  CurvatureData curvature;                  // (groups, T, 1)
  bool diverged = false;
  std::string divergence;
  Index member = 0;                         // which task of the family it ran on (rollout_batch)
  // sum_{t=1..T} f(x_t); +inf if diverged.
  double meta_loss() const;
};

// A record as bytes and back (core/byte_buffer.hpp), bit-exact: what the ranks of a distributed
// rollout_batch exchange. decode_trajectory throws l2o::Error on malformed bytes.
std::string encode_trajectory(const TrajectoryRecord& r);
TrajectoryRecord decode_trajectory(const std::string& bytes);

// One trajectory of `horizon` steps.
TrajectoryRecord rollout(const RolloutTask& task, const FeatureConfig& obs_features, const FeatureConfig& state_features,
                         Controller& controller, const TrajectorySeeds& seeds, const RecordOptions& record);

// N trajectories in parallel (OpenMP), seeds[n] and factory(n) for trajectory n. Under MPI
// (core/distributed.hpp) each rank runs its share of the trajectories and the ranks exchange the
// records, so every rank returns all N, identical to a single process's (a collective call: every
// rank must make it).
std::vector<TrajectoryRecord> rollout_batch(const RolloutTask& task, const FeatureConfig& obs_features,
                                            const FeatureConfig& state_features, const ControllerFactory& factory,
                                            const std::vector<TrajectorySeeds>& seeds, const RecordOptions& record);
// The same over a family of tasks: trajectory n runs on family[member[n]] (and records member[n]).
std::vector<TrajectoryRecord> rollout_batch(const std::vector<const RolloutTask*>& family,
                                            const std::vector<Index>& member, const FeatureConfig& obs_features,
                                            const FeatureConfig& state_features, const ControllerFactory& factory,
                                            const std::vector<TrajectorySeeds>& seeds, const RecordOptions& record);

// Seeds of trajectory n of a named batch ("iter-3", "eval", ...) of meta-training seed `seed`.
TrajectorySeeds trajectory_seeds(std::uint64_t seed, const std::string& batch, Index n);
std::vector<TrajectorySeeds> batch_seeds(std::uint64_t seed, const std::string& batch, Index count);

}  // namespace l2o::gps
