// libFuzzer target for the data readers: IDX (plain and gzipped), CIFAR-10, CIFAR-100 and the
// projection-cache parser, all through their byte-buffer interfaces. The first input byte picks
// the reader; the rest is the file. Bad input must end in l2o::Error, never a crash, hang or
// sanitizer report; accepted input must satisfy the readers' invariants.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "l2o/core/error.hpp"
#include "l2o/data/bytes.hpp"
#include "l2o/data/cifar_reader.hpp"
#include "l2o/data/idx_reader.hpp"
#include "l2o/data/projection_cache.hpp"

namespace {
using l2o::Index;

// Decompressed inputs are capped well below libFuzzer's memory limit.
constexpr std::size_t kMaxGunzip = std::size_t{64} << 20;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_images(const l2o::ImageSet& s) {
  check(s.count > 0 && s.height > 0 && s.width > 0 && s.channels > 0);
  check(s.pixels.size() == static_cast<std::size_t>(s.count * s.dim()));
}

void check_labels(const std::vector<int>& labels, int num_classes) {
  for (int l : labels) check(l >= 0 && (num_classes <= 0 || l < num_classes));
}

void fuzz_cache(l2o::ByteView body) {
  // Give the input a valid checksum, and use the key it carries, so the fuzzer gets past those
  // two gates into the structure parsing (the gates themselves are trivial comparisons).
  l2o::Bytes file(body.begin(), body.end());
  const auto crc = static_cast<std::uint32_t>(crc32_z(crc32_z(0L, Z_NULL, 0), file.data(), file.size()));
  file.resize(file.size() + 4);
  std::memcpy(file.data() + file.size() - 4, &crc, 4);
  std::string key;
  if (body.size() >= 16) {
    std::uint32_t n = 0;
    std::memcpy(&n, body.data() + 12, 4);
    if (n <= body.size() - 16) key.assign(reinterpret_cast<const char*>(body.data() + 16), n);
  }
  const l2o::CacheRead r = l2o::parse_projection_cache(file, key);
  if (r.data) {
    check(r.data->train.x.rows() == r.data->width && r.data->test.x.rows() == r.data->width);
    check(static_cast<Index>(r.data->train.labels.size()) == r.data->train.count());
    check_labels(r.data->train.labels, r.data->num_classes);
    check_labels(r.data->test.labels, r.data->num_classes);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t selector = data[0];
  const l2o::ByteView body(data + 1, size - 1);
  const int num_classes = selector >> 4;  // 0 = unchecked, else 1..15
  try {
    switch (selector & 0x07) {
      case 0:
        check_images(l2o::parse_idx_images(body, "fuzz"));
        break;
      case 1:
        check_labels(l2o::parse_idx_labels(body, "fuzz", num_classes), num_classes);
        break;
      case 2:
        check_images(l2o::parse_idx_images(l2o::gunzip(body, "fuzz", kMaxGunzip), "fuzz"));
        break;
      case 3:
        check_labels(l2o::parse_idx_labels(l2o::gunzip(body, "fuzz", kMaxGunzip), "fuzz", num_classes), num_classes);
        break;
      case 4: {
        const l2o::ImageSet s = l2o::parse_cifar10(body, "fuzz");
        check_images(s);
        check_labels(s.labels, l2o::kCifar10Classes);
        break;
      }
      case 5:
      case 6: {
        const bool coarse = (selector & 0x07) == 6;
        const l2o::ImageSet s = l2o::parse_cifar100(body, "fuzz", coarse);
        check_images(s);
        check_labels(s.labels, coarse ? l2o::kCifar100CoarseClasses : l2o::kCifar100FineClasses);
        break;
      }
      case 7:
        fuzz_cache(body);
        break;
    }
  } catch (const l2o::Error&) {
    // Rejected with a message: the expected outcome for most inputs.
  }
  return 0;
}
