#include <gtest/gtest.h>

#include "data/expect_error.hpp"
#include "data/fixtures.hpp"
#include "l2o/data/idx_reader.hpp"

using namespace l2o;
using namespace l2o::test;

TEST(Idx, ImagesKeepShapeAndPixels) {
  const Bytes b = idx_image_bytes(5, 3, 4);
  const ImageSet s = parse_idx_images(b, "img");
  EXPECT_EQ(s.count, 5);
  EXPECT_EQ(s.height, 3);
  EXPECT_EQ(s.width, 4);
  EXPECT_EQ(s.channels, 1);
  ASSERT_EQ(s.pixels.size(), 60u);
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t p = 0; p < 12; ++p) EXPECT_EQ(s.pixels[i * 12 + p], fixture_pixel(i, p));
}

TEST(Idx, FourDimensionalImagesCarryChannels) {
  Bytes values(2 * 2 * 2 * 3);
  for (std::size_t k = 0; k < values.size(); ++k) values[k] = static_cast<std::uint8_t>(k);
  const ImageSet s = parse_idx_images(idx_bytes({2, 2, 2, 3}, values), "rgb");
  EXPECT_EQ(s.channels, 3);
  EXPECT_EQ(s.dim(), 12);
  EXPECT_EQ(s.pixels[13], 13);  // interleaved order is kept as stored
}

TEST(Idx, LabelsAreReadAndRangeChecked) {
  const Bytes b = idx_label_bytes({3, 1, 4, 1, 5});
  EXPECT_EQ(parse_idx_labels(b, "lab"), (std::vector<int>{3, 1, 4, 1, 5}));
  EXPECT_EQ(parse_idx_labels(b, "lab", 6).size(), 5u);
  EXPECT_L2O_ERROR(parse_idx_labels(b, "lab", 5), "lab", "label 5 at index 4", "out of range [0, 5)");
}

TEST(Idx, WrongMagicIsReported) {
  Bytes b = idx_image_bytes(2, 2, 2);
  b[0] = 0x50;
  EXPECT_L2O_ERROR(parse_idx_images(b, "f.idx"), "f.idx", "not an IDX file", "bad magic");
  b[0] = 0;
  b[2] = 0x42;
  EXPECT_L2O_ERROR(parse_idx_images(b, "f.idx"), "f.idx", "unknown value type 0x42");
  EXPECT_L2O_ERROR(parse_idx_images(Bytes{0, 0}, "tiny"), "tiny", "not an IDX file");
}

TEST(Idx, NonByteValueTypesAreRefused) {
  const Bytes b = idx_bytes({1}, Bytes(4, 0), 0x0D);
  EXPECT_L2O_ERROR(parse_idx_labels(b, "float.idx"), "float.idx", "float", "only unsigned bytes");
}

TEST(Idx, TruncatedOrOverlongDataIsReported) {
  Bytes b = idx_image_bytes(3, 4, 4);
  Bytes cut(b.begin(), b.end() - 1);
  EXPECT_L2O_ERROR(parse_idx_images(cut, "cut"), "cut", "truncated", "48 values", "47 bytes");
  b.push_back(9);
  EXPECT_L2O_ERROR(parse_idx_images(b, "long"), "long", "1 unexpected bytes");
  const Bytes header_only{0, 0, 8, 3, 0, 0, 0, 1, 0};
  EXPECT_L2O_ERROR(parse_idx_images(header_only, "hdr"), "hdr", "truncated IDX header");
}

TEST(Idx, HugeDeclaredSizesDoNotAllocate) {
  // dims 2^32-1 cubed overflow 64 bits: must be reported, not allocated.
  const Bytes b = idx_bytes({0xffffffffu, 0xffffffffu, 0xffffffffu}, Bytes(8, 0));
  EXPECT_L2O_ERROR(parse_idx_images(b, "huge"), "huge", "truncated");
}

TEST(Idx, WrongRankOrEmptyArraysAreReported) {
  EXPECT_L2O_ERROR(parse_idx_images(idx_label_bytes({1, 2}), "labels-as-images"), "labels-as-images",
                   "3 dimensions");
  EXPECT_L2O_ERROR(parse_idx_labels(idx_image_bytes(1, 2, 2), "images-as-labels"), "images-as-labels",
                   "1 dimension");
  EXPECT_L2O_ERROR(parse_idx_images(idx_bytes({0, 2, 2}, {}), "none"), "none", "holds no images");
  EXPECT_L2O_ERROR(parse_idx_labels(idx_bytes({0}, {}), "nolabels"), "nolabels", "no labels");
}

TEST(Idx, SplitPairsImagesWithLabelsPlainOrGzipped) {
  TempDir tmp;
  write_idx_dataset(tmp.str("plain"), 12, 4, 3, false);
  write_idx_dataset(tmp.str("gz"), 12, 4, 3, true);
  const ImageSet a = read_idx_split(tmp.str("plain/train-images-idx3-ubyte"), tmp.str("plain/train-labels-idx1-ubyte"), 3);
  const ImageSet b =
      read_idx_split(tmp.str("gz/train-images-idx3-ubyte.gz"), tmp.str("gz/train-labels-idx1-ubyte.gz"), 3);
  EXPECT_EQ(a.count, 12);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.labels[4], 1);
}

TEST(Idx, CountsThatDisagreeAreReported) {
  TempDir tmp;
  write_bytes(tmp.str("img"), idx_image_bytes(5, 2, 2));
  write_bytes(tmp.str("lab"), idx_label_bytes({0, 1, 0, 1}));
  EXPECT_L2O_ERROR(read_idx_split(tmp.str("img"), tmp.str("lab")), tmp.str("lab"), "4 labels", "5 images");
}

TEST(Idx, MissingFileIsReported) {
  TempDir tmp;
  write_bytes(tmp.str("img"), idx_image_bytes(5, 2, 2));
  EXPECT_L2O_ERROR(read_idx_split(tmp.str("img"), tmp.str("absent")), tmp.str("absent"), "file not found");
}
