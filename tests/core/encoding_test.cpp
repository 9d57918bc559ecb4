// Base64 and SHA-256 against the published test vectors (RFC 4648 §10, FIPS 180-4 examples),
// and the float64 encoding used for weights.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "l2o/core/error.hpp"
#include "l2o/core/base64.hpp"
#include "l2o/core/sha256.hpp"

namespace l2o {
namespace {

std::string enc(const std::string& s) {
  return base64_encode(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}
std::string dec(const std::string& s) {
  const auto b = base64_decode(s);
  return std::string(b.begin(), b.end());
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> cases[] = {{"", ""},         {"f", "Zg=="},     {"fo", "Zm8="},
                                                         {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : cases) {
    EXPECT_EQ(enc(plain), coded);
    EXPECT_EQ(dec(coded), plain);
  }
}

TEST(Base64, RejectsMalformedText) {
  EXPECT_THROW(base64_decode("Zm9"), Error);       // length not a multiple of 4
  EXPECT_THROW(base64_decode("Zm9*"), Error);      // outside the alphabet
  EXPECT_THROW(base64_decode("Zg==Zm9v"), Error);  // padding before the end
  EXPECT_THROW(base64_decode("Z=9v"), Error);      // misplaced padding
  EXPECT_THROW(base64_decode("Zm=v"), Error);
}

TEST(Float64Encoding, RoundTripIsBitExactAndLittleEndian) {
  const double values[] = {0.0, -0.0, 1.0, -2.5, 1e-310, std::numeric_limits<double>::max(), M_PI};
  const std::string text = encode_float64(values, 7);
  const std::vector<double> back = decode_float64(text);
  ASSERT_EQ(back.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(std::signbit(back[i]), std::signbit(values[i]));
  for (int i = 0; i < 7; ++i) EXPECT_EQ(back[i], values[i]);
  // 1.0 is 0x3FF0000000000000: little-endian bytes 00 00 00 00 00 00 F0 3F.
  EXPECT_EQ(encode_float64(&values[2], 1), "AAAAAAAA8D8=");
  EXPECT_THROW(decode_float64("AAAA"), Error);  // 3 bytes: not a whole double
}

TEST(Sha256, Fips180Vectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // One million 'a', fed in uneven pieces to exercise buffering across blocks.
  Sha256 h;
  const std::string piece(997, 'a');
  std::size_t left = 1000000;
  while (left > 0) {
    const std::size_t n = std::min(left, piece.size());
    h.update(piece.data(), n);
    left -= n;
  }
  EXPECT_EQ(h.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
}  // namespace
}  // namespace l2o
