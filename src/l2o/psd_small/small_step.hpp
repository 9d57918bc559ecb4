#pragma once
// The fused float32 step of PSD-small (docs/psd-small.md, "Runtime"): one pass over a coordinate
// group that, per coordinate, updates the four moments, forms the five features, runs the MLP and
// writes the step, so that every coordinate's data is read and written once. Coordinates go
// through in blocks of kSmallBlock with the block's features and hidden activations in
// structure-of-arrays form (per unit, the block's values in SIMD vectors, small_simd.hpp), so that
// each operation of the network is one instruction per vector: 8 coordinates with AVX2, 16 with
// AVX-512.
//
// Threads: the group is cut into fixed chunks of kSmallChunk coordinates (independent of the thread
// count) and the chunks are spread over OpenMP threads. Every coordinate's arithmetic depends only
// on its own data and the group's scalars, and the group sums (small_group_squares) add fixed
// blocks in a fixed order, so the result is bit-identical for any thread count.
//
// Storage: parameters and gradients are float or double (T); the moments are float32, four arrays
// of n floats [m1 | m2 | m3 | v] at `moments`. The step either goes into a delta buffer (double or
// float) or is added to the parameters in place (the Python binding steps torch tensors this way).
#include <array>
#include <vector>

#include "l2o/core/types.hpp"
#include "l2o/psd_small/small_context.hpp"
#include "l2o/psd_small/small_policy.hpp"

namespace l2o {

inline constexpr Index kSmallBlock = 16;    // coordinates per SIMD block
inline constexpr Index kSmallChunk = 8192;  // coordinates per thread work item (a multiple of the block)
inline constexpr Index kSmallSumBlock = 4096;  // coordinates per partial sum of small_group_squares

// The policy narrowed to float32 once, in the layout the kernel reads (row-major weight matrices).
struct PsdSmallKernel {
  explicit PsdSmallKernel(const PsdSmallPolicy& policy);
  Index h1 = 0, h2 = 0;  // h2 = 0: one hidden layer
  bool tanh = false;     // the activation: tanh, else relu
  std::vector<float> w1;  // h1 x 5
  std::vector<float> w2;  // h2 x h1
  std::vector<float> b2;  // h2
  std::vector<float> w3;  // 2 x h_last (row 0: d, row 1: s)
  std::array<float, 2> b3{};
  // w1, w2, w3 again with every weight repeated kSimdWidth times (small_simd.hpp): the block loop
  // then reads a whole vector of one weight straight into its FMA instead of broadcasting it.
  std::vector<float> w1x, w2x, w3x;
  std::array<float, 3> beta{}, one_minus_beta{};
  float beta2 = 0, one_minus_beta2 = 0, eps = 0;
};

// What one step of one group shares across its coordinates, computed in float64 from the context
// (make_group_scalars) and narrowed.
struct PsdSmallGroupScalars {
  std::array<float, 3> corr{};  // 1 / (1 - beta_k^t)
  float corr2 = 1;              // 1 / (1 - beta2^t)
  float inv_rms_x = 0;          // 1 / (rms_g(x) + 1e-12); 0 for an all-zero group
  float neg_lr = 0;             // -lr_g = -exp(clamp(log_lr + u . c, -30, 5))
  std::array<float, PsdSmallArchitecture::kMaxHidden> pre1{};  // b1 + wc c
};

PsdSmallGroupScalars make_group_scalars(const PsdSmallPolicy& policy, long long t, const PsdSmallContext& c,
                                        double rms_x);

// Sums of squares of a group's parameters and gradient, in float64, over fixed blocks of
// kSmallSumBlock added in order (bit-identical for any thread count).
struct PsdSmallSquares {
  double x = 0, g = 0;
};
template <class T>
PsdSmallSquares small_group_squares(Index n, const T* x, const T* g, int threads);

// The fused pass. out_delta: delta[j] = step_j; in place: x[j] += step_j (x is then both read
// and written; out must be x).
template <class T, class D>
void small_fused_delta(const PsdSmallKernel& k, const PsdSmallGroupScalars& s, Index n, const T* x, const T* g,
                       float* moments, D* delta, int threads);
template <class T>
void small_fused_in_place(const PsdSmallKernel& k, const PsdSmallGroupScalars& s, Index n, T* x, const T* g,
                          float* moments, int threads);
}  // namespace l2o
