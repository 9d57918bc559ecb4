#include "l2o/data/cifar_reader.hpp"

#include <fmt/core.h>

#include "l2o/core/error.hpp"

namespace l2o {
namespace {

// One label byte of a record: its name in messages and its number of classes.
struct LabelByte {
  const char* what;
  int classes;
};

// Records are <label bytes><3072 pixel bytes>; `keep` picks the label byte that becomes the label.
ImageSet parse_cifar_records(ByteView bytes, const std::string& name, const char* format,
                             const std::vector<LabelByte>& label_bytes, std::size_t keep) {
  const std::size_t nlabels = label_bytes.size();
  const std::size_t record = nlabels + kCifarPixels;
  if (bytes.empty()) throw Error(fmt::format("{}: empty {} file", name, format));
  if (bytes.size() % record != 0)
    throw Error(fmt::format("{}: {} bytes is not a whole number of {}-byte {} records (truncated or not a {} file)",
                            name, bytes.size(), record, format, format));
  const std::size_t n = bytes.size() / record;
  ImageSet s;
  s.count = static_cast<Index>(n);
  s.height = s.width = kCifarSide;
  s.channels = 3;
  s.pixels.resize(n * kCifarPixels);
  s.labels.resize(n);
  constexpr std::size_t plane = kCifarSide * kCifarSide;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* r = bytes.data() + i * record;
    // Every label byte is checked, not only the kept one: a bad byte anywhere means a corrupt file.
    for (std::size_t k = 0; k < nlabels; ++k)
      if (r[k] >= label_bytes[k].classes)
        throw Error(fmt::format("{}: record {}: {} {} is out of range [0, {})", name, i, label_bytes[k].what, r[k],
                                label_bytes[k].classes));
    s.labels[i] = r[keep];
    const std::uint8_t* planes = r + nlabels;
    std::uint8_t* out = s.pixels.data() + i * kCifarPixels;
    for (std::size_t p = 0; p < plane; ++p)
      for (std::size_t c = 0; c < 3; ++c) out[p * 3 + c] = planes[c * plane + p];
  }
  return s;
}

template <class Parse>
ImageSet read_files(const std::vector<std::string>& paths, Parse parse) {
  ImageSet all;
  for (const auto& path : paths) {
    const Bytes bytes = read_file_bytes(path);
    append_images(all, parse(bytes, path), path);
  }
  return all;
}
}  // namespace

ImageSet parse_cifar10(ByteView bytes, const std::string& name) {
  return parse_cifar_records(bytes, name, "CIFAR-10", {{"label", kCifar10Classes}}, 0);
}

ImageSet parse_cifar100(ByteView bytes, const std::string& name, bool coarse) {
  return parse_cifar_records(bytes, name, "CIFAR-100",
                             {{"coarse label", kCifar100CoarseClasses}, {"fine label", kCifar100FineClasses}},
                             coarse ? 0 : 1);
}

ImageSet read_cifar10_files(const std::vector<std::string>& paths) {
  return read_files(paths, [](ByteView b, const std::string& p) { return parse_cifar10(b, p); });
}

ImageSet read_cifar100_files(const std::vector<std::string>& paths, bool coarse) {
  return read_files(paths, [coarse](ByteView b, const std::string& p) { return parse_cifar100(b, p, coarse); });
}

void append_images(ImageSet& into, const ImageSet& more, const std::string& name) {
  if (into.count == 0 && into.pixels.empty()) {
    into = more;
    return;
  }
  if (more.height != into.height || more.width != into.width || more.channels != into.channels)
    throw Error(fmt::format("{}: images are {}x{}x{} but earlier ones are {}x{}x{}", name, more.height, more.width,
                            more.channels, into.height, into.width, into.channels));
  into.pixels.insert(into.pixels.end(), more.pixels.begin(), more.pixels.end());
  into.labels.insert(into.labels.end(), more.labels.begin(), more.labels.end());
  into.count += more.count;
}

}  // namespace l2o
