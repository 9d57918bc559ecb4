#pragma once
// Class names of the named data sets, in label order.
#include <string>
#include <vector>

namespace l2o {

const std::vector<std::string>& mnist_class_names();          // "0" ... "9"
const std::vector<std::string>& fashion_mnist_class_names();  // "T-shirt/top" ... "Ankle boot"
const std::vector<std::string>& cifar10_class_names();        // "airplane" ... "truck"
const std::vector<std::string>& cifar100_fine_class_names();  // 100 names, "apple" ... "worm"
const std::vector<std::string>& cifar100_coarse_class_names();  // 20 superclasses

// "0", "1", ..., "n-1": names for data sets that carry none.
std::vector<std::string> numbered_class_names(int n);

// Reads a label-name file (one name per line, blank lines ignored, as in CIFAR's
// batches.meta.txt and fine_label_names.txt). Returns `fallback` when the file does not exist;
// throws l2o::Error when it exists but does not hold exactly fallback.size() names.
std::vector<std::string> read_class_names_or(const std::string& path, const std::vector<std::string>& fallback);

}  // namespace l2o
