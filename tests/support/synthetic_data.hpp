#pragma once
// A small in-memory projected data set with learnable structure, so that task, optimizer and
// meta-training tests need no files: class c has mean mu_c (random, seeded) plus Gaussian noise.
#include <cstdint>

#include "l2o/core/rng.hpp"
#include "l2o/data/dataset.hpp"

namespace l2o::test_support {

inline ProjectedDataset synthetic_dataset(int width, int classes, Index train_n, Index test_n,
                                          std::uint64_t seed = 7, double noise = 1.0) {
  Rng rng(seed, "synthetic");
  Mat means(width, classes);
  for (Index i = 0; i < means.size(); ++i) means.data()[i] = rng.normal();
  auto fill = [&](ProjectedSplit& split, Index n) {
    split.x.resize(width, n);
    split.labels.resize(static_cast<size_t>(n));
    for (Index j = 0; j < n; ++j) {
      const int c = static_cast<int>(rng.below(static_cast<std::uint64_t>(classes)));
      split.labels[static_cast<size_t>(j)] = c;
      for (int i = 0; i < width; ++i) split.x(i, j) = means(i, c) + noise * rng.normal();
    }
  };
  ProjectedDataset d;
  d.name = "synthetic";
  d.display_name = "synthetic";
  d.num_classes = classes;
  d.width = width;
  fill(d.train, train_n);
  fill(d.test, test_n);
  return d;
}
}  // namespace l2o::test_support
