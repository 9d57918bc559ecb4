#pragma once
// The parameter layout of an optimizee: one flat vector, cut into coordinate groups. Coordinate
// groups are the unit of sharing in Convolutional GPS and in the learned optimizers (LM17 §3.5):
// for a neural net, one group per weight matrix and one per bias vector.
//
// Build one with the add_* calls, which lay the groups out one after another (offsets and dim are
// computed) and number the layers:
//
//   l2o::ParamLayout layout;
//   layout.add_dense(/*fan_in=*/1, /*fan_out=*/16)                         // W1 (16 x 1), b1 (16)
//         .add_dense(/*fan_in=*/16, /*fan_out=*/1, /*output_layer=*/true); // W2 (1 x 16), b2 (1)
//
// or group by group: layout.add_weight(16, 1).add_bias(16).add_weight(1, 16, {.output_layer = true})
// .add_bias(1, {.output_layer = true}); options name a group or set its layer ({.name = "embed",
// .layer = 1}).
#include <string>
#include <utility>
#include <vector>

#include "l2o/core/error.hpp"
#include "l2o/core/types.hpp"

namespace l2o {

enum class GroupKind { Weight, Bias };

struct CoordinateGroup {
  std::string name;     // "W1", "b1", "W2", ... (user objectives may use any name)
  GroupKind kind = GroupKind::Weight;
  int layer = 1;        // 1-based layer index
  bool output_layer = false;  // true for the last layer's weights and bias
  Index rows = 0;       // weight: fan-out; bias: length
  Index cols = 1;       // weight: fan-in; bias: 1
  Index offset = 0;     // position of the first coordinate in the flat vector
  Index size() const { return rows * cols; }
};

inline const char* to_string(GroupKind k) { return k == GroupKind::Weight ? "weight" : "bias"; }

// What the add_* calls may be told about a group beyond its shape.
struct GroupOptions {
  std::string name;           // empty: "W<layer>" for a weight, "b<layer>" for a bias
  int layer = 0;              // 0: automatic (a weight opens the next layer, a bias joins the current one)
  bool output_layer = false;  // the learned optimizers step the output layer with their own networks
};

struct ParamLayout {
  Index dim = 0;
  std::vector<CoordinateGroup> groups;

  // A layout with one group covering all coordinates (for plain objectives).
  static ParamLayout single(Index dim, std::string name = "x") {
    ParamLayout l;
    l.dim = dim;
    l.groups.push_back(CoordinateGroup{std::move(name), GroupKind::Weight, 1, true, dim, 1, 0});
    return l;
  }

  // A weight matrix of `rows` (fan-out) x `cols` (fan-in) coordinates, placed after the groups so
  // far. Throws l2o::Error on a non-positive size, a negative layer or a repeated name.
  ParamLayout& add_weight(Index rows, Index cols, GroupOptions options = {}) {
    return add_group(GroupKind::Weight, rows, cols, std::move(options));
  }
  // A bias vector of `length` coordinates, placed after the groups so far.
  ParamLayout& add_bias(Index length, GroupOptions options = {}) {
    return add_group(GroupKind::Bias, length, 1, std::move(options));
  }
  // A fully connected layer: its weight (fan_out x fan_in) then its bias (fan_out), both in the
  // next layer, named W<layer> and b<layer>.
  ParamLayout& add_dense(Index fan_in, Index fan_out, bool output_layer = false) {
    const int layer = next_layer();
    add_weight(fan_out, fan_in, {.name = {}, .layer = layer, .output_layer = output_layer});
    return add_bias(fan_out, {.name = {}, .layer = layer, .output_layer = output_layer});
  }

  // The group named `name`; throws l2o::Error when there is none.
  const CoordinateGroup& group(const std::string& name) const {
    for (const auto& g : groups)
      if (g.name == name) return g;
    throw Error("ParamLayout: no coordinate group named '" + name + "'");
  }

 private:
  int last_layer() const { return groups.empty() ? 0 : groups.back().layer; }
  int next_layer() const {
    int top = 0;
    for (const auto& g : groups) top = g.layer > top ? g.layer : top;
    return top + 1;
  }

  ParamLayout& add_group(GroupKind kind, Index rows, Index cols, GroupOptions options) {
    const bool weight = kind == GroupKind::Weight;
    const char* what = weight ? "add_weight" : "add_bias";
    if (options.layer < 0)
      throw Error(std::string("ParamLayout::") + what + ": layer must be >= 1 (or 0 for automatic), got " +
                  std::to_string(options.layer));
    const int layer = options.layer > 0 ? options.layer : weight ? next_layer() : (last_layer() > 0 ? last_layer() : 1);
    std::string name = options.name.empty() ? (weight ? "W" : "b") + std::to_string(layer) : std::move(options.name);
    if (weight && (rows <= 0 || cols <= 0))
      throw Error(std::string("ParamLayout::add_weight: weight '") + name + "' needs rows >= 1 and cols >= 1, got " +
                  std::to_string(rows) + " x " + std::to_string(cols));
    if (!weight && rows <= 0)
      throw Error(std::string("ParamLayout::add_bias: bias '") + name + "' needs length >= 1, got " +
                  std::to_string(rows));
    for (const auto& g : groups)
      if (g.name == name)
        throw Error(std::string("ParamLayout::") + what + ": a coordinate group named '" + name +
                    "' exists already; give the group its own name (GroupOptions::name)");
    groups.push_back(CoordinateGroup{std::move(name), kind, layer, options.output_layer, rows, cols, dim});
    dim += rows * cols;
    return *this;
  }
};

}  // namespace l2o
