#pragma once
// The IDX format of MNIST and Fashion-MNIST: a 4-byte magic (0, 0, type, number of dimensions),
// the dimensions as big-endian 32-bit integers, then the values in row-major order. l2o reads
// unsigned-byte arrays only (type 0x08): images of 3 dimensions (count, rows, columns) or 4 (count,
// rows, columns, channels) and labels of 1 dimension.
#include <cstdint>
#include <string>
#include <vector>

#include "l2o/data/bytes.hpp"
#include "l2o/data/dataset.hpp"

namespace l2o {

struct IdxArray {
  std::vector<std::uint32_t> dims;
  ByteView values;  // points into the parsed buffer; product(dims) bytes
};

// Parses the header and checks that the buffer holds exactly the declared number of bytes.
// `name` (a path, usually) appears in error messages.
IdxArray parse_idx(ByteView bytes, const std::string& name);

// An image array as an ImageSet without labels.
ImageSet parse_idx_images(ByteView bytes, const std::string& name);

// A label array. With num_classes > 0 every label must lie in [0, num_classes).
std::vector<int> parse_idx_labels(ByteView bytes, const std::string& name, int num_classes = 0);

// Reads an image file and a label file (each plain or gzipped) into one split, checking that the
// counts agree.
ImageSet read_idx_split(const std::string& images_path, const std::string& labels_path, int num_classes = 0);

}  // namespace l2o
