#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "data/expect_error.hpp"
#include "data/fixtures.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/data/projection.hpp"
#include "l2o/data/projection_cache.hpp"

using namespace l2o;
using namespace l2o::test;
namespace fs = std::filesystem;

namespace {
Mat random_matrix(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed);
  Mat m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = rng.normal();
  return m;
}

ProjectedDataset small_projected() {
  ProjectedDataset p;
  p.name = "mnist";
  p.display_name = "MNIST";
  p.num_classes = 10;
  p.width = 3;
  p.projection_seed = 99;
  p.train.x = random_matrix(3, 5, 1);
  p.train.labels = {0, 9, 3, 3, 1};
  p.test.x = random_matrix(3, 2, 2);
  p.test.labels = {7, 2};
  return p;
}

void expect_same(const ProjectedDataset& a, const ProjectedDataset& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.num_classes, b.num_classes);
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.projection_seed, b.projection_seed);
  EXPECT_EQ(a.train.x, b.train.x);  // bit-exact
  EXPECT_EQ(a.train.labels, b.train.labels);
  EXPECT_EQ(a.test.x, b.test.x);
  EXPECT_EQ(a.test.labels, b.test.labels);
}

void rewrite_crc(Bytes& b) {
  const auto crc = static_cast<std::uint32_t>(crc32_z(crc32_z(0L, Z_NULL, 0), b.data(), b.size() - 4));
  std::memcpy(b.data() + b.size() - 4, &crc, 4);
}

DataOptions mnist_fixture(const TempDir& tmp) {
  DataOptions o;
  o.data_dir = tmp.str("data");
  write_idx_dataset(o.data_dir + "/mnist", 60, 20, 10, false, 6);
  return o;
}
}  // namespace

TEST(ProjectionCache, RoundTripIsBitExact) {
  TempDir tmp;
  const ProjectedDataset p = small_projected();
  write_projection_cache(tmp.str("c/x.bin"), "key-1", p);
  const CacheRead r = read_projection_cache(tmp.str("c/x.bin"), "key-1");
  ASSERT_TRUE(r.data) << r.problem;
  expect_same(*r.data, p);
}

TEST(ProjectionCache, OtherKeysAndMissingFilesAreNotServed) {
  TempDir tmp;
  write_projection_cache(tmp.str("x.bin"), "key-1", small_projected());
  const CacheRead r = read_projection_cache(tmp.str("x.bin"), "key-2");
  EXPECT_FALSE(r.data);
  EXPECT_NE(r.problem.find("key differs"), std::string::npos);
  EXPECT_EQ(read_projection_cache(tmp.str("none.bin"), "key-1").problem, "missing");
}

TEST(ProjectionCache, CorruptionIsDetected) {
  TempDir tmp;
  const std::string path = tmp.str("x.bin");
  write_projection_cache(path, "k", small_projected());
  const Bytes good = read_file_bytes(path);

  Bytes flipped = good;
  flipped[flipped.size() - 30] ^= 0x01;  // one bit of one stored double
  write_bytes(path, flipped);
  EXPECT_NE(read_projection_cache(path, "k").problem.find("checksum mismatch"), std::string::npos);

  write_bytes(path, Bytes(good.begin(), good.end() - 9));
  EXPECT_NE(read_projection_cache(path, "k").problem.find("checksum mismatch"), std::string::npos);

  Bytes magic = good;
  magic[0] = 'X';
  write_bytes(path, magic);
  EXPECT_NE(read_projection_cache(path, "k").problem.find("bad magic"), std::string::npos);

  write_bytes(path, Bytes{});
  EXPECT_FALSE(read_projection_cache(path, "k").data);
}

TEST(ProjectionCache, InconsistentHeaderIsDetectedEvenWithAValidChecksum) {
  TempDir tmp;
  const std::string path = tmp.str("x.bin");
  write_projection_cache(path, "k", small_projected());
  const Bytes good = read_file_bytes(path);
  // Header layout: magic 8, version 4, key (4 + 1), name (4 + 5), display (4 + 5), classes 4,
  // width 4, seed 8, train count 8 (at offset 54), test count 8.
  const std::size_t train_count_at = 8 + 4 + 5 + 9 + 9 + 4 + 4 + 8;
  std::uint64_t count = 0;
  std::memcpy(&count, good.data() + train_count_at, 8);
  ASSERT_EQ(count, 5u);

  Bytes huge = good;
  const std::uint64_t big = std::uint64_t{1} << 62;
  std::memcpy(huge.data() + train_count_at, &big, 8);
  rewrite_crc(huge);
  write_bytes(path, huge);
  EXPECT_NE(read_projection_cache(path, "k").problem.find("truncated"), std::string::npos);

  Bytes fewer = good;
  const std::uint64_t four = 4;
  std::memcpy(fewer.data() + train_count_at, &four, 8);
  rewrite_crc(fewer);
  write_bytes(path, fewer);
  EXPECT_FALSE(read_projection_cache(path, "k").data);

  Bytes bad_label = good;
  const std::size_t first_test_label = good.size() - 4 - 8;  // two int32 test labels before the CRC
  const std::int32_t label = 10;
  std::memcpy(bad_label.data() + first_test_label, &label, 4);
  rewrite_crc(bad_label);
  write_bytes(path, bad_label);
  EXPECT_NE(read_projection_cache(path, "k").problem.find("label 10 out of range"), std::string::npos);
}

TEST(LoadProjected, BuildsThenServesTheCache) {
  TempDir tmp;
  const DataOptions o = mnist_fixture(tmp);
  ProjectionCacheOutcome first, second;
  const ProjectedDataset a = load_projected_reporting("mnist", 8, 3, o, &first);
  EXPECT_EQ(first.path, o.data_dir + "/cache/mnist-w8-s3.bin");
  EXPECT_FALSE(first.hit);
  EXPECT_TRUE(first.written);
  EXPECT_EQ(first.problem, "missing");
  const ProjectedDataset b = load_projected_reporting("mnist", 8, 3, o, &second);
  EXPECT_TRUE(second.hit);
  expect_same(a, b);
  expect_same(a, project_dataset(load_dataset("mnist", o), 8, 3));
  EXPECT_EQ(a.train.count(), 60);
  EXPECT_EQ(a.test.count(), 20);
  // The public entry point agrees.
  expect_same(a, load_projected("mnist", 8, 3, o));
}

TEST(LoadProjected, CorruptCacheIsRebuiltNotTrusted) {
  TempDir tmp;
  const DataOptions o = mnist_fixture(tmp);
  const ProjectedDataset fresh = load_projected("mnist", 8, 3, o);
  const std::string path = o.data_dir + "/cache/mnist-w8-s3.bin";
  Bytes b = read_file_bytes(path);
  b[b.size() / 2] ^= 0xff;
  write_bytes(path, b);
  ProjectionCacheOutcome out;
  const ProjectedDataset rebuilt = load_projected_reporting("mnist", 8, 3, o, &out);
  EXPECT_FALSE(out.hit);
  EXPECT_NE(out.problem.find("checksum mismatch"), std::string::npos);
  EXPECT_TRUE(out.written);
  expect_same(rebuilt, fresh);
  EXPECT_TRUE(read_projection_cache(path, projection_cache_key(resolve_dataset("mnist", o), 8, 3)).data);
}

TEST(LoadProjected, ChangedSourceFilesInvalidateTheCache) {
  TempDir tmp;
  const DataOptions o = mnist_fixture(tmp);
  const ProjectedDataset before = load_projected("mnist", 4, 1, o);
  write_idx_dataset(o.data_dir + "/mnist", 30, 20, 10, false, 6);  // different training split
  ProjectionCacheOutcome out;
  const ProjectedDataset after = load_projected_reporting("mnist", 4, 1, o, &out);
  EXPECT_FALSE(out.hit);
  EXPECT_NE(out.problem.find("key differs"), std::string::npos);
  EXPECT_EQ(after.train.count(), 30);
  EXPECT_EQ(before.train.count(), 60);
}

TEST(LoadProjected, WidthAndSeedHaveTheirOwnFiles) {
  TempDir tmp;
  const DataOptions o = mnist_fixture(tmp);
  load_projected("mnist", 4, 1, o);
  load_projected("mnist", 5, 1, o);
  load_projected("mnist", 4, 2, o);
  for (const char* f : {"mnist-w4-s1.bin", "mnist-w5-s1.bin", "mnist-w4-s2.bin"})
    EXPECT_TRUE(fs::exists(fs::path(o.data_dir) / "cache" / f)) << f;
  EXPECT_L2O_ERROR(load_projected("mnist", 0, 1, o), "width must be positive");
}

TEST(LoadProjected, ConcurrentBuildsLeaveOneValidCache) {
  TempDir tmp;
  const DataOptions o = mnist_fixture(tmp);
  std::vector<ProjectedDataset> results(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t)
    threads.emplace_back([&, t] { results[t] = load_projected("mnist", 6, 2, o); });
  for (auto& th : threads) th.join();
  for (const auto& r : results) expect_same(r, results[0]);
  ProjectionCacheOutcome out;
  expect_same(load_projected_reporting("mnist", 6, 2, o, &out), results[0]);
  EXPECT_TRUE(out.hit);
  for (const auto& e : fs::directory_iterator(fs::path(o.data_dir) / "cache"))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
}
