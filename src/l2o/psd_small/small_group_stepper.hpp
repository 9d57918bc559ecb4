#pragma once
// The per-group entry point of PSD-small on raw memory, shared by PsdSmallOptimizer and the Python
// binding (which steps torch tensors in place through their data pointers). One optimizer step:
//
//   PsdSmallStepper stepper(policy, threads);
//   stepper.begin_step(loss, batch);          // once: the step counter and the loss statistics
//   for each group:                            // any order; each group once
//     stepper.step_group(role, n, x, g, moments, grad_rms_ema, delta);   // or step_group_in_place
//
// The caller owns each group's state: `moments`, 4n floats [m1 | m2 | m3 | v], zero at the start,
// and `grad_rms_ema`, one double, zero at the start (the group's biased EMA of its gradient RMS;
// its bias correction uses the stepper's step counter, so a group should exist from step 1).
// PsdSmallRole::of(group, group_count, arch.reference_fan_in) gives a group's role.
//
// Errors: begin_step throws l2o::DivergenceError on a non-finite loss before changing anything;
// step_group throws it when the group's parameters or gradient hold a NaN or Inf (found through
// their sums of squares), before changing that group's state. Groups stepped earlier in the same
// step have already moved: a caller that needs all-or-nothing checks every gradient first (as
// PsdSmallOptimizer does).
#include <memory>

#include "l2o/psd_small/small_context.hpp"
#include "l2o/psd_small/small_policy.hpp"
#include "l2o/psd_small/small_step.hpp"

namespace l2o {

class PsdSmallStepper {
 public:
  explicit PsdSmallStepper(std::shared_ptr<const PsdSmallPolicy> policy, int threads = 1);

  void begin_step(double loss, Index batch);

  // delta[j] = the step of coordinate j (T = double with D = double, or T = float with D = float or
  // double).
  template <class T, class D>
  void step_group(const PsdSmallRole& role, Index n, const T* x, const T* g, float* moments, double& grad_rms_ema,
                  D* delta) const;
  // x[j] += the step of coordinate j (T = float or double).
  template <class T>
  void step_group_in_place(const PsdSmallRole& role, Index n, T* x, const T* g, float* moments,
                           double& grad_rms_ema) const;

  // The two halves of step_group (and of step_group_in_place), for a caller that checks every
  // group before stepping any (PsdSmallOptimizer, the Python binding): the group's sums of squares (before begin_step, or after; throws nothing),
  // then the step from them (throws l2o::DivergenceError, before any change, if they are not finite).
  template <class T>
  PsdSmallSquares squares(Index n, const T* x, const T* g) const {
    return small_group_squares(n, x, g, threads_);
  }
  template <class T, class D>
  void step_group(const PsdSmallRole& role, const PsdSmallSquares& sq, Index n, const T* x, const T* g,
                  float* moments, double& grad_rms_ema, D* delta) const;
  template <class T>
  void step_group_in_place(const PsdSmallRole& role, const PsdSmallSquares& sq, Index n, T* x, const T* g,
                           float* moments, double& grad_rms_ema) const;

  // The context and scalars a group would get this step (for tests and inspection); advances
  // `grad_rms_ema` like step_group.
  PsdSmallContext group_context(const PsdSmallRole& role, double rms_g, double& grad_rms_ema) const;

  const PsdSmallPolicy& policy() const { return *policy_; }
  const std::shared_ptr<const PsdSmallPolicy>& policy_ptr() const { return policy_; }
  const PsdSmallKernel& kernel() const { return kernel_; }
  int threads() const { return threads_; }
  // The step-level state (t and the loss statistics), for checkpoints.
  const PsdSmallClock& clock() const { return clock_; }
  void set_clock(const PsdSmallClock& c) { clock_ = c; }

 private:
  PsdSmallGroupScalars prepare(const PsdSmallRole& role, Index n, const PsdSmallSquares& sq, double& grad_rms_ema) const;

  std::shared_ptr<const PsdSmallPolicy> policy_;
  PsdSmallKernel kernel_;
  int threads_;
  PsdSmallClock clock_;
  Index batch_ = 0;
};
}  // namespace l2o
