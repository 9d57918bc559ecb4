// Comparative behaviour: what each method is for, on problems where the difference is large.
#include <gtest/gtest.h>

#include "l2o/optim/adam.hpp"
#include "l2o/optim/momentum.hpp"
#include "l2o/optim/sgd.hpp"
#include "test_problems.hpp"

namespace l2o {
namespace {

TEST(Comparison, MomentumBeatsSgdOnAnIllConditionedQuadraticAtTheSameLr) {
  // Eigenvalues 1..100; lr = 0.012 is stable for all three (SGD needs lr * 100 < 2, Nesterov
  // lr * 100 < 2 (1 + mu) / (1 + 2 mu) = 1.36). SGD shrinks the error along the flattest direction
  // by (1 - 0.012) per step; heavy ball by about sqrt(0.9).
  const test::Quadratic q = test::random_quadratic(Vec::LinSpaced(6, 1.0, 100.0), 11);
  const Vec x0 = Vec::Ones(6);
  const double f_star = q.value(q.minimizer());
  Sgd sgd(SgdOptions{0.012});
  Momentum heavy(MomentumOptions{0.012, 0.9, false});
  Momentum nesterov(MomentumOptions{0.012, 0.9, true});
  const double gap_sgd = q.value(test::run_steps(sgd, q.fn(), x0, 200).back()) - f_star;
  const double gap_heavy = q.value(test::run_steps(heavy, q.fn(), x0, 200).back()) - f_star;
  const double gap_nesterov = q.value(test::run_steps(nesterov, q.fn(), x0, 200).back()) - f_star;
  EXPECT_GT(gap_sgd, 1e-4);
  EXPECT_LT(gap_heavy, 1e-3 * gap_sgd);
  EXPECT_LT(gap_nesterov, 1e-3 * gap_sgd);
}

TEST(Comparison, AdamIgnoresTheScaleOfTheObjectiveWhereSgdDoesNot) {
  // Adam normalises each coordinate by its gradient's RMS: minimising k f gives the same iterates
  // for every k > 0 (up to eps); SGD's steps scale with k.
  const test::Quadratic q = test::random_quadratic((Vec(3) << 1.0, 4.0, 9.0).finished(), 5);
  auto scaled = [&](double k) {
    return LossGradFn([&q, k](const Vec& x, Vec& g) {
      g = k * (q.A * x - q.b);
      return k * q.value(x);
    });
  };
  const Vec x0 = Vec::Ones(3);
  Adam a1(AdamOptions{0.05, 0.9, 0.999, 1e-14}), a2(AdamOptions{0.05, 0.9, 0.999, 1e-14});
  EXPECT_LT((test::run_steps(a1, scaled(1.0), x0, 30).back() -
             test::run_steps(a2, scaled(1000.0), x0, 30).back())
                .norm(),
            1e-9);
  Sgd s1(SgdOptions{1e-4}), s2(SgdOptions{1e-4});
  EXPECT_GT((test::run_steps(s1, scaled(1.0), x0, 30).back() -
             test::run_steps(s2, scaled(1000.0), x0, 30).back())
                .norm(),
            1e-2);
}
}  // namespace
}  // namespace l2o
