// Smoke tests on the real data sets when they are present under <source>/data (see
// `l2o data prepare`); skipped otherwise. They check the sizes the data sets are known to have.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "l2o/data/dataset_source.hpp"
#include "l2o/data/projection.hpp"

using namespace l2o;

namespace {
DataOptions real_options() {
  DataOptions o;
  o.data_dir = std::string(L2O_SOURCE_DIR) + "/data";
  o.shared_dir = std::string(L2O_SOURCE_DIR) + "/../shared/data";
  return o;
}

// Loads `name` or skips the test when its files are absent.
bool load_or_skip(const std::string& name, Dataset& out) {
  try {
    out = load_dataset(name, real_options());
    return true;
  } catch (const DataMissingError& e) {
    return false;
  }
}

std::map<int, Index> class_counts(const ImageSet& s) {
  std::map<int, Index> m;
  for (int l : s.labels) ++m[l];
  return m;
}
}  // namespace

TEST(RealData, Mnist) {
  Dataset d;
  if (!load_or_skip("mnist", d)) GTEST_SKIP() << "MNIST not under data/ (l2o data prepare)";
  EXPECT_EQ(d.train.count, 60000);
  EXPECT_EQ(d.test.count, 10000);
  EXPECT_EQ(d.train.dim(), 784);
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(class_counts(d.train)[1], 6742);  // the well-known count of ones in MNIST's training set
  const ProjectedDataset p = project_dataset(d, 48, 0);
  EXPECT_NEAR(p.train.x.row(0).array().square().mean(), 1.0, 1e-9);
}

TEST(RealData, Cifar10) {
  Dataset d;
  if (!load_or_skip("cifar10", d)) GTEST_SKIP() << "CIFAR-10 not under data/ (l2o data prepare)";
  EXPECT_EQ(d.train.count, 50000);
  EXPECT_EQ(d.test.count, 10000);
  EXPECT_EQ(d.train.dim(), 3072);
  for (const auto& [c, n] : class_counts(d.train)) EXPECT_EQ(n, 5000) << "class " << c;
  for (const auto& [c, n] : class_counts(d.test)) EXPECT_EQ(n, 1000) << "class " << c;
}

// CIFAR-100 in the official binary layout (l2o data prepare extracts ../shared/data's copy):
// 50,000 / 10,000 records, fine labels 0-99 with 500 / 100 images each, coarse labels 0-19 with
// 2,500 / 500, the official label names.
TEST(RealData, Cifar100) {
  Dataset d;
  if (!load_or_skip("cifar100", d)) GTEST_SKIP() << "CIFAR-100 not under data/ (l2o data prepare)";
  EXPECT_EQ(d.train.count, 50000);
  EXPECT_EQ(d.test.count, 10000);
  EXPECT_EQ(d.train.dim(), 3072);
  EXPECT_EQ(d.num_classes, 100);
  const auto train = class_counts(d.train), test = class_counts(d.test);
  EXPECT_EQ(train.size(), 100u);
  EXPECT_EQ(train.begin()->first, 0);
  EXPECT_EQ(train.rbegin()->first, 99);
  for (const auto& [c, n] : train) EXPECT_EQ(n, 500) << "class " << c;
  for (const auto& [c, n] : test) EXPECT_EQ(n, 100) << "class " << c;
  ASSERT_EQ(d.class_names.size(), 100u);
  EXPECT_EQ(d.class_names.front(), "apple");
  EXPECT_EQ(d.class_names.back(), "worm");

  DataOptions coarse = real_options();
  coarse.cifar100_coarse = true;
  const Dataset c = load_dataset("cifar100", coarse);
  EXPECT_EQ(c.num_classes, 20);
  for (const auto& [k, n] : class_counts(c.train)) EXPECT_EQ(n, 2500) << "coarse class " << k;
  EXPECT_LE(class_counts(c.test).rbegin()->first, 19);
}

TEST(RealData, TfdSubstitute) {
  Dataset d;
  if (!load_or_skip("tfd", d)) GTEST_SKIP() << "FER2013 not under data/ (l2o data prepare)";
  EXPECT_EQ(d.display_name, "TFD substitute (FER2013)");
  EXPECT_EQ(d.train.count, 3300);
  EXPECT_EQ(d.test.count, 3589);
  EXPECT_EQ(d.train.dim(), 48 * 48);
  EXPECT_EQ(d.num_classes, 7);
  EXPECT_EQ(class_counts(d.train)[1], 50);  // disgust: 436 of 28,709 -> 50 of 3,300
}
