#include "l2o/data/idx_reader.hpp"

#include <fmt/core.h>

#include "l2o/core/error.hpp"

namespace l2o {
namespace {
constexpr std::uint8_t kTypeUnsignedByte = 0x08;

const char* idx_type_name(std::uint8_t t) {
  switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return nullptr;
  }
}
}  // namespace

IdxArray parse_idx(ByteView bytes, const std::string& name) {
  if (bytes.size() < 4) throw Error(fmt::format("{}: not an IDX file (only {} bytes)", name, bytes.size()));
  if (bytes[0] != 0 || bytes[1] != 0)
    throw Error(fmt::format("{}: not an IDX file (bad magic {:02x} {:02x} {:02x} {:02x})", name, bytes[0], bytes[1],
                            bytes[2], bytes[3]));
  const std::uint8_t type = bytes[2];
  const char* type_name = idx_type_name(type);
  if (!type_name) throw Error(fmt::format("{}: not an IDX file (unknown value type 0x{:02x})", name, type));
  if (type != kTypeUnsignedByte)
    throw Error(fmt::format("{}: IDX values are of type {}; only unsigned bytes (0x08) are supported", name, type_name));
  const unsigned ndims = bytes[3];
  if (ndims == 0) throw Error(fmt::format("{}: IDX header declares zero dimensions", name));
  const std::size_t header = 4 + 4 * std::size_t{ndims};
  if (bytes.size() < header)
    throw Error(fmt::format("{}: truncated IDX header ({} bytes, {} needed for {} dimensions)", name, bytes.size(),
                            header, ndims));
  IdxArray a;
  std::uint64_t total = 1;
  bool overflow = false;
  for (unsigned i = 0; i < ndims; ++i) {
    const std::uint8_t* p = bytes.data() + 4 + 4 * i;
    const std::uint32_t d = std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
    a.dims.push_back(d);
    overflow = overflow || __builtin_mul_overflow(total, std::uint64_t{d}, &total);
  }
  const std::uint64_t have = bytes.size() - header;
  if (overflow || total > have)
    throw Error(fmt::format("{}: truncated IDX data: the header declares {} values but the file holds {} bytes after it",
                            name, overflow ? std::string("more than 2^64") : std::to_string(total), have));
  if (total < have)
    throw Error(fmt::format("{}: corrupt IDX file: {} unexpected bytes after the {} declared values", name,
                            have - total, total));
  a.values = bytes.subspan(header, static_cast<std::size_t>(total));
  return a;
}

ImageSet parse_idx_images(ByteView bytes, const std::string& name) {
  const IdxArray a = parse_idx(bytes, name);
  if (a.dims.size() != 3 && a.dims.size() != 4)
    throw Error(fmt::format("{}: an IDX image file needs 3 dimensions (count, rows, columns) or 4 (with channels), "
                            "this one has {}", name, a.dims.size()));
  for (std::size_t i = 0; i < a.dims.size(); ++i)
    if (a.dims[i] == 0) throw Error(fmt::format("{}: IDX dimension {} is zero (the file holds no images)", name, i));
  const std::uint32_t channels = a.dims.size() == 4 ? a.dims[3] : 1;
  if (a.dims[1] > 1u << 16 || a.dims[2] > 1u << 16 || channels > 4)
    throw Error(fmt::format("{}: implausible image shape {}x{}x{} in the IDX header", name, a.dims[1], a.dims[2],
                            channels));
  ImageSet s;
  s.count = static_cast<Index>(a.dims[0]);
  s.height = static_cast<int>(a.dims[1]);
  s.width = static_cast<int>(a.dims[2]);
  s.channels = static_cast<int>(channels);
  s.pixels.assign(a.values.begin(), a.values.end());
  return s;
}

std::vector<int> parse_idx_labels(ByteView bytes, const std::string& name, int num_classes) {
  const IdxArray a = parse_idx(bytes, name);
  if (a.dims.size() != 1)
    throw Error(fmt::format("{}: an IDX label file needs 1 dimension, this one has {}", name, a.dims.size()));
  if (a.dims[0] == 0) throw Error(fmt::format("{}: the IDX label file holds no labels", name));
  std::vector<int> labels(a.values.begin(), a.values.end());
  if (num_classes > 0) {
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] >= num_classes)
        throw Error(fmt::format("{}: label {} at index {} is out of range [0, {})", name, labels[i], i, num_classes));
  }
  return labels;
}

ImageSet read_idx_split(const std::string& images_path, const std::string& labels_path, int num_classes) {
  const Bytes image_bytes = read_maybe_gzipped(images_path);
  ImageSet s = parse_idx_images(image_bytes, images_path);
  const Bytes label_bytes = read_maybe_gzipped(labels_path);
  s.labels = parse_idx_labels(label_bytes, labels_path, num_classes);
  if (static_cast<Index>(s.labels.size()) != s.count)
    throw Error(fmt::format("{}: {} labels, but {} holds {} images", labels_path, s.labels.size(), images_path, s.count));
  return s;
}

}  // namespace l2o
