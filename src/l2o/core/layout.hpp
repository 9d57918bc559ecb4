#pragma once
// The parameter layout of an optimizee: one flat vector, cut into coordinate groups. Coordinate
// groups are the unit of sharing in Convolutional GPS and in the learned optimizers (LM17 §3.5):
// for a neural net, one group per weight matrix and one per bias vector.
#include <string>
#include <vector>

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
};

inline const char* to_string(GroupKind k) { return k == GroupKind::Weight ? "weight" : "bias"; }
}  // namespace l2o
