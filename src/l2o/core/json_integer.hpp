#pragma once
// Integers read from JSON documents a user hands l2o (checkpoints, policy files, run stores).
// nlohmann's get<int>() on a float such as 1e300 converts out of range, which is undefined
// behaviour; these readers check the kind and the range first and throw an l2o::Error naming the
// field instead. A float with a whole value inside the range (10.0) is accepted, as other tools
// may write one. in_context() puts the file name in front of such an error.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "l2o/core/error.hpp"

namespace l2o {

// The error with "where: " in front, unless its message already starts with where (readers that
// name their file themselves are not named twice).
inline Error in_context(const Error& e, const std::string& where) {
  const std::string msg = e.what();
  if (msg.rfind(where, 0) == 0) return e;
  return Error(where + ": " + msg);
}

template <class T>
T json_integer(const nlohmann::json& j, std::string_view what) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>, "json_integer needs an integral type");
  constexpr auto lo = std::numeric_limits<T>::min();
  constexpr auto hi = std::numeric_limits<T>::max();
  const auto fail = [&] {
    throw Error(fmt::format("'{}' must be a whole number in [{}, {}], got {}", what, lo, hi, j.dump()));
  };
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(hi)) fail();
    return static_cast<T>(u);
  }
  if (j.is_number_integer()) {
    const auto i = j.get<std::int64_t>();
    if constexpr (std::is_signed_v<T>) {
      if (i < static_cast<std::int64_t>(lo) || i > static_cast<std::int64_t>(hi)) fail();
    } else {
      if (i < 0 || static_cast<std::uint64_t>(i) > static_cast<std::uint64_t>(hi)) fail();
    }
    return static_cast<T>(i);
  }
  if (j.is_number_float()) {
    const double v = j.get<double>();
    // Below 2^53 a double holds every whole number exactly; beyond, the cast could round.
    const double top = std::min(static_cast<double>(hi), 9.0e15);
    if (!std::isfinite(v) || v != std::floor(v) || v < static_cast<double>(lo) || v > top) fail();
    return static_cast<T>(v);
  }
  fail();
  return T{};
}

template <class T>
std::vector<T> json_integers(const nlohmann::json& j, std::string_view what) {
  if (!j.is_array()) throw Error(fmt::format("'{}' must be an array of whole numbers, got {}", what, j.dump()));
  std::vector<T> out;
  out.reserve(j.size());
  for (const auto& v : j) out.push_back(json_integer<T>(v, what));
  return out;
}

}  // namespace l2o
