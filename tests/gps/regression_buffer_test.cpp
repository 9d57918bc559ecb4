// The regression buffer: how many earlier iterations it keeps, the order a regression sees the
// sets in (current first, then the oldest kept), and an exact round trip through the checkpoint.
#include "l2o/gps/policy/regression_buffer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace l2o::gps {
namespace {

// One iteration's sets: a single set whose weight tags the iteration.
std::vector<RegressionSet> iteration_sets(double tag) {
  RegressionSet s;
  s.net = PolicyNet::HiddenBias;
  s.obs = {Mat::Constant(3, 2, tag), Mat::Constant(3, 2, -tag)};
  s.target = {Mat::Constant(1, 2, 0.5 * tag), Mat::Constant(1, 2, 0.25)};
  s.weight = Vec::Constant(2, tag);
  return {s};
}

std::vector<double> tags(const std::vector<const RegressionSet*>& sets) {
  std::vector<double> out;
  for (const RegressionSet* s : sets) out.push_back(s->weight(0));
  return out;
}

TEST(RegressionBuffer, KeepsTheLastIterationsBesidesTheCurrentOne) {
  RegressionBuffer none(1);  // buffer_iterations 1: the current iteration alone
  none.push(iteration_sets(1));
  EXPECT_EQ(none.capacity(), 0u);
  EXPECT_EQ(none.size(), 0u);
  EXPECT_EQ(tags(none.with(iteration_sets(9))), (std::vector<double>{9}));

  RegressionBuffer three(3);  // the current iteration and two earlier ones
  EXPECT_EQ(three.capacity(), 2u);
  for (double t : {1.0, 2.0, 3.0}) three.push(iteration_sets(t));
  EXPECT_EQ(three.size(), 2u);
  const auto current = iteration_sets(4);
  EXPECT_EQ(tags(three.with(current)), (std::vector<double>{4, 2, 3}));
  EXPECT_EQ(three.with(current).front(), &current.front());  // the caller's sets, not a copy
}

TEST(RegressionBuffer, RoundTripsExactly) {
  RegressionBuffer b(3);
  b.push(iteration_sets(0.1));
  b.push(iteration_sets(1.0 / 3.0));
  RegressionBuffer back(3);
  back.load(nlohmann::json::parse(b.save().dump()));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back.save(), b.save());
  const auto sets = back.with({});
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(sets[1]->weight(0), 1.0 / 3.0);
  EXPECT_EQ(sets[1]->net, PolicyNet::HiddenBias);
  EXPECT_EQ(sets[1]->obs[1], Mat::Constant(3, 2, -1.0 / 3.0));
}

}  // namespace
}  // namespace l2o::gps
