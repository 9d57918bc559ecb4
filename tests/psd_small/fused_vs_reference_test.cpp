// The fused float32 kernel (through PsdSmallStepper and PsdSmallOptimizer) against the literal
// float64 reference (psd_small/small_reference.hpp), on random policies with a non-zero read-out,
// groups of sizes that are and are not multiples of the block (and of the thread chunk), and both
// storage types.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "l2o/psd_small/psd_small_optimizer.hpp"
#include "l2o/psd_small/small_reference.hpp"
#include "small_test_util.hpp"

namespace l2o {
namespace {

using test::groups_of_sizes;
using test::random_small_policy;
using test::random_vec;

const std::vector<Index> kSizes{1, 7, 16, 17, 33, 200, 8195};

// max |a - b| over a group, relative to max |b| over the group.
double group_error(const ParamLayout& layout, const Vec& a, const Vec& b, std::string* which) {
  double worst = 0;
  for (const CoordinateGroup& g : layout.groups) {
    const double scale = b.segment(g.offset, g.size()).cwiseAbs().maxCoeff();
    const double err = (a - b).segment(g.offset, g.size()).cwiseAbs().maxCoeff() / scale;
    if (err > worst) {
      worst = err;
      *which = g.name;
    }
  }
  return worst;
}

struct Case {
  std::vector<Index> hidden;
  SmallActivation act;
};

class FusedVsReference : public ::testing::TestWithParam<Case> {};

PsdSmallArchitecture arch_of(const Case& c) {
  PsdSmallArchitecture a;
  a.hidden = c.hidden;
  a.activation = c.act;
  return a;
}

// A few steps of a drifting problem: x moves by the steps, the gradient is a fixed random field
// plus a term in x, the loss decreases, the batch is given.
TEST_P(FusedVsReference, OptimizerFloat64Storage) {
  const PsdSmallPolicy policy = random_small_policy(arch_of(GetParam()), 11);
  const ParamLayout layout = groups_of_sizes(kSizes);
  PsdSmallOptimizer opt(std::make_shared<const PsdSmallPolicy>(policy));
  PsdSmallReference ref(policy);
  opt.init(layout);
  ref.init(layout);
  Vec x = random_vec(layout.dim, 1), delta;
  const Vec field = random_vec(layout.dim, 2, 1e-2);
  for (int t = 0; t < 6; ++t) {
    const Vec g = field + 0.1 * x.cwiseProduct(random_vec(layout.dim, 10 + t, 1e-2));
    const double loss = 2.0 / (1.0 + t);
    opt.step({x, loss, g, nullptr, 32}, delta);
    const Vec want = ref.step(x, loss, g, 32);
    std::string which;
    EXPECT_LE(group_error(layout, delta, want, &which), 1e-5) << "step " << t + 1 << ", group " << which;
    x += want;
  }
}

// The stepper on float storage (float and double destinations, and in place) against the reference
// fed the same values widened.
TEST_P(FusedVsReference, StepperFloat32Storage) {
  const auto policy = std::make_shared<const PsdSmallPolicy>(random_small_policy(arch_of(GetParam()), 12));
  const ParamLayout layout = groups_of_sizes(kSizes);
  PsdSmallReference ref(*policy);
  ref.init(layout);
  PsdSmallStepper a(policy), b(policy), c(policy);
  std::vector<float> ma(4 * layout.dim), mb(4 * layout.dim), mc(4 * layout.dim);
  std::vector<double> ea(layout.groups.size()), eb(layout.groups.size()), ec(layout.groups.size());
  const Vec x0 = random_vec(layout.dim, 3);
  std::vector<float> x(x0.data(), x0.data() + x0.size()), xin = x;
  for (int t = 0; t < 5; ++t) {
    const Vec gd = random_vec(layout.dim, 20 + t, 1e-3);
    std::vector<float> g(gd.data(), gd.data() + gd.size());
    const Vec gw = Eigen::Map<const VecF>(g.data(), layout.dim).cast<double>();
    const Vec xw = Eigen::Map<const VecF>(x.data(), layout.dim).cast<double>();
    const Vec want = ref.step(xw, 1.0 + t, gw, 0);
    std::vector<float> da(layout.dim);
    Vec db(layout.dim);
    a.begin_step(1.0 + t, 0);
    b.begin_step(1.0 + t, 0);
    c.begin_step(1.0 + t, 0);
    for (std::size_t k = 0; k < layout.groups.size(); ++k) {
      const CoordinateGroup& grp = layout.groups[k];
      const PsdSmallRole role = PsdSmallRole::of(grp, layout.groups.size(), policy->arch().reference_fan_in);
      const Index o = grp.offset, n = grp.size();
      a.step_group(role, n, x.data() + o, g.data() + o, ma.data() + 4 * o, ea[k], da.data() + o);
      b.step_group(role, n, x.data() + o, g.data() + o, mb.data() + 4 * o, eb[k], db.data() + o);
      c.step_group_in_place(role, n, xin.data() + o, g.data() + o, mc.data() + 4 * o, ec[k]);
    }
    const Vec dav = Eigen::Map<const VecF>(da.data(), layout.dim).cast<double>();
    std::string which;
    EXPECT_LE(group_error(layout, dav, want, &which), 1e-5) << "float delta, step " << t + 1 << ", group " << which;
    EXPECT_LE(group_error(layout, db, want, &which), 1e-5) << "double delta, step " << t + 1 << ", group " << which;
    // In place: the same float step added to the same float x.
    for (Index j = 0; j < layout.dim; ++j)
      ASSERT_EQ(xin[static_cast<std::size_t>(j)], x[static_cast<std::size_t>(j)] + da[static_cast<std::size_t>(j)]) << j;
    for (Index j = 0; j < layout.dim; ++j) x[static_cast<std::size_t>(j)] += da[static_cast<std::size_t>(j)];
  }
}

INSTANTIATE_TEST_SUITE_P(Architectures, FusedVsReference,
                         ::testing::Values(Case{{8, 8}, SmallActivation::Relu}, Case{{8, 8}, SmallActivation::Tanh},
                                           Case{{5}, SmallActivation::Relu}, Case{{6, 3}, SmallActivation::Tanh}),
                         [](const auto& info) {
                           std::string n;
                           for (Index h : info.param.hidden) n += std::to_string(h) + "_";
                           return n + to_string(info.param.act);
                         });
}  // namespace
}  // namespace l2o
