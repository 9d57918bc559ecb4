#pragma once
// A named array of doubles with a shape: how network weights travel to and from policy files.
// Data are stored column-major (first index fastest), like Eigen matrices: a tensor of shape
// [rows, cols] maps directly onto an Eigen::Map<Mat>(data, rows, cols).
#include <string>
#include <vector>

#include "l2o/core/types.hpp"

namespace l2o {

struct Tensor {
  std::string name;
  std::vector<Index> shape;
  Vec data;

  Index element_count() const {
    Index n = 1;
    for (Index s : shape) n *= s;
    return n;
  }
};

// The tensor called `name`, or nullptr.
inline const Tensor* find_tensor(const std::vector<Tensor>& tensors, const std::string& name) {
  for (const Tensor& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}
}  // namespace l2o
