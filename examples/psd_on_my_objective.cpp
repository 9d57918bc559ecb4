// Using Predicted Step Descent from your own C++ code, on your own objective.
//
//   example_psd_on_my_objective [POLICY.json]
//
// The objective here is a small regression: a 1-16-1 tanh network fitted to y = sin(2x) + noise.
// Its parameters live in one flat vector cut into named coordinate groups (ParamLayout /
// CoordinateGroup), which is what PSD needs to decide which of its networks steps which
// coordinates (docs/psd.md). With a policy file (for example one written by the meta-trainer)
// PSD uses it; without one it uses a freshly initialised policy, which shows the mechanics but
// has learned nothing yet, so do not expect it to optimise well.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "l2o/core/error.hpp"
#include "l2o/core/layout.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/psd/psd_optimizer.hpp"

namespace {

constexpr int kHidden = 16;
constexpr int kPoints = 128;

// The user's model: y_hat = W2 tanh(W1 x + b1) + b2, parameters laid out as W1 | b1 | W2 | b2.
l2o::ParamLayout regression_layout() {
  using l2o::CoordinateGroup;
  using l2o::GroupKind;
  l2o::ParamLayout layout;
  // name, kind, layer, output layer?, rows, cols, offset
  layout.groups.push_back(CoordinateGroup{"W1", GroupKind::Weight, 1, false, kHidden, 1, 0});
  layout.groups.push_back(CoordinateGroup{"b1", GroupKind::Bias, 1, false, kHidden, 1, kHidden});
  layout.groups.push_back(CoordinateGroup{"W2", GroupKind::Weight, 2, true, 1, kHidden, 2 * kHidden});
  layout.groups.push_back(CoordinateGroup{"b2", GroupKind::Bias, 2, true, 1, 1, 3 * kHidden});
  layout.dim = 3 * kHidden + 1;
  return layout;
}

struct Regression {
  l2o::Vec x, y;

  Regression() : x(kPoints), y(kPoints) {
    l2o::Rng rng(2024);
    for (int i = 0; i < kPoints; ++i) {
      x(i) = -2.0 + 4.0 * rng.uniform();
      y(i) = std::sin(2.0 * x(i)) + 0.05 * rng.normal();
    }
  }

  // Mean squared error and its gradient, by hand-written backpropagation.
  double loss_grad(const l2o::Vec& p, l2o::Vec& g) const {
    const auto W1 = p.segment(0, kHidden), b1 = p.segment(kHidden, kHidden), W2 = p.segment(2 * kHidden, kHidden);
    const double b2 = p(3 * kHidden);
    g = l2o::Vec::Zero(p.size());
    double loss = 0.0;
    for (int i = 0; i < kPoints; ++i) {
      const l2o::Vec a = (W1 * x(i) + b1).array().tanh().matrix();
      const double r = W2.dot(a) + b2 - y(i);
      loss += r * r / kPoints;
      const double dr = 2.0 * r / kPoints;
      const l2o::Vec da = (dr * W2.array() * (1.0 - a.array().square())).matrix();
      g.segment(0, kHidden) += da * x(i);
      g.segment(kHidden, kHidden) += da;
      g.segment(2 * kHidden, kHidden) += dr * a;
      g(3 * kHidden) += dr;
    }
    return loss;
  }
};
}  // namespace

int main(int argc, char** argv) {
  try {
    // A problem this small gains nothing from Eigen's threads.
    Eigen::setNbThreads(1);
    const l2o::ParamLayout layout = regression_layout();
    const Regression problem;

    // The optimizer: a policy file if given, otherwise a fresh (untrained) policy.
    l2o::OptimizerPtr opt;
    if (argc > 1) {
      opt = l2o::make_psd(argv[1]);
      std::printf("PSD with the policy in %s\n", argv[1]);
    } else {
      opt = l2o::make_psd(l2o::PsdPolicy::fresh(l2o::PsdPolicyConfig{}, /*seed=*/1));
      std::printf("PSD with a freshly initialised (untrained) policy; pass a policy file to use a trained one\n");
    }
    opt->init(layout);

    // Initial parameters, then the usual loop: loss and gradient, step, update.
    l2o::Rng rng(7);
    l2o::Vec p(layout.dim);
    for (l2o::Index j = 0; j < layout.dim; ++j) p(j) = 0.5 * rng.normal();
    l2o::Vec grad, delta;
    const int iters = 200;
    for (int t = 0; t <= iters; ++t) {
      const double loss = problem.loss_grad(p, grad);
      if (t % 20 == 0) std::printf("iteration %3d  loss %.6f  |grad| %.4f\n", t, loss, grad.norm());
      if (t == iters) break;
      opt->step({p, loss, grad}, delta);
      p += delta;
    }
    return 0;
  } catch (const l2o::Error& e) {
    std::fprintf(stderr, "psd_on_my_objective: error: %s\n", e.what());
    return 1;
  }
}
