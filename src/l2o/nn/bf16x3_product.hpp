#pragma once
// The gate product of the float32 LSTM runtime, a = W [u; h] + b, as three bfloat16 products on
// the CPU's matrix units (Intel AMX through oneDNN's matmul): the `bf16x3` precision
// (docs/psd.md, "bf16x3").
//
// Why three: one bfloat16 product keeps 8 bits of each factor (relative error ~4e-3), too coarse
// for a policy whose steps were fitted in float64. Each float32 value v is split as v = hi + lo
// with hi = bf16(v) and lo = bf16(v - hi) (together 16 bits), and
//
//   W z  ~  W_hi z_hi + W_hi z_lo + W_lo z_hi        (the dropped W_lo z_lo is ~2^-16 relative)
//
// accumulated in float32: one matrix product of depth 3K against the stacked [W_hi; W_hi; W_lo]
// (the bias rides along as the weight of a constant-1 input). The products' error is then about
// 1e-5 relative, against 6e-8 for float32, at a fraction of float32's cost on AMX.
//
// Each call computes a fixed block of `block` columns (coordinates) on the calling thread, so a
// column's arithmetic does not depend on the thread count or on the other columns.
#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "l2o/core/types.hpp"

namespace l2o {

// Whether this build and CPU run bf16x3 products on matrix or bfloat16 vector units. When not,
// `why` (if given) says what is missing.
bool bf16x3_available(std::string* why = nullptr);

// Per-thread buffers of a product (the bfloat16 copy of the block's inputs, oneDNN's scratchpad
// and stream); create one per thread with Bf16x3GateProduct::make_scratch.
struct Bf16x3Scratch;
using Bf16x3ScratchPtr = std::shared_ptr<Bf16x3Scratch>;

class Bf16x3GateProduct {
 public:
  // W: rows x (in + H), b: rows; columns are computed `block` at a time. Throws l2o::Error when
  // bf16x3 is not available (the message says why) or the sizes disagree.
  Bf16x3GateProduct(const Eigen::Ref<const MatF>& W, const Eigen::Ref<const VecF>& b, Index in, Index block);

  Index rows() const;
  Index block() const;
  Bf16x3ScratchPtr make_scratch() const;
  // a (resized to at least rows x block) receives W [u; h] + b in its first n = u.cols() columns
  // (n <= block; u is in x n, h is H x n).
  void apply(const Eigen::Ref<const MatF>& u, const Eigen::Ref<const MatF>& h, MatF& a, Bf16x3Scratch& s) const;

  struct Impl;

 private:
  std::shared_ptr<const Impl> impl_;
};

// Round-to-nearest-even float -> bfloat16 bits (NaN stays NaN), and back. Branch-free, so that the
// loops of the product vectorise.
inline std::uint16_t to_bf16(float v) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(v);
  const std::uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;  // ties to even
  const bool nan = (u & 0x7fffffffu) > 0x7f800000u;                       // a quiet NaN, not infinity
  return static_cast<std::uint16_t>(nan ? 0x7fc0u : rounded);
}
inline float from_bf16(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }
}  // namespace l2o
