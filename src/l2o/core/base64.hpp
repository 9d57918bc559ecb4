#pragma once
// Base64 (RFC 4648, standard alphabet, '=' padding) and the encoding l2o uses to store arrays of
// doubles in JSON documents (policy files, optimizer checkpoints): little-endian IEEE-754 float64
// bytes, base64-encoded. Exact (bit-identical round trip) and about 8/6 of the binary size,
// against ~20 characters per number for decimal JSON.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "l2o/core/types.hpp"

namespace l2o {

std::string base64_encode(const std::uint8_t* data, std::size_t size);
// Throws l2o::Error("invalid base64: ...") on characters outside the alphabet, bad padding or a
// length that is not a multiple of 4. Callers add the file name to the message.
std::vector<std::uint8_t> base64_decode(std::string_view text);

std::string encode_float64(const double* values, std::size_t count);
inline std::string encode_float64(const Vec& v) { return encode_float64(v.data(), static_cast<std::size_t>(v.size())); }
// Throws l2o::Error when the text is not base64 or its byte count is not a multiple of 8.
std::vector<double> decode_float64(std::string_view text);
Vec decode_float64_vec(std::string_view text);
}  // namespace l2o
