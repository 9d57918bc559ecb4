#pragma once
// Small generated data files for the data-part tests: IDX (plain and gzipped), CIFAR-10/100
// binary records and image folders, written into a temporary directory per test.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "l2o/data/bytes.hpp"

namespace l2o::test {

// A fresh directory under the system temp folder, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str(const std::string& rel = "") const { return rel.empty() ? path_.string() : (path_ / rel).string(); }

 private:
  std::filesystem::path path_;
};

void write_bytes(const std::string& path, const Bytes& bytes);  // creates parent folders
Bytes gzip_bytes(const Bytes& raw);

// IDX: magic (0, 0, 0x08, ndims), big-endian dims, then the values.
Bytes idx_bytes(const std::vector<std::uint32_t>& dims, const Bytes& values, std::uint8_t type = 0x08);
// The pixel value of example i at flat position p in the fixtures: a simple deterministic pattern.
inline std::uint8_t fixture_pixel(std::size_t i, std::size_t p) { return static_cast<std::uint8_t>((i * 31 + p * 7) % 251); }
Bytes idx_image_bytes(std::uint32_t n, std::uint32_t h, std::uint32_t w);  // pixels from fixture_pixel
Bytes idx_label_bytes(const std::vector<int>& labels);
// Writes <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte (gzipped with .gz names if `gz`).
void write_idx_dataset(const std::string& dir, std::uint32_t ntrain, std::uint32_t ntest, int classes, bool gz,
                       std::uint32_t side = 4);

// CIFAR records with pixel planes R,G,B: plane c, row y, column x holds cifar_pixel(i, c, y, x).
inline std::uint8_t cifar_pixel(std::size_t i, int c, int y, int x) {
  return static_cast<std::uint8_t>((i * 13 + c * 101 + y * 7 + x * 3) % 256);
}
Bytes cifar10_bytes(const std::vector<int>& labels);
Bytes cifar100_bytes(const std::vector<int>& coarse, const std::vector<int>& fine);

// Image files. pixels: h*w*c bytes, interleaved.
void write_pgm(const std::string& path, int h, int w, const std::vector<std::uint8_t>& pixels);
void write_png(const std::string& path, int h, int w, int c, const std::vector<std::uint8_t>& pixels);
void write_jpg(const std::string& path, int h, int w, int c, const std::vector<std::uint8_t>& pixels);
std::vector<std::uint8_t> pattern_pixels(int h, int w, int c, int seed);
// <root>/<class>/img<k>.png (or .pgm for grey) for per_class[k] images of each class.
void write_image_folder(const std::string& root, const std::vector<std::string>& classes,
                        const std::vector<int>& per_class, int h, int w, int c);

// FER2013's seven class folders (the TFD substitute).
const std::vector<std::string>& fer_emotions();

}  // namespace l2o::test
