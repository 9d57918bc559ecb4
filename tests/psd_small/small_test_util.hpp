#pragma once
// Helpers shared by the PSD-small tests: layouts of groups of given sizes, random policies whose read-out is
// not zero (so every part of the network shows in the step), and seeded random vectors.
#include <cstdint>
#include <string>
#include <vector>

#include "l2o/core/layout.hpp"
#include "l2o/task/mlp_task.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/psd_small/small_policy.hpp"

namespace l2o::test {

// One weight group per size (hidden layers 2, 3, ...; the last one the output layer), so that the
// groups have exactly the sizes asked for.
inline ParamLayout groups_of_sizes(const std::vector<Index>& sizes) {
  ParamLayout l;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const bool out = k + 1 == sizes.size();
    l.groups.push_back({"G" + std::to_string(k), k % 2 ? GroupKind::Bias : GroupKind::Weight, static_cast<int>(k + 1),
                        out, sizes[k], 1, l.dim});
    l.dim += sizes[k];
  }
  return l;
}

// A policy with every tensor random: read-out (w3, b3) and step-size head (u) included.
inline PsdSmallPolicy random_small_policy(const PsdSmallArchitecture& arch, std::uint64_t seed) {
  PsdSmallPolicy p = PsdSmallPolicy::fresh(arch, seed, 1e-2, 0.5);
  Rng rng(seed, "test-policy");
  for (Index k = 0; k < p.b1.size(); ++k) p.b1(k) = 0.1 * rng.normal();
  for (Index k = 0; k < p.b2.size(); ++k) p.b2(k) = 0.1 * rng.normal();
  for (Index k = 0; k < p.u.size(); ++k) p.u(k) = 0.1 * rng.normal();
  p.b3(0) = 0.1 * rng.normal();
  p.b3(1) = 0.3 * rng.normal();
  return p;
}

inline Vec random_vec(Index n, std::uint64_t seed, double scale = 1.0) {
  Rng rng(seed, "test-vec");
  Vec v(n);
  for (Index k = 0; k < n; ++k) v(k) = scale * rng.normal();
  return v;
}
}  // namespace l2o::test
