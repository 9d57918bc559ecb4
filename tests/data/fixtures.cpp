#include "data/fixtures.hpp"

#include <stdlib.h>
#include <zlib.h>

#include <fstream>
#include <stdexcept>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#if __has_include(<stb_image_write.h>)
#include <stb_image_write.h>
#else
#include <stb/stb_image_write.h>
#endif
#pragma GCC diagnostic pop

namespace l2o::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "l2o-data-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

Bytes gzip_bytes(const Bytes& raw) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  Bytes out(deflateBound(&zs, raw.size()) + 64);
  zs.next_in = const_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Bytes idx_bytes(const std::vector<std::uint32_t>& dims, const Bytes& values, std::uint8_t type) {
  Bytes b{0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(d >> s));
  b.insert(b.end(), values.begin(), values.end());
  return b;
}

Bytes idx_image_bytes(std::uint32_t n, std::uint32_t h, std::uint32_t w) {
  Bytes v(static_cast<std::size_t>(n) * h * w);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t p = 0; p < std::size_t{h} * w; ++p) v[i * h * w + p] = fixture_pixel(i, p);
  return idx_bytes({n, h, w}, v);
}

Bytes idx_label_bytes(const std::vector<int>& labels) {
  Bytes v;
  for (int l : labels) v.push_back(static_cast<std::uint8_t>(l));
  return idx_bytes({static_cast<std::uint32_t>(labels.size())}, v);
}

void write_idx_dataset(const std::string& dir, std::uint32_t ntrain, std::uint32_t ntest, int classes, bool gz,
                       std::uint32_t side) {
  auto labels = [classes](std::uint32_t n) {
    std::vector<int> l;
    for (std::uint32_t i = 0; i < n; ++i) l.push_back(static_cast<int>(i) % classes);
    return l;
  };
  auto put = [&](const std::string& base, const Bytes& b) {
    write_bytes((fs::path(dir) / (base + (gz ? ".gz" : ""))).string(), gz ? gzip_bytes(b) : b);
  };
  put("train-images-idx3-ubyte", idx_image_bytes(ntrain, side, side));
  put("train-labels-idx1-ubyte", idx_label_bytes(labels(ntrain)));
  put("t10k-images-idx3-ubyte", idx_image_bytes(ntest, side, side));
  put("t10k-labels-idx1-ubyte", idx_label_bytes(labels(ntest)));
}

namespace {
void append_planes(Bytes& b, std::size_t i) {
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x) b.push_back(cifar_pixel(i, c, y, x));
}
}  // namespace

Bytes cifar10_bytes(const std::vector<int>& labels) {
  Bytes b;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    b.push_back(static_cast<std::uint8_t>(labels[i]));
    append_planes(b, i);
  }
  return b;
}

Bytes cifar100_bytes(const std::vector<int>& coarse, const std::vector<int>& fine) {
  Bytes b;
  for (std::size_t i = 0; i < fine.size(); ++i) {
    b.push_back(static_cast<std::uint8_t>(coarse[i]));
    b.push_back(static_cast<std::uint8_t>(fine[i]));
    append_planes(b, i);
  }
  return b;
}

void write_pgm(const std::string& path, int h, int w, const std::vector<std::uint8_t>& pixels) {
  std::string header = "P5\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  Bytes b(header.begin(), header.end());
  b.insert(b.end(), pixels.begin(), pixels.end());
  write_bytes(path, b);
}

void write_png(const std::string& path, int h, int w, int c, const std::vector<std::uint8_t>& pixels) {
  fs::create_directories(fs::path(path).parent_path());
  if (!stbi_write_png(path.c_str(), w, h, c, pixels.data(), w * c)) throw std::runtime_error("png " + path);
}

void write_jpg(const std::string& path, int h, int w, int c, const std::vector<std::uint8_t>& pixels) {
  fs::create_directories(fs::path(path).parent_path());
  if (!stbi_write_jpg(path.c_str(), w, h, c, pixels.data(), 100)) throw std::runtime_error("jpg " + path);
}

std::vector<std::uint8_t> pattern_pixels(int h, int w, int c, int seed) {
  std::vector<std::uint8_t> p(static_cast<std::size_t>(h) * w * c);
  for (std::size_t k = 0; k < p.size(); ++k) p[k] = static_cast<std::uint8_t>((k * 17 + seed * 29) % 256);
  return p;
}

void write_image_folder(const std::string& root, const std::vector<std::string>& classes,
                        const std::vector<int>& per_class, int h, int w, int c) {
  int seed = 0;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    fs::create_directories(fs::path(root) / classes[k]);
    for (int i = 0; i < per_class[k]; ++i, ++seed) {
      const std::string stem = (fs::path(root) / classes[k] / ("img" + std::to_string(i))).string();
      if (c == 1)
        write_pgm(stem + ".pgm", h, w, pattern_pixels(h, w, 1, seed));
      else
        write_png(stem + ".png", h, w, c, pattern_pixels(h, w, c, seed));
    }
  }
}

const std::vector<std::string>& fer_emotions() {
  static const std::vector<std::string> names{"angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"};
  return names;
}

}  // namespace l2o::test
