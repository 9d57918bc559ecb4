#pragma once
// Class-stratified random subsets: each class keeps (as nearly as whole numbers allow) its share of
// the full split. Used for the TFD substitute, a 3,300-image subset of FER2013's training split.
#include <cstdint>
#include <vector>

#include "l2o/core/types.hpp"

namespace l2o {

// Indices (ascending) of `size` examples. Class c gets floor(size * n_c / n) examples, and the
// examples left over go one each to the classes with the largest fractional remainders (ties to
// the lower class index). Within a class the examples are drawn uniformly without replacement
// from Rng(seed, "stratified-subset"), classes in index order. size <= 0 or size >= n gives all
// indices. Labels must lie in [0, num_classes).
std::vector<Index> stratified_subset(const std::vector<int>& labels, int num_classes, Index size, std::uint64_t seed);

}  // namespace l2o
