#pragma once
// Where l2o finds the files it ships: the policies of the learned optimizers (policies/*.json) and
// the tuned values of the hand-designed ones (configs/tuned.json). Never from a path compiled into
// the library: from an environment variable, or from where the running code lies, so that a build
// tree, an installed prefix and a moved (relocated) install all work (docs/architecture.md,
// "Installation and data files").
//
// The data roots, in order (data_roots):
//   1. $L2O_HOME when it is set, and then only it: a folder holding policies/ and configs/ (a
//      checkout, or an install's <prefix>/share/l2o);
//   2. otherwise, for each folder D that holds running l2o code (the shared object the library is
//      in, e.g. the Python module, then the executable, /proc/self/exe) and for each of the four
//      folders above D: D/share/l2o (an install: <prefix>/bin/l2o, <prefix>/lib/python3/.../l2o/),
//      then D itself (the Python package's own copies; the checkout above a build tree: build/l2o).
// A file is taken from the first root that has it. Callers look in the working directory first
// (./policies, ./configs/tuned.json: what `l2o tune` writes) and take explicit paths before all.
#include <filesystem>
#include <string>
#include <vector>

namespace l2o {

// What data_roots searches: the value of $L2O_HOME ("" when unset) and the folders of the code.
struct DataSearch {
  std::string home;                              // $L2O_HOME
  std::vector<std::filesystem::path> code_dirs;  // folders holding running l2o code, first first
};
// This process's: $L2O_HOME, the folder of the object holding the l2o library, that of the executable.
DataSearch current_data_search();

// The roots, in the order above (without duplicates; existing or not).
std::vector<std::filesystem::path> data_roots(const DataSearch& search);

// The first root's `relative` (e.g. "policies/psd-small.json") that exists, as a path string; ""
// when none has it.
std::string find_data_file(const std::string& relative, const DataSearch& search = current_data_search());

// "$L2O_HOME=/x" or "$L2O_HOME unset, then /a/share/l2o, /a, ..." : the places searched, for messages.
std::string describe_data_search(const DataSearch& search = current_data_search());

// Throws l2o::Error "<what> '<path>' does not exist<hint>" (or is a directory, or cannot be read).
void require_readable_file(const std::string& path, const std::string& what, const std::string& hint = "");
}  // namespace l2o
