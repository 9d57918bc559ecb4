#include "l2o/psd_small/small_group_stepper.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "l2o/core/error.hpp"

namespace l2o {

namespace {
const PsdSmallPolicy& checked(const std::shared_ptr<const PsdSmallPolicy>& p) {
  if (!p) throw Error("psd-small: no policy");
  return *p;
}
}  // namespace

PsdSmallStepper::PsdSmallStepper(std::shared_ptr<const PsdSmallPolicy> policy, int threads)
    : policy_(std::move(policy)), kernel_(checked(policy_)), threads_(threads) {
  if (threads_ < 1) throw Error(fmt::format("psd-small: threads must be >= 1, got {}", threads_));
}

void PsdSmallStepper::begin_step(double loss, Index batch) {
  if (!std::isfinite(loss))
    throw DivergenceError(fmt::format("psd-small: non-finite loss at iteration {}", clock_.t + 1));
  clock_.advance(loss);
  batch_ = batch;
}

PsdSmallContext PsdSmallStepper::group_context(const PsdSmallRole& role, double rms_g, double& grad_rms_ema) const {
  const double ratio = advance_grad_rms(grad_rms_ema, rms_g, clock_.t);
  return small_context(clock_, role, ratio, batch_, policy_->arch());
}

PsdSmallGroupScalars PsdSmallStepper::prepare(const PsdSmallRole& role, Index n, const PsdSmallSquares& sq,
                                              double& grad_rms_ema) const {
  if (clock_.t < 1) throw Error("psd-small: step_group() before begin_step()");
  if (!std::isfinite(sq.x) || !std::isfinite(sq.g))
    throw DivergenceError(fmt::format("psd-small: non-finite {} at iteration {}", std::isfinite(sq.g) ? "iterate" : "gradient",
                                      clock_.t));
  const double count = static_cast<double>(std::max<Index>(n, 1));
  const double rms_x = std::sqrt(sq.x / count), rms_g = std::sqrt(sq.g / count);
  const PsdSmallContext c = group_context(role, rms_g, grad_rms_ema);
  return make_group_scalars(*policy_, clock_.t, c, rms_x);
}

template <class T, class D>
void PsdSmallStepper::step_group(const PsdSmallRole& role, Index n, const T* x, const T* g, float* moments,
                                 double& grad_rms_ema, D* delta) const {
  step_group(role, squares(n, x, g), n, x, g, moments, grad_rms_ema, delta);
}

template <class T, class D>
void PsdSmallStepper::step_group(const PsdSmallRole& role, const PsdSmallSquares& sq, Index n, const T* x,
                                 const T* g, float* moments, double& grad_rms_ema, D* delta) const {
  const PsdSmallGroupScalars s = prepare(role, n, sq, grad_rms_ema);
  small_fused_delta(kernel_, s, n, x, g, moments, delta, threads_);
}

template <class T>
void PsdSmallStepper::step_group_in_place(const PsdSmallRole& role, Index n, T* x, const T* g, float* moments,
                                          double& grad_rms_ema) const {
  step_group_in_place(role, squares(n, static_cast<const T*>(x), g), n, x, g, moments, grad_rms_ema);
}

template <class T>
void PsdSmallStepper::step_group_in_place(const PsdSmallRole& role, const PsdSmallSquares& sq, Index n, T* x,
                                          const T* g, float* moments, double& grad_rms_ema) const {
  const PsdSmallGroupScalars s = prepare(role, n, sq, grad_rms_ema);
  small_fused_in_place(kernel_, s, n, x, g, moments, threads_);
}

template void PsdSmallStepper::step_group<double, double>(const PsdSmallRole&, Index, const double*, const double*,
                                                          float*, double&, double*) const;
template void PsdSmallStepper::step_group<float, float>(const PsdSmallRole&, Index, const float*, const float*, float*,
                                                        double&, float*) const;
template void PsdSmallStepper::step_group<float, double>(const PsdSmallRole&, Index, const float*, const float*,
                                                         float*, double&, double*) const;
template void PsdSmallStepper::step_group<double, double>(const PsdSmallRole&, const PsdSmallSquares&, Index,
                                                          const double*, const double*, float*, double&,
                                                          double*) const;
template void PsdSmallStepper::step_group_in_place<float>(const PsdSmallRole&, Index, float*, const float*, float*,
                                                          double&) const;
template void PsdSmallStepper::step_group_in_place<double>(const PsdSmallRole&, Index, double*, const double*, float*,
                                                           double&) const;
template void PsdSmallStepper::step_group_in_place<float>(const PsdSmallRole&, const PsdSmallSquares&, Index, float*,
                                                          const float*, float*, double&) const;
template void PsdSmallStepper::step_group_in_place<double>(const PsdSmallRole&, const PsdSmallSquares&, Index, double*,
                                                           const double*, float*, double&) const;
}  // namespace l2o
