#pragma once
// Seeded random numbers. Every random draw in l2o comes from an Rng built from an explicit seed.
// The generator is std::mt19937_64 (fully specified by the standard); the normal and uniform
// transforms are written here so that the same seed gives the same numbers with any standard
// library.
#include <cmath>
#include <cstdint>
#include <random>
#include <string_view>

namespace l2o {

// Mixes a seed with a stream label so that independent uses of one user seed (initialisation,
// minibatches, projection, ...) get independent streams.
inline std::uint64_t derive_seed(std::uint64_t seed, std::string_view stream) {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;  // FNV-1a over the label, then splitmix64
  for (char c : stream) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  h += 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  Rng(std::uint64_t seed, std::string_view stream) : engine_(derive_seed(seed, stream)) {}

  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) {
    // Rejection sampling avoids modulo bias.
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t r;
    do r = engine_();
    while (r >= limit);
    return r % n;
  }
  // Standard normal by the Box-Muller transform (second value cached).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1;
    do u1 = uniform();
    while (u1 <= 0.0);
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * M_PI * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * M_PI * u2);
  }
  std::mt19937_64& engine() { return engine_; }

  // Fisher-Yates shuffle with this generator.
  template <class It>
  void shuffle(It first, It last) {
    const auto n = static_cast<std::uint64_t>(last - first);
    for (std::uint64_t i = n; i > 1; --i) std::swap(first[i - 1], first[below(i)]);
  }

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};
}  // namespace l2o
