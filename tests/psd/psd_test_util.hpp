#pragma once
// Helpers shared by the PSD tests: policies with known behaviour (MLP layouts: mlp_param_layout).
#include <vector>

#include "l2o/core/layout.hpp"
#include "l2o/task/mlp_task.hpp"
#include "l2o/core/precision.hpp"
#include "l2o/nn/bf16x3_product.hpp"
#include "l2o/psd/policy.hpp"

namespace l2o::test {

// Sets `net` so that it outputs (almost exactly) `multiple` * O2: cell 0's input and output gates
// are saturated open and its forget gate shut, its candidate is tanh(w * O2) with tiny w, so
// h_0 = tanh(tanh(w O2)) = w O2 (1 + O(w^2 O2^2)), and the read-out divides by w. Every other
// weight is zero.
inline void make_o2_multiple(Lstm& net, double multiple, double output_scale) {
  const double w = 1e-5, big = 50.0;  // sigmoid(50) rounds to 1 in double precision
  const Index H = net.config().layers.front();
  net.params().setZero();
  auto W = net.weights(0);
  auto b = net.bias(0);
  b(0) = big;           // input gate of cell 0
  b(H) = -big;          // forget gate of cell 0
  b(3 * H) = big;       // output gate of cell 0
  W(2 * H, 1) = w;      // candidate of cell 0 reads O2 (input column 1)
  net.readout_weights()(0, 0) = multiple / (w * output_scale);
}

// The precisions this machine runs (bf16x3 needs oneDNN and AVX512-BF16 or AMX).
inline std::vector<Precision> runnable_precisions() {
  std::vector<Precision> ps{Precision::Float64, Precision::Float32};
  if (bf16x3_available()) ps.push_back(Precision::Bf16x3);
  return ps;
}
}  // namespace l2o::test
