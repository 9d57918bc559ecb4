// Threads split each group into fixed chunks and the group sums into fixed blocks: steps are
// bit-identical for 1, 2 and 3 threads (docs/psd-small.md, "Runtime").
#include <gtest/gtest.h>

#include <cstring>

#include "l2o/psd_small/psd_small_optimizer.hpp"
#include "small_test_util.hpp"

namespace l2o {
namespace {

bool threads_same_bits(const Vec& a, const Vec& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}

TEST(PsdSmallThreads, BitIdenticalForAnyThreadCount) {
  // W1 has 5 chunks and a partial block; the others are smaller than a chunk.
  const ParamLayout layout = mlp_param_layout({101, 401, 10});
  const auto policy = std::make_shared<const PsdSmallPolicy>(test::random_small_policy({}, 4));
  std::vector<std::vector<Vec>> runs;
  for (int threads : {1, 2, 3}) {
    PsdSmallOptimizer opt(policy, {threads});
    opt.init(layout);
    Vec x = test::random_vec(layout.dim, 1), delta;
    std::vector<Vec> steps;
    for (int t = 0; t < 3; ++t) {
      opt.step({x, 1.0 / (t + 1), test::random_vec(layout.dim, 50 + t, 1e-2), nullptr, 64}, delta);
      steps.push_back(delta);
      x += delta;
    }
    runs.push_back(steps);
  }
  for (std::size_t r = 1; r < runs.size(); ++r)
    for (std::size_t t = 0; t < runs[0].size(); ++t)
      EXPECT_TRUE(threads_same_bits(runs[0][t], runs[r][t])) << "threads " << r + 1 << ", step " << t + 1;
}

TEST(PsdSmallThreads, InPlaceFloatBitIdentical) {
  const auto policy = std::make_shared<const PsdSmallPolicy>(test::random_small_policy({}, 5));
  const Index n = 3 * kSmallChunk + 5;
  const Vec x0 = test::random_vec(n, 1), g0 = test::random_vec(n, 2, 1e-2);
  std::vector<std::vector<float>> xs;
  for (int threads : {1, 2, 3}) {
    PsdSmallStepper stepper(policy, threads);
    std::vector<float> x(x0.data(), x0.data() + n), g(g0.data(), g0.data() + n), m(4 * n, 0.0f);
    double ema = 0;
    for (int t = 0; t < 3; ++t) {
      stepper.begin_step(1.0, 0);
      stepper.step_group_in_place(PsdSmallRole{}, n, x.data(), g.data(), m.data(), ema);
    }
    xs.push_back(x);
  }
  EXPECT_EQ(xs[0], xs[1]);
  EXPECT_EQ(xs[0], xs[2]);
}
}  // namespace
}  // namespace l2o
