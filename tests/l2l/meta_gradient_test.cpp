// The meta-gradient of one truncated segment against finite differences:
//  - on a tiny MLP, against the unrolled meta-loss with the gradient inputs held at the values
//    the segment recorded (the quantity ADH16 differentiate when they set dgrad/dphi = 0);
//  - on linear objectives, whose gradients do not depend on the iterate, against the true
//    unrolled meta-loss (there the dropped second-derivative term is exactly zero).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "l2o/core/rng.hpp"
#include "l2o/l2l/l2l_policy.hpp"
#include "l2o/l2l/step_objective.hpp"
#include "l2o/l2l/unroll.hpp"
#include "support/synthetic_data.hpp"

namespace l2o {
namespace {

L2LPolicy test_policy(std::uint64_t seed) {
  L2LSettings s;
  s.zero_readout = false;
  return L2LPolicy::random(s, seed);
}

// f_k(x) = c_k . x: the gradient c_k does not depend on x.
class LinearObjectives final : public StepObjective {
 public:
  LinearObjectives(Index dim, int count, std::uint64_t seed) {
    Rng rng(seed, "linear");
    for (int k = 0; k < count; ++k) {
      Vec c(dim);
      for (Index j = 0; j < dim; ++j) c[j] = rng.normal() * std::exp(-8.0 * rng.uniform());
      c_.push_back(c);
    }
  }
  Index dim() const override { return c_.front().size(); }
  int count() const override { return static_cast<int>(c_.size()); }
  double loss_grad(int k, const Vec& x, Vec& grad) const override {
    grad = c_[static_cast<size_t>(k)];
    return grad.dot(x);
  }

 private:
  std::vector<Vec> c_;
};

// Compares `analytic` with central differences of `loss` on `indices` and along random directions.
void expect_matches_finite_differences(const std::function<double(const Vec&)>& loss, const Vec& params,
                                       const Vec& analytic, const std::vector<Index>& indices, double h,
                                       double tol) {
  auto central = [&](const Vec& dir) {
    return (loss(params + h * dir) - loss(params - h * dir)) / (2.0 * h);
  };
  for (Index i : indices) {
    Vec e = Vec::Zero(params.size());
    e[i] = 1.0;
    const double fd = central(e);
    EXPECT_NEAR(analytic[i], fd, tol * (1.0 + std::abs(fd))) << "parameter " << i;
  }
  Rng rng(99, "directions");
  for (int d = 0; d < 3; ++d) {
    Vec dir(params.size());
    for (Index i = 0; i < dir.size(); ++i) dir[i] = rng.normal();
    dir /= dir.norm();
    const double fd = central(dir);
    EXPECT_NEAR(analytic.dot(dir), fd, tol * (1.0 + std::abs(fd))) << "direction " << d;
  }
}

// Some parameters of every tensor (LSTM layers, biases, read-out), plus random ones.
std::vector<Index> sample_indices(Index n, int count) {
  std::vector<Index> idx{0, 1, 1759, 1760, 1839, 1840, 5039, 5040, 5119, 5120, 5139, 5140};
  Rng rng(5, "indices");
  while (static_cast<int>(idx.size()) < count) idx.push_back(static_cast<Index>(rng.below(static_cast<std::uint64_t>(n))));
  return idx;
}

TEST(MetaGradient, PolicyLayoutIsTheOneTheIndexSampleAssumes) {
  // 2-layer LSTM with 20 cells on 2 inputs: 4*20*22 + 80, 4*20*40 + 80, 20 + 1 parameters.
  EXPECT_EQ(test_policy(1).num_params(), 1760 + 80 + 3200 + 80 + 20 + 1);
}

TEST(MetaGradient, MatchesFiniteDifferencesWithRecordedGradientInputsOnATinyMlp) {
  const ProjectedDataset data = test_support::synthetic_dataset(4, 3, 64, 8, 11);
  MlpConfig cfg;
  cfg.arch = {4, 5, 3};
  cfg.activation = Activation::Tanh;
  const MlpTask task(data, cfg, -1);
  const MlpEpisodeObjective objective(task, 8, 21, 12);
  L2LPolicy policy = test_policy(4);

  // A few steps first, so the segment starts from a non-zero LSTM state at k = 3.
  EpisodeState state = EpisodeState::begin(policy, objective, task.initial_params(21));
  unroll_segment(policy, objective, 3, state, nullptr);
  ASSERT_EQ(state.k, 3);
  const EpisodeState start = state;

  Vec analytic = Vec::Zero(policy.num_params());
  SegmentRecord record;
  const SegmentResult seg = unroll_segment(policy, objective, 5, state, &analytic, &record);
  ASSERT_EQ(seg.steps, 5);
  ASSERT_FALSE(seg.diverged);
  ASSERT_GT(analytic.norm(), 1e-3);

  // The meta-loss as a function of phi with the LSTM inputs fixed at the recorded features.
  const double scale = policy.settings().output_scale;
  auto replay = [&](const Vec& phi) {
    L2LPolicy p = policy;
    p.set_params(phi);
    LstmState s = record.initial_state;
    Vec x = start.x, g;
    Mat y;
    double loss = 0.0;
    for (size_t j = 0; j < record.features.size(); ++j) {
      p.lstm().step(record.features[j], s, y);
      x += scale * y.row(0).transpose();
      loss += objective.loss_grad(start.k + static_cast<int>(j) + 1, x, g);
    }
    return loss;
  };
  EXPECT_NEAR(replay(policy.params()), seg.meta_loss, 1e-12 * std::abs(seg.meta_loss));
  expect_matches_finite_differences(replay, policy.params(), analytic, sample_indices(policy.num_params(), 150),
                                    1e-5, 1e-6);
}

TEST(MetaGradient, MatchesFiniteDifferencesOfTheTrueUnrolledLossOnLinearObjectives) {
  const Index n = 25;
  const LinearObjectives objective(n, 20, 3);
  L2LPolicy policy = test_policy(6);
  EpisodeState state = EpisodeState::begin(policy, objective, Vec::Constant(n, 0.5));
  unroll_segment(policy, objective, 4, state, nullptr);  // start the measured segment at k = 4
  const EpisodeState start = state;

  Vec analytic = Vec::Zero(policy.num_params());
  const SegmentResult seg = unroll_segment(policy, objective, 6, state, &analytic);
  ASSERT_EQ(seg.steps, 6);
  ASSERT_GT(analytic.norm(), 1e-3);

  // The true unrolled loss: re-run the whole segment, gradients recomputed along the way.
  auto unrolled = [&](const Vec& phi) {
    L2LPolicy p = policy;
    p.set_params(phi);
    EpisodeState s = start;
    return unroll_segment(p, objective, 6, s, nullptr).meta_loss;
  };
  expect_matches_finite_differences(unrolled, policy.params(), analytic, sample_indices(policy.num_params(), 150),
                                    1e-5, 1e-6);
}

TEST(MetaGradient, SegmentsCarryTheIterateAndStateAndAddUpToTheEpisode) {
  // Two segments of 3 steps take exactly the steps of one segment of 6 (the state is carried),
  // and their meta-losses add up to the long segment's.
  const Index n = 10;
  const LinearObjectives objective(n, 10, 8);
  const L2LPolicy policy = test_policy(2);
  EpisodeState a = EpisodeState::begin(policy, objective, Vec::Zero(n));
  EpisodeState b = a;
  const double whole = unroll_segment(policy, objective, 6, a, nullptr).meta_loss;
  const double first = unroll_segment(policy, objective, 3, b, nullptr).meta_loss;
  const double second = unroll_segment(policy, objective, 3, b, nullptr).meta_loss;
  EXPECT_EQ(a.k, 6);
  EXPECT_EQ(b.k, 6);
  EXPECT_EQ(a.x, b.x);
  EXPECT_NEAR(whole, first + second, 1e-12 * (1.0 + std::abs(whole)));
  for (size_t l = 0; l < a.lstm.h.size(); ++l) EXPECT_EQ(a.lstm.h[l], b.lstm.h[l]);
}

TEST(MetaGradient, StopsAtTheLastObjectiveAndOnDivergence) {
  const Index n = 4;
  const LinearObjectives objective(n, 5, 1);  // f_0..f_4: at most 4 steps
  const L2LPolicy policy = test_policy(3);
  EpisodeState s = EpisodeState::begin(policy, objective, Vec::Zero(n));
  Vec g = Vec::Zero(policy.num_params());
  EXPECT_EQ(unroll_segment(policy, objective, 10, s, &g).steps, 4);
  EXPECT_EQ(s.k, 4);

  // A policy whose read-out bias is NaN diverges on the first step and adds no meta-gradient.
  L2LPolicy bad = policy;
  Vec phi = bad.params();
  phi[phi.size() - 1] = std::numeric_limits<double>::quiet_NaN();
  bad.set_params(phi);
  EpisodeState t = EpisodeState::begin(bad, objective, Vec::Zero(n));
  Vec g2 = Vec::Zero(bad.num_params());
  const SegmentResult r = unroll_segment(bad, objective, 3, t, &g2);
  EXPECT_TRUE(r.diverged);
  EXPECT_TRUE(t.diverged);
  EXPECT_EQ(g2, Vec::Zero(bad.num_params()));
}
}  // namespace
}  // namespace l2o
