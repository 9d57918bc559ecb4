#include "l2o/psd_small/small_context.hpp"

#include <algorithm>
#include <cmath>

namespace l2o {

PsdSmallRole PsdSmallRole::of(const CoordinateGroup& g, std::size_t group_count, double reference_fan_in) {
  PsdSmallRole r;
  if (group_count == 1) return r;  // a plain objective: a hidden weight of the reference width
  r.is_bias = g.kind == GroupKind::Bias;
  r.is_output_layer = g.output_layer;
  if (r.is_bias) return r;
  const double width = std::log(static_cast<double>(std::max<Index>(g.cols, 1)) / reference_fan_in);
  if (g.output_layer)
    r.log_fan_in_output = width;
  else if (g.layer == 1)
    r.log_fan_in_input = width;
  else
    r.log_fan_in_hidden = width;
  return r;
}

void PsdSmallClock::advance(double loss) {
  ++t;
  const double a = std::abs(loss);
  if (t == 1) loss_first = loss;
  loss_last = loss;
  loss_ema_fast = kSmallLossFastBeta * loss_ema_fast + (1.0 - kSmallLossFastBeta) * a;
  loss_ema_slow = kSmallLossSlowBeta * loss_ema_slow + (1.0 - kSmallLossSlowBeta) * a;
}

double PsdSmallClock::log_loss_ratio() const {
  // Absolute values: a loss may be negative or zero (a plain objective); the ratio is then still defined.
  return std::clamp(std::log((std::abs(loss_last) + 1e-12) / (std::abs(loss_first) + 1e-12)), -10.0, 5.0);
}

double PsdSmallClock::log_loss_ema_ratio() const {
  const double tt = static_cast<double>(t);
  const double fast = loss_ema_fast / (1.0 - std::pow(kSmallLossFastBeta, tt));
  const double slow = loss_ema_slow / (1.0 - std::pow(kSmallLossSlowBeta, tt));
  return std::clamp(std::log((fast + 1e-12) / (slow + 1e-12)), -5.0, 5.0);
}

double advance_grad_rms(double& ema, double rms, long long t) {
  ema = kSmallGradRmsBeta * ema + (1.0 - kSmallGradRmsBeta) * rms;
  const double hat = ema / (1.0 - std::pow(kSmallGradRmsBeta, static_cast<double>(t)));
  return std::clamp(std::log((rms + 1e-30) / (hat + 1e-30)), -5.0, 5.0);
}

PsdSmallContext small_context(const PsdSmallClock& clock, const PsdSmallRole& role, double log_grad_rms_ratio,
                              Index batch, const PsdSmallArchitecture& arch) {
  const double t = static_cast<double>(clock.t);
  return {std::tanh(t / 10.0),
          std::tanh(t / 100.0),
          std::tanh(t / 1000.0),
          clock.log_loss_ratio(),
          clock.log_loss_ema_ratio(),
          log_grad_rms_ratio,
          role.log_fan_in_input,
          role.log_fan_in_hidden,
          role.log_fan_in_output,
          role.is_bias ? 1.0 : 0.0,
          role.is_output_layer ? 1.0 : 0.0,
          batch > 0 ? std::log(static_cast<double>(batch) / arch.reference_batch) : 0.0};
}
}  // namespace l2o
