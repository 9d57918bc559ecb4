#pragma once
// FNV-1a, 64 bits: a fast, stable (platform-independent) hash for cache keys and fingerprints.
// Not for integrity: the projection cache checks its payload with CRC-32.
#include <cstdint>
#include <string_view>

namespace l2o {

class Fnv1a64 {
 public:
  Fnv1a64& add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      h_ ^= c;
      h_ *= 0x100000001b3ULL;
    }
    return *this;
  }
  Fnv1a64& add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h_ ^= (v >> (8 * i)) & 0xff;
      h_ *= 0x100000001b3ULL;
    }
    return *this;
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace l2o
