#pragma once
// The per-group context of PSD-small (docs/psd-small.md, "Context"): 12 numbers computed once per
// coordinate group and step in float64, read by the first hidden layer (wc c) and by the group's
// learning rate (u . c). In order (PsdSmallArchitecture::context_names()):
//
//   0-2   tanh(t/10), tanh(t/100), tanh(t/1000)                 t = the 1-based step number
//   3     clamp(log((|f_t| + 1e-12) / (|f_1| + 1e-12)), -10, 5)   the loss against the first one
//   4     clamp(log((F_t + 1e-12) / (S_t + 1e-12)), -5, 5)        F, S: bias-corrected EMAs of |f|, betas 0.9, 0.99
//   5     clamp(log((rms_t + 1e-30) / (R_t + 1e-30)), -5, 5)      the group's gradient RMS against its own
//                                                                bias-corrected EMA R (beta 0.99, this step included)
//   6-8   log(fan_in / reference_fan_in) x [input-layer weight], x [hidden weight], x [output-layer weight]
//   9-10  is_bias, is_output_layer
//   11    log(batch / reference_batch), 0 when the batch is unknown (0)
#include <array>
#include <cstddef>

#include "l2o/core/layout.hpp"
#include "l2o/psd_small/small_architecture.hpp"

namespace l2o {

using PsdSmallContext = std::array<double, PsdSmallArchitecture::kContext>;

inline constexpr double kSmallLossFastBeta = 0.9;
inline constexpr double kSmallLossSlowBeta = 0.99;
inline constexpr double kSmallGradRmsBeta = 0.99;

// What a group is in its layout (fixed for a layout). Input-layer weights: layer 1 and not the
// output layer; output-layer weights: output_layer; hidden: every other weight. Biases have no
// width entries. A layout of one group (a plain objective, ParamLayout::single) counts as a hidden
// weight whose fan-in is the reference: every width entry 0, and it is not an output layer.
struct PsdSmallRole {
  double log_fan_in_input = 0.0;
  double log_fan_in_hidden = 0.0;
  double log_fan_in_output = 0.0;
  bool is_bias = false;
  bool is_output_layer = false;

  static PsdSmallRole of(const CoordinateGroup& group, std::size_t group_count, double reference_fan_in);
};

// The statistics one optimizer step shares across its groups: the step counter and the loss's.
struct PsdSmallClock {
  long long t = 0;             // steps taken (the current step's number once advanced)
  double loss_first = 0.0;     // f_1
  double loss_last = 0.0;      // f_t
  double loss_ema_fast = 0.0;  // biased EMAs of |f|
  double loss_ema_slow = 0.0;

  void advance(double loss);          // t += 1 and folds in this step's loss
  double log_loss_ratio() const;      // entry 3
  double log_loss_ema_ratio() const;  // entry 4
};

// Folds this step's gradient RMS into the group's (biased) EMA and returns entry 5. `t` is the
// clock's step number after advance().
double advance_grad_rms(double& ema, double rms, long long t);

PsdSmallContext small_context(const PsdSmallClock& clock, const PsdSmallRole& role, double log_grad_rms_ratio,
                              Index batch, const PsdSmallArchitecture& arch);
}  // namespace l2o
