#pragma once
// Data sets as l2o sees them: raw 8-bit images with integer labels, split into train and test,
// and their randomly projected, standardised form that the MLP task trains on (LM17 §4).
#include <cstdint>
#include <string>
#include <vector>

#include "l2o/core/types.hpp"

namespace l2o {

// One split of raw images. Pixels are stored example after example, each example as
// height x width x channels bytes (row-major, channels interleaved).
struct ImageSet {
  Index count = 0;
  int height = 0, width = 0, channels = 0;
  std::vector<std::uint8_t> pixels;  // count * dim() bytes
  std::vector<int> labels;           // count labels in [0, num_classes)
  Index dim() const { return static_cast<Index>(height) * width * channels; }
};

struct Dataset {
  std::string name;          // the spec's canonical name: "mnist", "cifar10", "tfd", "folder:DIR", ...
  std::string display_name;  // what outputs call it, e.g. "TFD substitute (FER2013)"
  std::string source;        // where it was read from
  int num_classes = 0;
  std::vector<std::string> class_names;
  ImageSet train, test;
};

struct DataOptions {
  std::string data_dir;        // resolved data directory (see resolve_data_dir)
  std::string shared_dir;      // where the project's shared archives live (default ../shared/data)
  std::uint64_t subset_seed = 0;  // seed of the class-stratified TFD subset
  Index tfd_size = 3300;       // size of the TFD-substitute subset (0 = the whole split)
  bool cifar100_coarse = false;   // CIFAR-100: coarse (20) instead of fine (100) labels
};

// --data-dir flag > $L2O_DATA > ./data.
std::string resolve_data_dir(const std::string& flag_value);
// The shared archives' folder: --shared-dir flag > $L2O_SHARED_DATA > <source_root>/../shared/data.
std::string resolve_shared_dir(const std::string& flag_value, const std::string& source_root);

// Loads a named data set ("mnist", "fashion-mnist", "cifar10", "cifar100", "tfd") or a generic
// spec ("idx:IMAGES,LABELS[,TEST_IMAGES,TEST_LABELS]", "cifar10-bin:DIR", "cifar100-bin:DIR",
// "folder:DIR"). Throws l2o::Error naming the file and the problem, or saying how to obtain a
// missing data set.
Dataset load_dataset(const std::string& spec, const DataOptions& options);

// A split after projection: x is width x count, one example per column.
struct ProjectedSplit {
  Mat x;
  std::vector<int> labels;
  Index count() const { return x.cols(); }
};

struct ProjectedDataset {
  std::string name, display_name;
  int num_classes = 0;
  int width = 0;
  std::uint64_t projection_seed = 0;
  ProjectedSplit train, test;
};

// The paper's preprocessing: a seeded Gaussian random projection of the flattened pixels (scaled
// to [0,1]) to `width` dimensions, then per-dimension standardisation to zero mean and unit
// variance with statistics from the training split (applied to both splits). Results are cached
// on disk under <data_dir>/cache keyed by data set, width and seed.
ProjectedDataset load_projected(const std::string& spec, int width, std::uint64_t projection_seed,
                                const DataOptions& options);
}  // namespace l2o
