#include "l2o/core/base64.hpp"

#include <array>
#include <bit>
#include <cstring>

#include <fmt/core.h>

#include "l2o/core/error.hpp"

namespace l2o {
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Reverse lookup: 0..63 for alphabet characters, -1 otherwise.
constexpr std::array<int, 256> make_reverse() {
  std::array<int, 256> r{};
  for (auto& v : r) v = -1;
  for (int i = 0; i < 64; ++i) r[static_cast<unsigned char>(kAlphabet[i])] = i;
  return r;
}
constexpr std::array<int, 256> kReverse = make_reverse();

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big,
              "mixed-endian platforms are not supported");

std::uint64_t to_little_endian(std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::big) return __builtin_bswap64(v);
  return v;
}
}  // namespace

std::string base64_encode(const std::uint8_t* data, std::size_t size) {
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const std::size_t rest = size - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (rest == 2) v |= std::uint32_t{data[i + 1]} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::vector<std::uint8_t> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    throw Error(fmt::format("invalid base64: length {} is not a multiple of 4", text.size()));
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char ch = text[i + k];
      if (ch == '=' && last && k >= 2) {
        // Padding may only close the final quantum: "xx==" or "xxx=".
        if (k == 2 && text[i + 3] != '=') throw Error(fmt::format("invalid base64: misplaced '=' at {}", i + k));
        ++pad;
        v <<= 6;
        continue;
      }
      const int d = kReverse[static_cast<unsigned char>(ch)];
      if (d < 0 || pad > 0)
        throw Error(fmt::format("invalid base64: unexpected character '{}' at {}", ch, i + k));
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    if (pad < 2) out.push_back(static_cast<std::uint8_t>(v >> 8));
    if (pad < 1) out.push_back(static_cast<std::uint8_t>(v));
  }
  return out;
}

std::string encode_float64(const double* values, std::size_t count) {
  std::vector<std::uint8_t> bytes(count * 8);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t le = to_little_endian(std::bit_cast<std::uint64_t>(values[i]));
    std::memcpy(bytes.data() + 8 * i, &le, 8);
  }
  return base64_encode(bytes.data(), bytes.size());
}

std::vector<double> decode_float64(std::string_view text) {
  const std::vector<std::uint8_t> bytes = base64_decode(text);
  if (bytes.size() % 8 != 0)
    throw Error(fmt::format("invalid float64 data: {} bytes is not a multiple of 8", bytes.size()));
  std::vector<double> out(bytes.size() / 8);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint64_t le;
    std::memcpy(&le, bytes.data() + 8 * i, 8);
    out[i] = std::bit_cast<double>(to_little_endian(le));
  }
  return out;
}

Vec decode_float64_vec(std::string_view text) {
  const std::vector<double> v = decode_float64(text);
  return Eigen::Map<const Vec>(v.data(), static_cast<Index>(v.size()));
}
}  // namespace l2o
