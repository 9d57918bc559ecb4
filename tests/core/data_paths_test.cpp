// Where the shipped policies and tuned values are found (core/data_paths.hpp): $L2O_HOME wins, then
// an install prefix's share/l2o above the running code, then a folder holding policies/ itself (the
// checkout above a build tree); when nothing has the file, the message names what was searched.
#include "l2o/core/data_paths.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "l2o/core/error.hpp"

namespace l2o {
namespace {

namespace fs = std::filesystem;

class DataPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("l2o_data_paths_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  // Writes root_/<relative> with `text`.
  std::string put(const std::string& relative, const std::string& text = "{}") {
    const fs::path p = root_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  fs::path root_;
};

TEST_F(DataPaths, FindsAnInstallPrefixAboveTheCode) {
  // <prefix>/bin/l2o and <prefix>/lib/python3.11/site-packages/l2o/_native.so both find
  // <prefix>/share/l2o.
  const std::string shipped = put("prefix/share/l2o/policies/p.json");
  fs::create_directories(root_ / "prefix/bin");
  fs::create_directories(root_ / "prefix/lib/python3.11/site-packages/l2o");
  EXPECT_EQ(find_data_file("policies/p.json", DataSearch{"", {root_ / "prefix/bin"}}), shipped);
  EXPECT_EQ(find_data_file("policies/p.json", DataSearch{"", {root_ / "prefix/lib/python3.11/site-packages/l2o"}}),
            shipped);
  // The first code folder that finds it wins; a folder with no install above it finds nothing.
  EXPECT_EQ(find_data_file("policies/p.json", DataSearch{"", {root_ / "elsewhere", root_ / "prefix/bin"}}), shipped);
  EXPECT_EQ(find_data_file("policies/p.json", DataSearch{"", {root_ / "elsewhere/a/b/c/d/e/f"}}), "");
}

TEST_F(DataPaths, APackageCarryingItsOwnCopiesAndABuildTreeInsideTheCheckout) {
  const std::string own = put("site/l2o/configs/tuned.json");
  put("site/share/l2o/configs/tuned.json");
  EXPECT_EQ(find_data_file("configs/tuned.json", DataSearch{"", {root_ / "site/l2o"}}), own);  // its own first
  const std::string checkout = put("checkout/policies/psd-small.json");
  fs::create_directories(root_ / "checkout/build/python/l2o");
  EXPECT_EQ(find_data_file("policies/psd-small.json", DataSearch{"", {root_ / "checkout/build"}}), checkout);
  EXPECT_EQ(find_data_file("policies/psd-small.json", DataSearch{"", {root_ / "checkout/build/python/l2o"}}),
            checkout);
}

TEST_F(DataPaths, TheEnvironmentVariableWinsAndIsTheOnlyPlaceThen) {
  put("prefix/share/l2o/policies/p.json");
  const std::string home = put("home/policies/p.json");
  const DataSearch with_home{(root_ / "home").string(), {root_ / "prefix/bin"}};
  EXPECT_EQ(find_data_file("policies/p.json", with_home), home);
  EXPECT_EQ(data_roots(with_home), std::vector<fs::path>{root_ / "home"});
  // A file $L2O_HOME lacks is not looked for elsewhere.
  put("prefix/share/l2o/configs/tuned.json");
  EXPECT_EQ(find_data_file("configs/tuned.json", with_home), "");
  EXPECT_NE(describe_data_search(with_home).find("$L2O_HOME=" + (root_ / "home").string()), std::string::npos);
}

TEST_F(DataPaths, TheMessageNamesEveryPlaceSearched) {
  const DataSearch s{"", {root_ / "prefix/bin"}};
  const std::string d = describe_data_search(s);
  EXPECT_NE(d.find("$L2O_HOME unset"), std::string::npos) << d;
  EXPECT_NE(d.find((root_ / "prefix/bin/share/l2o").string()), std::string::npos) << d;
  EXPECT_NE(d.find((root_ / "prefix/share/l2o").string()), std::string::npos) << d;
  EXPECT_NE(d.find((root_ / "prefix").string() + ","), std::string::npos) << d;
  EXPECT_EQ(d.find('\n'), std::string::npos) << d;
  // Roots in order, each once: per level the install's share/l2o, then the folder itself.
  const auto roots = data_roots(s);
  ASSERT_GE(roots.size(), 4u);
  EXPECT_EQ(roots[0], root_ / "prefix/bin/share/l2o");
  EXPECT_EQ(roots[1], root_ / "prefix/bin");
  EXPECT_EQ(roots[2], root_ / "prefix/share/l2o");
  EXPECT_EQ(roots[3], root_ / "prefix");
}

TEST_F(DataPaths, ThisProcessLooksNextToItsExecutable) {
  // The test program is build/test_core: its folder is a code folder, and $L2O_HOME is read.
  const DataSearch s = current_data_search();
  ASSERT_FALSE(s.code_dirs.empty());
  EXPECT_EQ(s.code_dirs.front(), fs::path(L2O_BINARY_DIR).lexically_normal());
  // The build tree lies inside the checkout here, so its shipped files are found from the build.
  if (s.home.empty() && fs::path(L2O_BINARY_DIR).parent_path() == fs::path(L2O_SOURCE_DIR))
    EXPECT_EQ(fs::path(find_data_file("configs/tuned.json", s)), fs::path(L2O_SOURCE_DIR) / "configs/tuned.json");
  ::setenv("L2O_HOME", root_.c_str(), 1);
  EXPECT_EQ(current_data_search().home, root_.string());
  ::unsetenv("L2O_HOME");
}

TEST_F(DataPaths, UnreadableFilesAreNamed) {
  try {
    require_readable_file((root_ / "missing.json").string(), "policy file", " (give --policy FILE)");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.json' does not exist (give --policy FILE)"), std::string::npos);
  }
  EXPECT_THROW(require_readable_file(root_.string(), "policy file"), Error);
  EXPECT_NO_THROW(require_readable_file(put("ok.json"), "policy file"));
}
}  // namespace
}  // namespace l2o
