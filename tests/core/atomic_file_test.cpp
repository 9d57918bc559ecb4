// Output files are complete or absent, and unusable output folders are reported at the start.
#include "l2o/core/atomic_file.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "l2o/core/error.hpp"
#include "support/temp_dir.hpp"

using namespace l2o;
namespace fs = std::filesystem;

namespace {
using Dir = test_support::TempDir;
std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST(AtomicFile, ReplacesContentsAndLeavesNoTemporaryFile) {
  Dir d;
  const fs::path p = d.path / "sub" / "out.txt";
  EXPECT_THROW(write_file_atomically(p.string(), "x", "--out"), Error);  // folders are not created
  fs::create_directories(p.parent_path());
  write_file_atomically(p.string(), "first", "--out");
  write_file_atomically(p.string(), "second", "--out");
  EXPECT_EQ(read(p), "second");
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(p.parent_path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(AtomicFile, AFailedWriteKeepsTheOldFileAndNamesIt) {
  Dir d;
  const fs::path p = d.path / "out.txt";
  write_file_atomically(p.string(), "good", "--out");
  fs::create_directories(d.path / "blocker");
  try {
    write_file_atomically((d.path / "blocker").string(), "x", "--out");  // a folder cannot be replaced
    FAIL() << "renaming over a folder succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--out"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("blocker"), std::string::npos);
  }
  EXPECT_EQ(read(p), "good");
}

TEST(AtomicFile, OutputChecksReportUnusableFolders) {
  Dir d;
  std::ofstream(d.path / "file") << "x";
  EXPECT_THROW(check_output_dir((d.path / "file" / "sub").string(), "--out", 0), Error);
  EXPECT_NO_THROW(check_output_dir((d.path / "new").string(), "--out", 0));
  EXPECT_TRUE(fs::is_directory(d.path / "new"));
  EXPECT_NO_THROW(check_output_file((d.path / "p.json").string(), "--out", 0));
  EXPECT_FALSE(fs::exists(d.path / "p.json"));
  ::setenv("L2O_FAKE_FREE_BYTES", "1000", 1);
  try {
    check_output_dir(d.path.string(), "--out", kMinFreeOutputBytes);
    ADD_FAILURE() << "a full disk was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("MB free"), std::string::npos) << e.what();
  }
  ::unsetenv("L2O_FAKE_FREE_BYTES");
}
