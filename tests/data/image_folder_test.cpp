#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "data/expect_error.hpp"
#include "data/fixtures.hpp"
#include "l2o/data/image_folder.hpp"

using namespace l2o;
using namespace l2o::test;
namespace fs = std::filesystem;

TEST(ImageFolder, ClassesFollowSortedFolderNames) {
  TempDir tmp;
  write_image_folder(tmp.str("d"), {"zebra", "apple", "mango"}, {2, 3, 1}, 5, 4, 1);
  write_bytes(tmp.str("d/apple/notes.txt"), {'h', 'i'});  // not an image: ignored
  fs::create_directories(tmp.path() / "d" / ".hidden");
  const ImageFolderListing l = list_image_folder(tmp.str("d"));
  EXPECT_EQ(l.class_names, (std::vector<std::string>{"apple", "mango", "zebra"}));
  EXPECT_EQ(l.labels, (std::vector<int>{0, 0, 0, 1, 2, 2}));
  EXPECT_EQ(fs::path(l.files[0]).filename(), "img0.pgm");
}

TEST(ImageFolder, GreyImagesDecodeExactly) {
  TempDir tmp;
  write_image_folder(tmp.str("d"), {"a", "b"}, {2, 2}, 5, 4, 1);
  const ImageSet s = decode_image_folder(list_image_folder(tmp.str("d")));
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(s.height, 5);
  EXPECT_EQ(s.width, 4);
  EXPECT_EQ(s.channels, 1);
  // a/img0, a/img1, b/img0, b/img1 were written with pattern seeds 0, 1, 2, 3.
  for (int i = 0; i < 4; ++i) {
    const auto expect = pattern_pixels(5, 4, 1, i);
    EXPECT_TRUE(std::equal(expect.begin(), expect.end(), s.pixels.begin() + i * 20)) << "image " << i;
  }
}

TEST(ImageFolder, RgbPngsDecodeExactlyAndGreyIsRepeated) {
  TempDir tmp;
  write_image_folder(tmp.str("d"), {"colour"}, {2}, 3, 6, 3);
  const auto grey = pattern_pixels(3, 6, 1, 7);
  write_pgm(tmp.str("d/grey/g.pgm"), 3, 6, grey);
  const ImageSet s = decode_image_folder(list_image_folder(tmp.str("d")));
  EXPECT_EQ(s.channels, 3);
  const auto rgb0 = pattern_pixels(3, 6, 3, 0);
  EXPECT_TRUE(std::equal(rgb0.begin(), rgb0.end(), s.pixels.begin()));
  const std::uint8_t* g = s.pixels.data() + 2 * s.dim();
  for (std::size_t p = 0; p < grey.size(); ++p)
    for (int c = 0; c < 3; ++c) ASSERT_EQ(g[p * 3 + c], grey[p]);
}

TEST(ImageFolder, JpegsDecodeCloseToTheOriginal) {
  TempDir tmp;
  std::vector<std::uint8_t> smooth(16 * 16 * 3);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x)
      for (int c = 0; c < 3; ++c) smooth[(y * 16 + x) * 3 + c] = static_cast<std::uint8_t>(40 + 8 * y + 4 * x + 20 * c);
  write_jpg(tmp.str("d/k/a.jpg"), 16, 16, 3, smooth);
  write_jpg(tmp.str("d/k/b.JPEG"), 16, 16, 3, smooth);  // extensions are case-insensitive
  const ImageSet s = decode_image_folder(list_image_folder(tmp.str("d")));
  ASSERT_EQ(s.count, 2);
  double err = 0;
  for (std::size_t k = 0; k < smooth.size(); ++k) err += std::abs(double(s.pixels[k]) - smooth[k]);
  EXPECT_LT(err / smooth.size(), 3.0);  // lossy, but a quality-100 JPEG of a smooth ramp is close
}

TEST(ImageFolder, MixedSizesAreReported) {
  TempDir tmp;
  write_image_folder(tmp.str("d"), {"a"}, {2}, 4, 4, 1);
  write_pgm(tmp.str("d/b/odd.pgm"), 5, 4, pattern_pixels(5, 4, 1, 0));
  EXPECT_L2O_ERROR(decode_image_folder(list_image_folder(tmp.str("d"))), "odd.pgm", "5x4", "4x4", "one size");
}

TEST(ImageFolder, UnreadableImagesAreReported) {
  TempDir tmp;
  write_image_folder(tmp.str("d"), {"a"}, {3}, 4, 4, 1);
  write_bytes(tmp.str("d/a/broken.png"), {0x89, 'P', 'N', 'G', 1, 2, 3});
  EXPECT_L2O_ERROR(decode_image_folder(list_image_folder(tmp.str("d"))), "broken.png", "cannot read image");
  // A valid header whose data is cut short passes the header pass and fails in decoding.
  TempDir tmp2;
  write_image_folder(tmp2.str("d"), {"a"}, {1}, 8, 8, 3);
  const std::string png = tmp2.str("d/a/img0.png");
  Bytes b = read_file_bytes(png);
  b.resize(b.size() - 20);
  write_bytes(png, b);
  EXPECT_L2O_ERROR(decode_image_folder(list_image_folder(tmp2.str("d"))), "img0.png");
}

TEST(ImageFolder, EmptyClassesAndNoClassesAreReported) {
  TempDir tmp;
  write_image_folder(tmp.str("d"), {"a"}, {1}, 4, 4, 1);
  fs::create_directories(tmp.path() / "d" / "empty");
  write_bytes(tmp.str("d/empty/readme.txt"), {'x'});
  EXPECT_L2O_ERROR(list_image_folder(tmp.str("d")), "empty", "holds no images");
  fs::create_directories(tmp.path() / "none");
  write_bytes(tmp.str("none/loose.png"), {1});
  EXPECT_L2O_ERROR(list_image_folder(tmp.str("none")), tmp.str("none"), "no class folders");
  EXPECT_L2O_ERROR(list_image_folder(tmp.str("absent")), tmp.str("absent"), "not found");
}

TEST(ImageFolder, TestSplitMustHaveTheTrainingClasses) {
  TempDir tmp;
  write_image_folder(tmp.str("test"), {"a", "c"}, {1, 1}, 4, 4, 1);
  EXPECT_L2O_ERROR(list_image_folder(tmp.str("test"), {"a", "b"}), "class folders (a, c)", "(a, b)");
  EXPECT_EQ(list_image_folder(tmp.str("test"), {"a", "c"}).size(), 2);
}

TEST(ImageFolder, SelectKeepsTheChosenEntriesInOrder) {
  TempDir tmp;
  write_image_folder(tmp.str("d"), {"a", "b"}, {2, 2}, 4, 4, 1);
  const auto l = list_image_folder(tmp.str("d"));
  const auto s = select_entries(l, {3, 0});
  EXPECT_EQ(s.files, (std::vector<std::string>{l.files[3], l.files[0]}));
  EXPECT_EQ(s.labels, (std::vector<int>{1, 0}));
}
