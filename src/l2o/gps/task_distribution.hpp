#pragma once
// The meta-training distribution of PSD (docs/meta-training.md, "A meta-training
// distribution"). Instead of one task, GPS draws each trajectory's task from a family: the
// command's task (member 0, whose layout defines the guiding policies' coordinate-group slots)
// plus `tasks` members drawn once from the meta-training seed, each the same data set projected
// to a drawn width, a net with one or two hidden layers of drawn widths, and a drawn minibatch
// size. Optionally every trajectory's initial weights are rescaled per tensor by 10^U(-r, r)
// (Celo's task augmentation). The horizon stays the GPS horizon: psi is a time-varying
// linear-Gaussian policy over one common T (docs/meta-training.md says why).
//
// The groups of a member map onto the slots of member 0 (a one-hidden-layer net: W1, b1, W2, b2)
// by role: every hidden layer's weights to slot 0 and bias to slot 1, the output layer's to 2 and 3.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/field_table.hpp"
#include "l2o/core/layout.hpp"
#include "l2o/core/types.hpp"

namespace l2o::gps {

struct TaskDistribution {
  int tasks = 0;  // members drawn besides the command's task; 0: single-task meta-training
  std::vector<double> projection_widths{32, 48, 64, 100};  // input widths the data is projected to
  std::vector<double> hidden_widths{32, 48, 100, 200};     // widths of each hidden layer
  std::vector<double> hidden_layers{1, 2};                 // numbers of hidden layers
  std::vector<double> batches{10, 32, 64, 128};            // minibatch sizes
  double rescale_log10 = 0.0;  // per-tensor rescaling of the initial weights by 10^U(-r, r); 0: off

  bool enabled() const { return tasks > 0 || rescale_log10 > 0; }
  void validate(const std::string& where) const;  // throws l2o::Error naming the field
  nlohmann::json to_json() const;
  static TaskDistribution from_json(const nlohmann::json& j, const std::string& where);
};
const FieldTable<TaskDistribution>& task_distribution_fields();

// One drawn member: the layer widths (input, hidden..., classes) and the minibatch size.
struct TaskDraw {
  std::vector<int> arch;
  int batch = 64;
  std::string arch_text() const;  // "64-100-10"
};

// The `tasks` drawn members, deterministic in `seed`; `classes` is the output width.
std::vector<TaskDraw> draw_tasks(const TaskDistribution& d, int classes, std::uint64_t seed);

// Which member (0 .. members-1) the trajectory with initialisation seed `init_seed` runs on
// (always 0 for one member, so single-task runs draw nothing).
Index member_of_trajectory(std::uint64_t init_seed, Index members);

// Slot of each group of `member` in the layout of member 0 (see above). Identity when the two
// layouts have the same groups; throws l2o::Error if member 0 is not a one-hidden-layer net of
// four groups and the layouts differ.
std::vector<std::size_t> group_slots(const ParamLayout& reference, const ParamLayout& member);

}  // namespace l2o::gps
