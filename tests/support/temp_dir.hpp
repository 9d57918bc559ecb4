#pragma once
// A fresh folder under the system's temporary folder, named after the running test, removed
// (with everything in it) when the test ends.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace l2o::test_support {

struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("l2o-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name()) + "-" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str(const std::string& sub = "") const { return (path / sub).string(); }
};
}  // namespace l2o::test_support
