#include "l2o/gps/task_distribution.hpp"

#include <fmt/core.h>

#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"

namespace l2o::gps {
namespace {

using TD = TaskDistribution;
const FieldContext kTaskFamilyContext{"task distribution", "field", "distribution."};

void check_integers(const std::vector<double>& values, const std::string& field, double lo, double hi,
                    const std::string& where) {
  if (values.empty()) throw Error(fmt::format("{}: distribution.{} must not be empty", where, field));
  for (double v : values)
    if (v != std::floor(v) || v < lo || v > hi)
      throw Error(fmt::format("{}: distribution.{} values must be integers in [{}, {}], got {}", where, field, lo, hi, v));
}

int pick(const std::vector<double>& values, Rng& rng) {
  return static_cast<int>(values[static_cast<std::size_t>(rng.below(values.size()))]);
}

}  // namespace

const FieldTable<TaskDistribution>& task_distribution_fields() {
  static const FieldTable<TD> t{
      integer<TD>("tasks", &TD::tasks, closed(0, 64), "members drawn besides the command's task (0: single task)"),
      number_list<TD>("projection_widths", &TD::projection_widths, at_least(1), "input widths the data is projected to"),
      number_list<TD>("hidden_widths", &TD::hidden_widths, at_least(1), "widths of each hidden layer"),
      number_list<TD>("hidden_layers", &TD::hidden_layers, closed(1, 2), "numbers of hidden layers (1 or 2)"),
      number_list<TD>("batches", &TD::batches, at_least(1), "minibatch sizes"),
      number<TD>("rescale_log10", &TD::rescale_log10, closed(0, 3),
                 "initial weights rescaled per tensor by 10^U(-r, r) (0: off)"),
  };
  return t;
}

void TaskDistribution::validate(const std::string& where) const {
  check_fields(task_distribution_fields(), *this, FieldContext{where, "field", "distribution."});
  check_integers(projection_widths, "projection_widths", 1, 100000, where);
  check_integers(hidden_widths, "hidden_widths", 1, 100000, where);
  check_integers(hidden_layers, "hidden_layers", 1, 2, where);
  check_integers(batches, "batches", 1, 1000000, where);
}

nlohmann::json TaskDistribution::to_json() const { return write_fields(task_distribution_fields(), *this); }

TaskDistribution TaskDistribution::from_json(const nlohmann::json& j, const std::string& where) {
  TaskDistribution d;
  read_fields(task_distribution_fields(), j, d, FieldContext{where, "field", "distribution."});
  d.validate(where);
  return d;
}

std::string TaskDraw::arch_text() const {
  std::string s;
  for (int w : arch) s += (s.empty() ? "" : "-") + std::to_string(w);
  return s;
}

std::vector<TaskDraw> draw_tasks(const TaskDistribution& d, int classes, std::uint64_t seed) {
  d.validate("task distribution");
  Rng rng(seed, "task-distribution");
  std::vector<TaskDraw> out;
  for (int k = 0; k < d.tasks; ++k) {
    TaskDraw t;
    t.arch.push_back(pick(d.projection_widths, rng));
    const int layers = pick(d.hidden_layers, rng);
    for (int l = 0; l < layers; ++l) t.arch.push_back(pick(d.hidden_widths, rng));
    t.arch.push_back(classes);
    t.batch = pick(d.batches, rng);
    out.push_back(std::move(t));
  }
  return out;
}

Index member_of_trajectory(std::uint64_t init_seed, Index members) {
  if (members <= 1) return 0;
  return static_cast<Index>(derive_seed(init_seed, "family-member") % static_cast<std::uint64_t>(members));
}

std::vector<std::size_t> group_slots(const ParamLayout& reference, const ParamLayout& member) {
  std::vector<std::size_t> slots(member.groups.size());
  bool same = reference.groups.size() == member.groups.size();
  for (std::size_t g = 0; same && g < member.groups.size(); ++g)
    same = reference.groups[g].kind == member.groups[g].kind &&
           reference.groups[g].output_layer == member.groups[g].output_layer;
  if (same) {
    for (std::size_t g = 0; g < slots.size(); ++g) slots[g] = g;
    return slots;
  }
  const auto& r = reference.groups;
  const bool mlp1 = r.size() == 4 && r[0].kind == GroupKind::Weight && !r[0].output_layer &&
                    r[1].kind == GroupKind::Bias && !r[1].output_layer && r[2].kind == GroupKind::Weight &&
                    r[2].output_layer && r[3].kind == GroupKind::Bias && r[3].output_layer;
  if (!mlp1)
    throw Error("task distribution: the command's task must be a net with one hidden layer (groups W1, b1, W2, b2) "
                "when the members' nets differ from it");
  for (std::size_t g = 0; g < member.groups.size(); ++g) {
    const CoordinateGroup& c = member.groups[g];
    slots[g] = (c.output_layer ? 2 : 0) + (c.kind == GroupKind::Bias ? 1 : 0);
  }
  return slots;
}

}  // namespace l2o::gps
