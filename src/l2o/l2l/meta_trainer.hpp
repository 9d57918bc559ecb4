#pragma once
// Meta-training of the L2L optimizer (ADH16) by truncated backpropagation through the unrolled
// optimization of one MLP task, with Adam as the meta-optimizer and early stopping on held-out
// seeds. docs/l2l.md describes the algorithm and every constant.
//
// One epoch = one episode: a fresh initialisation and minibatch stream (a training seed drawn from
// the run's seed and the epoch number), `horizon` steps cut into segments of `unroll` steps, one
// Adam update of the policy after each segment. The optimizee and the LSTM state run on across
// segments and start afresh with each episode (as DM-code does).
//
// Everything is a function of the options, the task and the epoch counter, so a run restored from
// a checkpoint continues exactly as the uninterrupted run would have.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/l2l/l2l_policy.hpp"
#include "l2o/l2l/meta_train_options.hpp"
#include "l2o/optim/adam.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o {

struct L2LEpochReport {
  int epoch = 0;                  // 1-based number of the epoch just finished
  std::uint64_t episode_seed = 0; // initialisation/minibatch seed of its episode
  double meta_loss = 0.0;         // sum over the episode of the minibatch meta-loss terms (+inf if diverged)
  int updates = 0;                // meta-updates applied
  int diverged_segments = 0;      // segments that went non-finite (no update; the episode ends there)
  double grad_norm = 0.0;         // mean meta-gradient norm before clipping
  std::optional<double> validation;  // mean true meta-loss on the validation seeds, if evaluated
  double best_validation = std::numeric_limits<double>::infinity();
  int best_epoch = 0;             // epoch of the best policy so far (0: the initial policy)
  double seconds = 0.0;           // wall time of this epoch (training and validation)

  nlohmann::json to_json() const;
};

class L2LMetaTrainer {
 public:
  // A fresh run: a random policy (seeded by options.seed), a new Adam state. `task_identity`
  // describes the task (e.g. to_json(TaskSpec)); a checkpoint only restores into the same one.
  L2LMetaTrainer(const MlpTask& task, L2LTrainOptions options, L2LSettings settings,
                 nlohmann::json task_identity = nlohmann::json::object());

  // Continues from a checkpoint (see checkpoint()). The checkpoint must have been written for the
  // same task identity, policy settings and options (the number of epochs may differ, so that a
  // run can be extended). Throws l2o::Error naming `where` otherwise.
  void restore(const nlohmann::json& checkpoint, const std::string& where);

  int epochs_done() const { return epoch_; }
  bool finished() const { return epoch_ >= options_.epochs; }
  // Trains one epoch (plus the initial validation before the first, and a validation when due).
  L2LEpochReport run_epoch();

  // Current policy, Adam state, counters, the best policy and the history, as JSON.
  nlohmann::json checkpoint() const;

  const L2LTrainOptions& options() const { return options_; }
  const L2LPolicy& policy() const { return policy_; }
  // The policy with the best validation so far (the initial one before any validation).
  L2LPolicy best_policy() const;
  double best_validation() const { return best_validation_; }
  int best_epoch() const { return best_epoch_; }
  const std::vector<L2LEpochReport>& history() const { return history_; }

  // Mean true meta-loss of `policy` over the validation seeds (+inf if any run diverges).
  double validate(const L2LPolicy& policy) const;
  // The training seed of epoch `epoch` (1-based).
  std::uint64_t episode_seed(int epoch) const;

 private:
  void restore_checked(const nlohmann::json& checkpoint, const std::string& where);

  const MlpTask& task_;
  L2LTrainOptions options_;
  nlohmann::json task_identity_;
  L2LPolicy policy_;
  Adam adam_;
  int epoch_ = 0;
  bool initial_validated_ = false;
  Vec best_params_;
  double best_validation_ = std::numeric_limits<double>::infinity();
  int best_epoch_ = 0;
  std::vector<L2LEpochReport> history_;
};

// Writes a JSON document to a temporary file beside `path` and renames it into place (an
// interrupted write never leaves a truncated checkpoint). Throws l2o::Error naming the file.
void write_json_atomically(const std::string& path, const nlohmann::json& document);
// Reads a JSON document; throws l2o::Error naming the file and `what` it should be.
nlohmann::json read_json_file(const std::string& path, const std::string& what);
}  // namespace l2o
