#include <gtest/gtest.h>

#include "data/expect_error.hpp"
#include "data/fixtures.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/data/bytes.hpp"

using namespace l2o;
using namespace l2o::test;

namespace {
Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng.below(7) * 37);  // compressible, not trivial
  return b;
}
}  // namespace

TEST(Gzip, RoundTripRestoresTheBytes) {
  const Bytes raw = random_bytes(300000, 1);
  const Bytes gz = gzip_bytes(raw);
  ASSERT_TRUE(is_gzip(gz));
  EXPECT_FALSE(is_gzip(raw));
  EXPECT_EQ(gunzip(gz, "x.gz"), raw);
}

TEST(Gzip, ConcatenatedMembersAreJoined) {
  const Bytes a = random_bytes(1000, 2), b = random_bytes(5000, 3);
  Bytes gz = gzip_bytes(a);
  const Bytes gzb = gzip_bytes(b);
  gz.insert(gz.end(), gzb.begin(), gzb.end());
  Bytes ab = a;
  ab.insert(ab.end(), b.begin(), b.end());
  EXPECT_EQ(gunzip(gz, "ab.gz"), ab);
}

TEST(Gzip, TruncatedStreamIsReported) {
  Bytes gz = gzip_bytes(random_bytes(50000, 4));
  gz.resize(gz.size() / 2);
  EXPECT_L2O_ERROR(gunzip(gz, "half.gz"), "half.gz", "truncated");
}

TEST(Gzip, CorruptDataIsReported) {
  Bytes gz = gzip_bytes(random_bytes(50000, 5));
  for (std::size_t i = 20; i < 60; ++i) gz[i] ^= 0x5a;
  EXPECT_L2O_ERROR(gunzip(gz, "bad.gz"), "bad.gz");
}

TEST(Gzip, TrailingGarbageIsReported) {
  Bytes gz = gzip_bytes(random_bytes(100, 6));
  gz.push_back(0x42);
  gz.push_back(0x43);
  EXPECT_L2O_ERROR(gunzip(gz, "tail.gz"), "tail.gz", "2 unexpected bytes");
}

TEST(Gzip, OutputLimitStopsDecompressionBombs) {
  const Bytes gz = gzip_bytes(Bytes(1 << 20, 0));
  EXPECT_L2O_ERROR(gunzip(gz, "bomb.gz", 1000), "bomb.gz", "exceeds the limit of 1000 bytes");
  EXPECT_EQ(gunzip(gz, "bomb.gz", 1 << 20).size(), std::size_t{1} << 20);
}

TEST(Gzip, NotGzipIsReported) { EXPECT_L2O_ERROR(gunzip(Bytes{1, 2, 3}, "plain"), "plain", "not a gzip"); }

TEST(ReadFile, MissingFileNamesThePath) {
  TempDir tmp;
  EXPECT_L2O_ERROR(read_file_bytes(tmp.str("nope.bin")), tmp.str("nope.bin"), "file not found");
  EXPECT_L2O_ERROR(read_file_bytes(tmp.str()), tmp.str(), "not a regular file");
}

TEST(ReadFile, GzippedFilesAreDetectedByContent) {
  TempDir tmp;
  const Bytes raw = random_bytes(777, 7);
  write_bytes(tmp.str("plain.bin"), raw);
  write_bytes(tmp.str("packed.whatever"), gzip_bytes(raw));
  EXPECT_EQ(read_maybe_gzipped(tmp.str("plain.bin")), raw);
  EXPECT_EQ(read_maybe_gzipped(tmp.str("packed.whatever")), raw);
}
