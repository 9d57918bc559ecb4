#include <gtest/gtest.h>

#include "data/expect_error.hpp"
#include "data/fixtures.hpp"
#include "l2o/data/cifar_reader.hpp"

using namespace l2o;
using namespace l2o::test;

namespace {
// Every pixel of example i (numbered `first` onwards in the fixture) is at HWC position (y, x, c).
void expect_interleaved(const ImageSet& s, std::size_t i, std::size_t fixture_index) {
  const std::uint8_t* img = s.pixels.data() + i * kCifarPixels;
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x)
      for (int c = 0; c < 3; ++c)
        ASSERT_EQ(img[(y * 32 + x) * 3 + c], cifar_pixel(fixture_index, c, y, x)) << "y " << y << " x " << x;
}
}  // namespace

TEST(Cifar10, PlanesBecomeInterleavedPixels) {
  const ImageSet s = parse_cifar10(cifar10_bytes({7, 0, 9}), "batch");
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.height, 32);
  EXPECT_EQ(s.width, 32);
  EXPECT_EQ(s.channels, 3);
  EXPECT_EQ(s.labels, (std::vector<int>{7, 0, 9}));
  for (std::size_t i = 0; i < 3; ++i) expect_interleaved(s, i, i);
}

TEST(Cifar100, FineLabelsByDefaultCoarseOnRequest) {
  const Bytes b = cifar100_bytes({3, 19, 0}, {99, 42, 0});
  const ImageSet fine = parse_cifar100(b, "train.bin", false);
  const ImageSet coarse = parse_cifar100(b, "train.bin", true);
  EXPECT_EQ(fine.labels, (std::vector<int>{99, 42, 0}));
  EXPECT_EQ(coarse.labels, (std::vector<int>{3, 19, 0}));
  EXPECT_EQ(fine.pixels, coarse.pixels);
  expect_interleaved(fine, 1, 1);
}

TEST(Cifar10, TruncatedOrEmptyFilesAreReported) {
  Bytes b = cifar10_bytes({1, 2});
  b.pop_back();
  EXPECT_L2O_ERROR(parse_cifar10(b, "data_batch_1.bin"), "data_batch_1.bin", "6145 bytes", "3073-byte",
                   "truncated");
  EXPECT_L2O_ERROR(parse_cifar10(Bytes{}, "empty.bin"), "empty.bin", "empty CIFAR-10 file");
}

TEST(Cifar10, LabelsOutOfRangeAreReported) {
  EXPECT_L2O_ERROR(parse_cifar10(cifar10_bytes({1, 10}), "b.bin"), "b.bin", "record 1", "label 10",
                   "out of range [0, 10)");
}

TEST(Cifar100, LabelsOutOfRangeAreReportedForEitherByte) {
  EXPECT_L2O_ERROR(parse_cifar100(cifar100_bytes({20}, {5}), "t.bin", false), "t.bin", "coarse label 20",
                   "[0, 20)");
  EXPECT_L2O_ERROR(parse_cifar100(cifar100_bytes({2}, {100}), "t.bin", true), "t.bin", "fine label 100",
                   "[0, 100)");
  // A CIFAR-10 file read as CIFAR-100 has the wrong record size.
  EXPECT_L2O_ERROR(parse_cifar100(cifar10_bytes({1, 2, 3}), "c10.bin", false), "c10.bin", "3074-byte");
}

TEST(Cifar10, FilesAreConcatenatedInOrder) {
  TempDir tmp;
  write_bytes(tmp.str("a.bin"), cifar10_bytes({1, 2}));
  write_bytes(tmp.str("b.bin"), cifar10_bytes({3}));
  const ImageSet s = read_cifar10_files({tmp.str("a.bin"), tmp.str("b.bin")});
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.labels, (std::vector<int>{1, 2, 3}));
  expect_interleaved(s, 2, 0);  // first record of b.bin
  EXPECT_L2O_ERROR(read_cifar10_files({tmp.str("a.bin"), tmp.str("c.bin")}), tmp.str("c.bin"), "file not found");
}
