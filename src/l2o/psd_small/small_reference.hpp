#pragma once
// The PSD-small rule written literally, in float64, one coordinate at a time, with no blocking,
// no float32 and none of the fused kernel's shortcuts (std::exp and std::tanh). It exists only as
// the tests' reference for the fused kernel (tests/psd_small/fused_vs_reference_test.cpp); it
// shares nothing with the runtime but the policy and the layout, so a slip in either side shows.
#include <vector>

#include "l2o/core/layout.hpp"
#include "l2o/core/types.hpp"
#include "l2o/psd_small/small_policy.hpp"

namespace l2o {

class PsdSmallReference {
 public:
  explicit PsdSmallReference(PsdSmallPolicy policy) : policy_(std::move(policy)) {}
  void init(const ParamLayout& layout);
  // The step of every coordinate (the caller applies x += delta).
  Vec step(const Vec& x, double loss, const Vec& grad, Index batch = 0);
  // The context of group k at the last step.
  const std::vector<double>& last_context(std::size_t k) const { return context_.at(k); }

 private:
  PsdSmallPolicy policy_;
  ParamLayout layout_;
  long long t_ = 0;
  double f1_ = 0, fast_ = 0, slow_ = 0;
  std::vector<double> grad_ema_;
  Mat m_;  // dim x 3
  Vec v_;
  std::vector<std::vector<double>> context_;
};
}  // namespace l2o
