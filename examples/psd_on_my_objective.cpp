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
// The builder places the groups one after another and computes their offsets, names (W1, b1, ...)
// and layer numbers; the second layer is the output layer.
l2o::ParamLayout regression_layout() {
  l2o::ParamLayout layout;
  layout.add_dense(/*fan_in=*/1, /*fan_out=*/kHidden)                            // W1 (16 x 1), b1 (16)
      .add_dense(/*fan_in=*/kHidden, /*fan_out=*/1, /*output_layer=*/true);  // W2 (1 x 16), b2 (1)
  return layout;
}

struct Regression {
  l2o::ParamLayout layout = regression_layout();
  l2o::Index w1 = layout.group("W1").offset, b1 = layout.group("b1").offset, w2 = layout.group("W2").offset,
             b2 = layout.group("b2").offset;
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
    const auto W1 = p.segment(w1, kHidden), B1 = p.segment(b1, kHidden), W2 = p.segment(w2, kHidden);
    const double B2 = p(b2);
    g = l2o::Vec::Zero(p.size());
    double loss = 0.0;
    for (int i = 0; i < kPoints; ++i) {
      const l2o::Vec a = (W1 * x(i) + B1).array().tanh().matrix();
      const double r = W2.dot(a) + B2 - y(i);
      loss += r * r / kPoints;
      const double dr = 2.0 * r / kPoints;
      const l2o::Vec da = (dr * W2.array() * (1.0 - a.array().square())).matrix();
      g.segment(w1, kHidden) += da * x(i);
      g.segment(b1, kHidden) += da;
      g.segment(w2, kHidden) += dr * a;
      g(b2) += dr;
    }
    return loss;
  }
};
}  // namespace

int main(int argc, char** argv) {
  try {
    // A problem this small gains nothing from Eigen's threads.
    Eigen::setNbThreads(1);
    const Regression problem;
    const l2o::ParamLayout& layout = problem.layout;

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
