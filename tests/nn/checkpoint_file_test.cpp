// Checkpoint files: the checksum catches truncation and changed bytes (even ones that leave valid
// JSON), and each write keeps the checkpoint it replaces as PATH.prev.
#include "l2o/nn/checkpoint_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "l2o/core/error.hpp"
#include "support/temp_dir.hpp"

using namespace l2o;
namespace fs = std::filesystem;

namespace {
std::string read(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
std::string error_of(const std::string& path) {
  try {
    read_checkpoint_file(path, "--resume");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
using Dir = test_support::TempDir;
}  // namespace

TEST(CheckpointFile, RoundTripsAndKeepsThePrevious) {
  Dir d;
  const std::string p = (d.path / "c.json").string();
  write_checkpoint_file(p, {{"epoch", 1}, {"value", 0.5}});
  EXPECT_FALSE(fs::exists(p + ".prev"));
  write_checkpoint_file(p, {{"epoch", 2}, {"value", 0.25}});
  EXPECT_EQ(read_checkpoint_file(p, "--resume"), (nlohmann::json{{"epoch", 2}, {"value", 0.25}}));
  EXPECT_EQ(read_checkpoint_file(p + ".prev", "--resume"), (nlohmann::json{{"epoch", 1}, {"value", 0.5}}));
}

TEST(CheckpointFile, RefusesDamage) {
  Dir d;
  const std::string p = (d.path / "c.json").string();
  write_checkpoint_file(p, {{"epoch", 1}, {"value", 0.5}});
  write_checkpoint_file(p, {{"epoch", 2}, {"value", 0.25}});
  const std::string good = read(p);
  std::ofstream(p) << good.substr(0, good.size() / 2);
  EXPECT_NE(error_of(p).find("truncated or corrupt"), std::string::npos) << error_of(p);
  EXPECT_NE(error_of(p).find(p + ".prev"), std::string::npos) << error_of(p);
  std::string changed = good;
  changed[changed.find("0.25") + 2] = '3';  // still valid JSON: 0.35
  std::ofstream(p) << changed;
  EXPECT_NE(error_of(p).find("checksum mismatch"), std::string::npos) << error_of(p);
  std::ofstream(p) << R"({"epoch": 2})";
  EXPECT_NE(error_of(p).find("no checksum"), std::string::npos) << error_of(p);
  EXPECT_NE(error_of((d.path / "none.json").string()).find("cannot be read"), std::string::npos);
}
