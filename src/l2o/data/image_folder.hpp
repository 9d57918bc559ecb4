#pragma once
// Image-folder data sets: root/<class>/*.{jpg,jpeg,png,pgm}. Class indices follow the sorted
// (byte-wise) order of the class-folder names; files within a class are read in sorted name
// order, so the same folder always gives the same data set.
#include <string>
#include <vector>

#include "l2o/data/dataset.hpp"

namespace l2o {

struct ImageFolderListing {
  std::string root;
  std::vector<std::string> class_names;
  std::vector<std::string> files;  // full paths
  std::vector<int> labels;         // class index of each file
  Index size() const { return static_cast<Index>(files.size()); }
};

// True for names ending in .jpg, .jpeg, .png or .pgm (any case).
bool is_image_file_name(const std::string& file_name);

// Lists the class folders of `dir` (hidden folders are skipped) and their image files (other
// files are ignored). Throws l2o::Error when `dir` is missing, has no class folders, or a class
// folder has no images.
ImageFolderListing list_image_folder(const std::string& dir);
// As above, and the class folders must be exactly `expected_classes` (a test split must have the
// training split's classes).
ImageFolderListing list_image_folder(const std::string& dir, const std::vector<std::string>& expected_classes);

// The entries at `indices` (in that order).
ImageFolderListing select_entries(const ImageFolderListing& listing, const std::vector<Index>& indices);

// Decodes every listed image. All images must have one height and width. With channels = 0 the
// split is grey (1 channel) when every image is stored grey, otherwise RGB (grey images are
// repeated to 3 channels); channels = 1 or 3 forces that. Throws l2o::Error naming the first
// unreadable or mis-sized file. Decoding runs on all OpenMP threads.
ImageSet decode_image_folder(const ImageFolderListing& listing, int channels = 0);

}  // namespace l2o
