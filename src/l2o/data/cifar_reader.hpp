#pragma once
// The official CIFAR binary formats. CIFAR-10: records of <label byte><3072 pixel bytes>;
// CIFAR-100: <coarse label byte><fine label byte><3072 pixel bytes>. Pixels are three 32x32
// planes (red, green, blue), each row-major; l2o converts them to the interleaved
// height x width x channels layout of ImageSet.
#include <string>
#include <vector>

#include "l2o/data/bytes.hpp"
#include "l2o/data/dataset.hpp"

namespace l2o {

constexpr int kCifarSide = 32;
constexpr int kCifarPixels = kCifarSide * kCifarSide * 3;  // 3072
constexpr int kCifar10Classes = 10;
constexpr int kCifar100FineClasses = 100;
constexpr int kCifar100CoarseClasses = 20;

// Parses a whole CIFAR-10 batch; `name` appears in error messages.
ImageSet parse_cifar10(ByteView bytes, const std::string& name);
// Parses a whole CIFAR-100 file, keeping the fine labels (or the coarse ones).
ImageSet parse_cifar100(ByteView bytes, const std::string& name, bool coarse);

// Reads and concatenates batch files in the given order.
ImageSet read_cifar10_files(const std::vector<std::string>& paths);
ImageSet read_cifar100_files(const std::vector<std::string>& paths, bool coarse);

// Appends `more` to `into` (an empty `into` takes its shape). Throws if the shapes differ.
void append_images(ImageSet& into, const ImageSet& more, const std::string& name);

}  // namespace l2o
