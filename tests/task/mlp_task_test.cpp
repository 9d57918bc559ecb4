#include "l2o/task/mlp_task.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "l2o/core/error.hpp"
#include "support/synthetic_data.hpp"

using namespace l2o;

namespace {

// Central finite differences of f along every coordinate.
Vec numeric_gradient(const std::function<double(const Vec&)>& f, const Vec& x, double h = 1e-6) {
  Vec g(x.size());
  Vec y = x;
  for (Index i = 0; i < x.size(); ++i) {
    y[i] = x[i] + h;
    const double fp = f(y);
    y[i] = x[i] - h;
    const double fm = f(y);
    y[i] = x[i];
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

struct GradCase {
  std::vector<int> arch;
  Activation act;
  double weight_decay;
};

class MlpGradient : public ::testing::TestWithParam<GradCase> {};

TEST_P(MlpGradient, MatchesFiniteDifferences) {
  const auto& c = GetParam();
  auto data = test_support::synthetic_dataset(c.arch.front(), c.arch.back(), 40, 10);
  MlpTask task(data, {c.arch, c.act, c.weight_decay, 1.0}, -1, 0);
  Vec x = task.initial_params(3);
  x += 0.05 * Vec::Ones(x.size());  // move biases off zero (and ReLUs off their kinks)
  const std::vector<Index> batch{0, 3, 5, 7, 11, 19, 23};
  Vec g;
  task.loss_grad(x, batch, &g);
  Vec num = numeric_gradient([&](const Vec& y) { return task.loss_grad(y, batch, nullptr); }, x);
  EXPECT_LT((g - num).norm(), 1e-6 * std::max(1.0, num.norm())) << "batch gradient";

  Vec gt;
  task.objective(x, &gt);
  Vec numt = numeric_gradient([&](const Vec& y) { return task.objective(y); }, x);
  EXPECT_LT((gt - numt).norm(), 1e-6 * std::max(1.0, numt.norm())) << "true-objective gradient";
}

INSTANTIATE_TEST_SUITE_P(Architectures, MlpGradient,
                         ::testing::Values(GradCase{{5, 4, 3}, Activation::Relu, 0.0},
                                           GradCase{{5, 4, 3}, Activation::Tanh, 0.0},
                                           GradCase{{5, 4, 3}, Activation::Sigmoid, 0.0},
                                           GradCase{{5, 4, 3}, Activation::Softplus, 0.0},
                                           GradCase{{6, 5, 4, 3}, Activation::Relu, 0.01},
                                           GradCase{{6, 5, 4, 3}, Activation::Tanh, 0.0},
                                           GradCase{{6, 7, 3, 4, 2}, Activation::Sigmoid, 0.1},
                                           GradCase{{6, 7, 3, 4, 2}, Activation::Softplus, 0.0}));

TEST(MlpTask, LayoutHasOneGroupPerMatrixAndBias) {
  auto data = test_support::synthetic_dataset(48, 10, 20, 5);
  MlpTask task(data, {{48, 48, 10}, Activation::Relu, 0.0, 1.0});
  const auto& l = task.layout();
  ASSERT_EQ(l.groups.size(), 4u);
  EXPECT_EQ(l.dim, 2842);
  EXPECT_EQ(l.groups[0].name, "W1");
  EXPECT_EQ(l.groups[0].size(), 2304);
  EXPECT_EQ(l.groups[1].name, "b1");
  EXPECT_EQ(l.groups[1].kind, GroupKind::Bias);
  EXPECT_EQ(l.groups[2].size(), 480);
  EXPECT_TRUE(l.groups[3].output_layer);
  EXPECT_FALSE(l.groups[1].output_layer);
  EXPECT_EQ(l.groups[3].offset + l.groups[3].size(), l.dim);
}

TEST(MlpTask, LossAtZeroIsLogClasses) {
  auto data = test_support::synthetic_dataset(8, 5, 30, 5);
  MlpTask task(data, {{8, 6, 5}, Activation::Relu, 0.0, 1.0});
  EXPECT_NEAR(task.objective(Vec::Zero(task.dim())), std::log(5.0), 1e-12);
}

TEST(MlpTask, ObjectiveIsMeanOfMinibatchLossesOverAllExamples) {
  auto data = test_support::synthetic_dataset(8, 3, 50, 5);
  MlpTask task(data, {{8, 6, 3}, Activation::Tanh, 0.0, 1.0}, -1);
  Vec x = task.initial_params(1);
  std::vector<Index> all(50);
  for (Index i = 0; i < 50; ++i) all[static_cast<size_t>(i)] = i;
  EXPECT_NEAR(task.objective(x), task.loss_grad(x, all, nullptr), 1e-12);
}

TEST(MlpTask, TrainSubsetIsSeededAndSized) {
  auto data = test_support::synthetic_dataset(8, 3, 100, 5);
  MlpTask a(data, {{8, 6, 3}}, 30, 1), b(data, {{8, 6, 3}}, 30, 1), c(data, {{8, 6, 3}}, 30, 2);
  EXPECT_EQ(a.train_count(), 30);
  Vec x = a.initial_params(4);
  EXPECT_EQ(a.objective(x), b.objective(x));
  EXPECT_NE(a.objective(x), c.objective(x));
  MlpTask all(data, {{8, 6, 3}}, -1);
  EXPECT_EQ(all.train_count(), 100);
}

TEST(MlpTask, InitialisationIsSeededWithHeScale) {
  auto data = test_support::synthetic_dataset(100, 10, 20, 5);
  MlpTask task(data, {{100, 200, 10}, Activation::Relu, 0.0, 1.0});
  Vec a = task.initial_params(5), b = task.initial_params(5), c = task.initial_params(6);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  const auto& w1 = task.layout().groups[0];
  const double var = a.segment(w1.offset, w1.size()).squaredNorm() / static_cast<double>(w1.size());
  EXPECT_NEAR(var, 2.0 / 100.0, 0.002);
  const auto& b1 = task.layout().groups[1];
  EXPECT_EQ(a.segment(b1.offset, b1.size()).norm(), 0.0);
}

TEST(MlpTask, ArchitectureThatDoesNotFitTheDataIsAClearError) {
  auto data = test_support::synthetic_dataset(48, 10, 20, 5);
  try {
    MlpTask task(data, {{48, 48, 7}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("10 classes"), std::string::npos) << e.what();
  }
  EXPECT_THROW(MlpTask(data, {{32, 48, 10}}), Error);
}

TEST(MlpTask, ParseArchAndActivation) {
  EXPECT_EQ(parse_arch("48-48-10"), (std::vector<int>{48, 48, 10}));
  EXPECT_EQ(arch_to_string({100, 200, 10}), "100-200-10");
  EXPECT_THROW(parse_arch("48"), Error);
  EXPECT_THROW(parse_arch("48-x-10"), Error);
  EXPECT_THROW(parse_arch("48--10"), Error);
  EXPECT_THROW(parse_arch("48-0-10"), Error);
  EXPECT_EQ(parse_activation("softplus"), Activation::Softplus);
  EXPECT_THROW(parse_activation("gelu"), Error);
}

TEST(MinibatchSampler, SameSeedSameSequenceAndEpochsCoverAll) {
  MinibatchSampler a(10, 4, 3), b(10, 4, 3), c(10, 4, 4);
  std::vector<int> seen(10, 0);
  bool differs = false;
  for (int k = 0; k < 5; ++k) {  // 20 draws = two epochs
    auto ba = a.next();
    auto bc = c.next();
    EXPECT_EQ(ba, b.next());
    differs |= ba != bc;
    for (auto i : ba) seen[static_cast<size_t>(i)]++;
  }
  EXPECT_TRUE(differs);
  for (int s : seen) EXPECT_EQ(s, 2);
  EXPECT_THROW(MinibatchSampler(10, 0, 1), Error);
}
}  // namespace
