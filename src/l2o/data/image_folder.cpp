#include "l2o/data/image_folder.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>

#include "l2o/core/error.hpp"
#include "l2o/data/image_decode.hpp"

namespace l2o {
namespace fs = std::filesystem;

namespace {
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Runs body(i) for i in [0, n) on all OpenMP threads. An exception does not escape a worker;
// the one with the lowest index is rethrown, so messages do not depend on thread timing.
void parallel_for(Index n, const std::function<void(Index)>& body) {
  std::mutex mutex;
  Index first_bad = std::numeric_limits<Index>::max();
  std::exception_ptr first_error;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 64)
#endif
  for (Index i = 0; i < n; ++i) {
    try {
      body(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (i < first_bad) {
        first_bad = i;
        first_error = std::current_exception();
      }
    }
  }
  if (first_error) std::rethrow_exception(first_error);
}
}  // namespace

bool is_image_file_name(const std::string& file_name) {
  const std::string ext = lower(fs::path(file_name).extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".pgm";
}

ImageFolderListing list_image_folder(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw Error(fmt::format("{}: image folder not found", dir));
  if (!fs::is_directory(dir, ec)) throw Error(fmt::format("{}: not a directory", dir));
  ImageFolderListing listing;
  listing.root = dir;
  std::vector<std::string> classes;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name[0] != '.' && entry.is_directory(ec)) classes.push_back(name);
  }
  if (ec) throw Error(fmt::format("{}: cannot list folder ({})", dir, ec.message()));
  if (classes.empty())
    throw Error(fmt::format("{}: no class folders (expected {}/<class>/*.jpg|jpeg|png|pgm)", dir, dir));
  std::sort(classes.begin(), classes.end());
  for (std::size_t c = 0; c < classes.size(); ++c) {
    const fs::path class_dir = fs::path(dir) / classes[c];
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(class_dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (is_image_file_name(name) && entry.is_regular_file(ec)) files.push_back(entry.path().string());
    }
    if (ec) throw Error(fmt::format("{}: cannot list folder ({})", class_dir.string(), ec.message()));
    if (files.empty())
      throw Error(fmt::format("{}: class folder holds no images (.jpg, .jpeg, .png or .pgm)", class_dir.string()));
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      listing.files.push_back(std::move(f));
      listing.labels.push_back(static_cast<int>(c));
    }
  }
  listing.class_names = std::move(classes);
  return listing;
}

ImageFolderListing list_image_folder(const std::string& dir, const std::vector<std::string>& expected_classes) {
  ImageFolderListing listing = list_image_folder(dir);
  if (listing.class_names != expected_classes)
    throw Error(fmt::format("{}: class folders ({}) differ from the training split's ({})", dir,
                            join(listing.class_names), join(expected_classes)));
  return listing;
}

ImageFolderListing select_entries(const ImageFolderListing& listing, const std::vector<Index>& indices) {
  ImageFolderListing out;
  out.root = listing.root;
  out.class_names = listing.class_names;
  out.files.reserve(indices.size());
  out.labels.reserve(indices.size());
  for (Index i : indices) {
    out.files.push_back(listing.files.at(static_cast<std::size_t>(i)));
    out.labels.push_back(listing.labels.at(static_cast<std::size_t>(i)));
  }
  return out;
}

ImageSet decode_image_folder(const ImageFolderListing& listing, int channels) {
  if (channels != 0 && channels != 1 && channels != 3)
    throw Error(fmt::format("{}: cannot decode images to {} channels (1 or 3)", listing.root, channels));
  const Index n = listing.size();
  ImageSet s;
  s.count = n;
  s.labels = listing.labels;
  if (n == 0) return s;

  // Pass 1: headers only, to fix the shape and the channel count before decoding anything.
  std::vector<ImageHeader> headers(static_cast<std::size_t>(n));
  parallel_for(n, [&](Index i) { headers[i] = read_image_header(listing.files[i]); });
  const ImageHeader& ref = headers[0];
  bool all_grey = true;
  for (Index i = 0; i < n; ++i) {
    const ImageHeader& h = headers[i];
    if (h.width != ref.width || h.height != ref.height)
      throw Error(fmt::format("{}: image is {}x{} but {} is {}x{}; all images of a folder data set must have one size",
                              listing.files[i], h.height, h.width, listing.files[0], ref.height, ref.width));
    all_grey = all_grey && h.channels <= 2;
  }
  s.height = ref.height;
  s.width = ref.width;
  s.channels = channels != 0 ? channels : (all_grey ? 1 : 3);

  // Pass 2: decode straight into the split's pixel buffer.
  const std::size_t dim = static_cast<std::size_t>(s.dim());
  s.pixels.resize(static_cast<std::size_t>(n) * dim);
  parallel_for(n, [&](Index i) {
    decode_image_into(listing.files[i], s.height, s.width, s.channels, s.pixels.data() + static_cast<std::size_t>(i) * dim);
  });
  return s;
}

}  // namespace l2o
