#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "l2o/data/stratified_subset.hpp"

using namespace l2o;

namespace {
std::vector<int> labels_with_counts(const std::vector<int>& counts) {
  std::vector<int> labels;
  // Interleave classes so that index order says nothing about the class.
  for (int round = 0;; ++round) {
    bool any = false;
    for (std::size_t c = 0; c < counts.size(); ++c)
      if (round < counts[c]) {
        labels.push_back(static_cast<int>(c));
        any = true;
      }
    if (!any) break;
  }
  return labels;
}
}  // namespace

TEST(StratifiedSubset, SizesFollowTheLargestRemainderRule) {
  // FER2013's training class counts; 3,300 of 28,709 as for the TFD substitute.
  const std::vector<int> counts{3995, 436, 4097, 7215, 4965, 4830, 3171};
  const auto labels = labels_with_counts(counts);
  const auto idx = stratified_subset(labels, 7, 3300, 0);
  ASSERT_EQ(idx.size(), 3300u);
  EXPECT_TRUE(std::is_sorted(idx.begin(), idx.end()));
  EXPECT_EQ(std::set<Index>(idx.begin(), idx.end()).size(), idx.size());
  std::vector<int> got(7);
  for (Index i : idx) ++got[labels[i]];
  // Quotas 3300*n_c/28709: floors 459,50,470,829,570,555,364 (sum 3297); the 3 largest remainders
  // (class 2: .94, class 4: .71, class 6: .50) get one more each.
  EXPECT_EQ(got, (std::vector<int>{459, 50, 471, 829, 571, 555, 365}));
}

TEST(StratifiedSubset, SameSeedSameSubsetOtherSeedOther) {
  const auto labels = labels_with_counts({50, 30, 20});
  const auto a = stratified_subset(labels, 3, 25, 7);
  EXPECT_EQ(a, stratified_subset(labels, 3, 25, 7));
  EXPECT_NE(a, stratified_subset(labels, 3, 25, 8));
}

TEST(StratifiedSubset, EveryExampleIsEquallyLikely) {
  // Class 0 has 10 members and quota 5: each member should be chosen about half the time.
  const auto labels = labels_with_counts({10, 10});
  std::vector<int> hits(20);
  const int trials = 4000;
  for (int s = 0; s < trials; ++s)
    for (Index i : stratified_subset(labels, 2, 10, static_cast<std::uint64_t>(s))) ++hits[i];
  for (int h : hits) EXPECT_NEAR(h / double(trials), 0.5, 0.04);
}

TEST(StratifiedSubset, NonPositiveOrLargeSizesGiveEverything) {
  const auto labels = labels_with_counts({3, 2});
  EXPECT_EQ(stratified_subset(labels, 2, 0, 1).size(), 5u);
  EXPECT_EQ(stratified_subset(labels, 2, 99, 1).size(), 5u);
}
