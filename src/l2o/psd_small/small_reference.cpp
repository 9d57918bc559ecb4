#include "l2o/psd_small/small_reference.hpp"

#include <algorithm>
#include <cmath>

namespace l2o {

void PsdSmallReference::init(const ParamLayout& layout) {
  layout_ = layout;
  t_ = 0;
  f1_ = fast_ = slow_ = 0;
  grad_ema_.assign(layout.groups.size(), 0.0);
  m_ = Mat::Zero(layout.dim, 3);
  v_ = Vec::Zero(layout.dim);
  context_.assign(layout.groups.size(), {});
}

Vec PsdSmallReference::step(const Vec& x, double loss, const Vec& grad, Index batch) {
  const PsdSmallArchitecture& a = policy_.arch();
  const PsdSmallPolicy& p = policy_;
  ++t_;
  const double t = static_cast<double>(t_);
  if (t_ == 1) f1_ = loss;
  fast_ = 0.9 * fast_ + 0.1 * std::abs(loss);
  slow_ = 0.99 * slow_ + 0.01 * std::abs(loss);
  const double fast_hat = fast_ / (1 - std::pow(0.9, t)), slow_hat = slow_ / (1 - std::pow(0.99, t));
  Vec delta = Vec::Zero(layout_.dim);
  const bool single = layout_.groups.size() == 1;
  for (std::size_t k = 0; k < layout_.groups.size(); ++k) {
    const CoordinateGroup& g = layout_.groups[k];
    const Index n = g.size();
    if (n == 0) continue;
    double sx = 0, sg = 0;
    for (Index j = g.offset; j < g.offset + n; ++j) {
      sx += x(j) * x(j);
      sg += grad(j) * grad(j);
    }
    const double rms_x = std::sqrt(sx / n), rms_g = std::sqrt(sg / n);
    grad_ema_[k] = 0.99 * grad_ema_[k] + 0.01 * rms_g;
    const double ema_hat = grad_ema_[k] / (1 - std::pow(0.99, t));
    const bool weight = !single && g.kind == GroupKind::Weight;
    const double width = std::log(static_cast<double>(g.cols) / a.reference_fan_in);
    const bool input = weight && g.layer == 1 && !g.output_layer;
    const bool output = weight && g.output_layer;
    const bool hidden = weight && !input && !output;
    std::vector<double> c{std::tanh(t / 10),
                          std::tanh(t / 100),
                          std::tanh(t / 1000),
                          std::clamp(std::log((std::abs(loss) + 1e-12) / (std::abs(f1_) + 1e-12)), -10.0, 5.0),
                          std::clamp(std::log((fast_hat + 1e-12) / (slow_hat + 1e-12)), -5.0, 5.0),
                          std::clamp(std::log((rms_g + 1e-30) / (ema_hat + 1e-30)), -5.0, 5.0),
                          input ? width : 0.0,
                          hidden ? width : 0.0,
                          output ? width : 0.0,
                          !single && g.kind == GroupKind::Bias ? 1.0 : 0.0,
                          !single && g.output_layer ? 1.0 : 0.0,
                          batch > 0 ? std::log(static_cast<double>(batch) / a.reference_batch) : 0.0};
    context_[k] = c;
    double uc = p.log_lr;
    for (int i = 0; i < 12; ++i) uc += p.u(i) * c[static_cast<std::size_t>(i)];
    const double lr = std::exp(std::clamp(uc, -30.0, 5.0));
    for (Index j = g.offset; j < g.offset + n; ++j) {
      const double gj = grad(j);
      double mh[3];
      for (int b = 0; b < 3; ++b) {
        m_(j, b) = a.betas[b] * m_(j, b) + (1 - a.betas[b]) * gj;
        mh[b] = m_(j, b) / (1 - std::pow(a.betas[b], t));
      }
      v_(j) = a.beta2 * v_(j) + (1 - a.beta2) * gj * gj;
      const double vh = v_(j) / (1 - std::pow(a.beta2, t));
      const double r = 1 / (std::sqrt(vh) + a.eps);
      const double f[5] = {gj * r, mh[0] * r, mh[1] * r, mh[2] * r,
                           rms_x > 0 ? std::clamp(x(j) / (rms_x + 1e-12), -5.0, 5.0) : 0.0};
      auto act = [&](double z) { return a.activation == SmallActivation::Tanh ? std::tanh(z) : std::max(z, 0.0); };
      Vec h(p.w1.rows());
      for (Index u = 0; u < h.size(); ++u) {
        double z = p.b1(u);
        for (int q = 0; q < 5; ++q) z += p.w1(u, q) * f[q];
        for (int i = 0; i < 12; ++i) z += p.wc(u, i) * c[static_cast<std::size_t>(i)];
        h(u) = act(z);
      }
      if (p.two_layers()) {
        Vec h2(p.w2.rows());
        for (Index u = 0; u < h2.size(); ++u) {
          double z = p.b2(u);
          for (Index q = 0; q < h.size(); ++q) z += p.w2(u, q) * h(q);
          h2(u) = act(z);
        }
        h = h2;
      }
      double d = p.b3(0), s = p.b3(1);
      for (Index q = 0; q < h.size(); ++q) {
        d += p.w3(0, q) * h(q);
        s += p.w3(1, q) * h(q);
      }
      delta(j) = -lr * (f[2] * std::exp(std::clamp(s, -8.0, 8.0)) + d);
    }
  }
  return delta;
}
}  // namespace l2o
