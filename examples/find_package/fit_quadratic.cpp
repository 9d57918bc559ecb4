// Adam and Predicted Step Descent on a quadratic, from a project that found l2o with
// find_package(l2o). The objective's parameters are described with ParamLayout's builder.
#include <cstdio>

#include "l2o/core/error.hpp"
#include "l2o/core/layout.hpp"
#include "l2o/optim/adam.hpp"
#include "l2o/psd/psd_optimizer.hpp"

namespace {

// f(x) = 1/2 sum_i c_i (x_i - 1)^2 with curvatures c_i in [1, 4]: a "layer" of 6 x 3 weights and 6 biases.
double quadratic(const l2o::Vec& x, l2o::Vec& grad) {
  const l2o::Vec c = l2o::Vec::LinSpaced(x.size(), 1.0, 4.0);
  const l2o::Vec r = x.array() - 1.0;
  grad = c.cwiseProduct(r);
  return 0.5 * r.dot(grad);
}

double run(l2o::Optimizer& opt, const l2o::ParamLayout& layout, int iters) {
  opt.init(layout);
  l2o::Vec x = l2o::Vec::Zero(layout.dim), grad, delta;
  double loss = quadratic(x, grad);
  for (int t = 0; t < iters; ++t) {
    opt.step({x, loss, grad}, delta);
    x += delta;
    loss = quadratic(x, grad);
  }
  return loss;
}
}  // namespace

int main() {
  try {
    l2o::ParamLayout layout;
    layout.add_dense(/*fan_in=*/3, /*fan_out=*/6, /*output_layer=*/true);  // W1 (6 x 3), b1 (6): offsets 0 and 18
    std::printf("layout: dim %ld, %s at %ld, %s at %ld\n", static_cast<long>(layout.dim), layout.groups[0].name.c_str(),
                static_cast<long>(layout.groups[0].offset), layout.groups[1].name.c_str(),
                static_cast<long>(layout.groups[1].offset));

    l2o::Vec x0 = l2o::Vec::Zero(layout.dim), g0;
    const double start = quadratic(x0, g0);

    l2o::Adam adam(l2o::AdamOptions{.lr = 0.05});
    const double adam_loss = run(adam, layout, 300);
    std::printf("adam: loss %.6g -> %.6g after 300 steps\n", start, adam_loss);

    // PSD with a freshly initialised (untrained) policy: the mechanics, not a trained optimizer.
    auto psd = l2o::make_psd(l2o::PsdPolicy::fresh(l2o::PsdPolicyConfig{}, /*seed=*/1));
    const double psd_loss = run(*psd, layout, 20);
    std::printf("psd (untrained policy): loss %.6g -> %.6g after 20 steps\n", start, psd_loss);

    if (!(adam_loss < 1e-3 * start)) {
      std::fprintf(stderr, "fit_quadratic: Adam did not converge\n");
      return 1;
    }
    return 0;
  } catch (const l2o::Error& e) {
    std::fprintf(stderr, "fit_quadratic: error: %s\n", e.what());
    return 1;
  }
}
