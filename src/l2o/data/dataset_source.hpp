#pragma once
// Where a data set comes from, found without decoding it. resolve_dataset turns a spec ("mnist",
// "folder:DIR", ...) into the list of files to read; load_source reads them. The split lets the
// projection cache key on the source files (sizes and modification times) without reading the
// pixels, and lets `l2o data prepare` report where each data set is.
#include <cstdint>
#include <string>
#include <vector>

#include "l2o/core/error.hpp"
#include "l2o/data/dataset.hpp"
#include "l2o/data/image_folder.hpp"

namespace l2o {

// Thrown when a data set's files are absent (as opposed to present but invalid); the message says
// what is missing and how to obtain it.
class DataMissingError : public Error {
 public:
  using Error::Error;
};

enum class SourceFormat { Idx, Cifar10Binary, Cifar100Binary, ImageFolder };

struct DatasetSource {
  std::string name;          // canonical spec: "mnist", "tfd", "cifar100-bin:DIR:coarse", ...
  std::string display_name;  // "MNIST", "CIFAR-10 (JPEG copy)", "TFD substitute (FER2013)", ...
  std::string location;      // folder (or files) it is read from; becomes Dataset::source
  SourceFormat format = SourceFormat::Idx;
  std::vector<std::string> class_names;  // empty: "0".."k-1" with k = largest label + 1 (generic IDX)
  bool coarse = false;                   // CIFAR-100: coarse labels
  // IDX: {images, labels}; CIFAR: the batch files in order. An empty test list: no test split.
  std::vector<std::string> train_files, test_files;
  // Image folders (the TFD subset is already applied to train_folder). test_folder may be empty.
  ImageFolderListing train_folder, test_folder;
  std::string note;     // extra provenance, e.g. the TFD subset's size and seed
  std::string variant;  // options that change the data beyond the name ("coarse", "n3300-ss0"); "" if none
};

// The named data sets, in the order reports list them.
const std::vector<std::string>& named_datasets();

// Finds the files of a named data set or generic spec. Throws DataMissingError when a named data
// set is absent (saying how to get it) and l2o::Error for malformed specs or invalid folders.
DatasetSource resolve_dataset(const std::string& spec, const DataOptions& options);

// Reads and checks the files of a resolved source.
Dataset load_source(const DatasetSource& source);

// How to obtain a named data set (one sentence, for messages and the prepare report).
std::string how_to_get(const std::string& name, const DataOptions& options);

// A hash of the source's identity: its canonical name and variant, and the absolute path, size and
// modification time of every file it reads. Changes when the files change.
std::uint64_t source_fingerprint(const DatasetSource& source);

// A file-name-safe stem for caches: the name with unsafe characters replaced, plus the variant,
// plus a short hash of the name for generic specs (so that different paths never collide).
std::string cache_stem(const DatasetSource& source);

}  // namespace l2o
