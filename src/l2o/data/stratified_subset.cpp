#include "l2o/data/stratified_subset.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <numeric>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"

namespace l2o {

std::vector<Index> stratified_subset(const std::vector<int>& labels, int num_classes, Index size, std::uint64_t seed) {
  const Index n = static_cast<Index>(labels.size());
  std::vector<Index> all(static_cast<std::size_t>(n));
  std::iota(all.begin(), all.end(), Index{0});
  if (size <= 0 || size >= n) return all;

  std::vector<std::vector<Index>> members(static_cast<std::size_t>(num_classes));
  for (Index i = 0; i < n; ++i) {
    const int c = labels[static_cast<std::size_t>(i)];
    if (c < 0 || c >= num_classes)
      throw Error(fmt::format("stratified subset: label {} at index {} is out of range [0, {})", c, i, num_classes));
    members[static_cast<std::size_t>(c)].push_back(i);
  }

  // Largest-remainder apportionment of `size` over the classes; exact integer arithmetic.
  std::vector<Index> quota(static_cast<std::size_t>(num_classes));
  std::vector<Index> remainder(static_cast<std::size_t>(num_classes));
  Index assigned = 0;
  for (int c = 0; c < num_classes; ++c) {
    const Index share = size * static_cast<Index>(members[c].size());
    quota[c] = share / n;
    remainder[c] = share % n;
    assigned += quota[c];
  }
  std::vector<int> order(static_cast<std::size_t>(num_classes));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return remainder[a] > remainder[b]; });
  for (Index k = 0; assigned < size; ++k, ++assigned) ++quota[order[static_cast<std::size_t>(k)]];

  Rng rng(seed, "stratified-subset");
  std::vector<Index> chosen;
  chosen.reserve(static_cast<std::size_t>(size));
  for (int c = 0; c < num_classes; ++c) {
    auto& m = members[c];
    // Partial Fisher-Yates: the first quota[c] positions become a uniform sample.
    for (Index k = 0; k < quota[c]; ++k) {
      const auto j = k + static_cast<Index>(rng.below(static_cast<std::uint64_t>(m.size() - k)));
      std::swap(m[k], m[j]);
      chosen.push_back(m[k]);
    }
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace l2o
