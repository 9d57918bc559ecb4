// With a zero read-out and a zero step-size head the rule is Adam (docs/psd-small.md): the
// Adam-equivalent policy trains a small MLP along l2o::Adam's trajectory to float32 accuracy.
#include <gtest/gtest.h>

#include <cmath>

#include "l2o/optim/adam.hpp"
#include "l2o/psd_small/psd_small_optimizer.hpp"
#include "l2o/task/mlp_task.hpp"
#include "support/synthetic_data.hpp"

namespace l2o {
namespace {

TEST(PsdSmallAdamEquivalence, StepsLikeAdamFor50Steps) {
  const ProjectedDataset data = test_support::synthetic_dataset(12, 4, 256, 16);
  MlpConfig cfg;
  cfg.arch = {12, 16, 4};
  const MlpTask task(data, cfg, 256, 0);
  const double lr = 1e-2;
  for (SmallActivation act : {SmallActivation::Relu, SmallActivation::Tanh}) {
    PsdSmallArchitecture arch;
    arch.activation = act;
    auto small = make_psd_small(PsdSmallPolicy::adam_equivalent(arch, lr, 5));
    Adam adam(AdamOptions{lr, arch.betas[1], arch.beta2, arch.eps});
    small->init(task.layout());
    adam.init(task.layout());
    Vec xs = task.initial_params(1), xa = xs, gs, ga, ds, da;
    MinibatchSampler sampler(task.train_count(), 32, 2);
    double worst = 0, moved = 0;
    for (int t = 0; t < 50; ++t) {
      const std::vector<Index>& batch = sampler.next();
      const double fs = task.loss_grad(xs, batch, &gs);
      const double fa = task.loss_grad(xa, batch, &ga);
      small->step({xs, fs, gs, nullptr, 32}, ds);
      adam.step({xa, fa, ga}, da);
      // Each step agrees to float32 rounding of its size (lr).
      worst = std::max(worst, (ds - da).cwiseAbs().maxCoeff());
      xs += ds;
      xa += da;
      moved = std::max(moved, (xa - task.initial_params(1)).cwiseAbs().maxCoeff());
    }
    EXPECT_LT(worst, 1e-6 * lr * 50) << to_string(act);  // |step| <= ~lr; float32 eps 6e-8, some drift
    EXPECT_LT((xs - xa).cwiseAbs().maxCoeff(), 1e-5) << to_string(act);
    EXPECT_GT(moved, 0.1);  // the comparison is not vacuous
  }
}
}  // namespace
}  // namespace l2o
