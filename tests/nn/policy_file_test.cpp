// The policy file: exact round trip, and a clear error naming the file for each defect.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "l2o/core/error.hpp"
#include "l2o/core/base64.hpp"
#include "l2o/nn/policy_file.hpp"

namespace l2o {
namespace {

using nlohmann::json;

PolicyFile sample_policy() {
  PolicyFile p;
  p.method = "psd";
  p.architecture = {{"layers", {4}}, {"sharing", "shared"}};
  p.features = {{"grad_offset", 1.0}};
  p.provenance = {"l2o meta-train --seed 3", "mnist", 3, "2024-01-02T03:04:05Z", "abc123", {{"iterations", 7}}};
  Vec w(6);
  w << 1.0, -2.0, 0.1, 1e-300, -0.0, 3.25;
  p.tensors.push_back({"net/W", {2, 3}, w});
  p.tensors.push_back({"net/b", {2}, Vec::Constant(2, 0.5)});
  return p;
}

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "l2o_test_policy_file";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Expects load_policy_file(path) to throw an Error whose message names the file and contains `what`.
void expect_load_error(const std::string& path, const std::string& what) {
  try {
    load_policy_file(path);
    FAIL() << "expected an error containing '" << what << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

// Rewrites a document with a fresh checksum, so that only the intended defect remains.
std::string reseal(json doc) {
  doc["checksum"] = policy_checksum(doc);
  return doc.dump(1);
}

TEST(PolicyFile, RoundTripIsExact) {
  const std::string path = temp_path("roundtrip.json");
  const PolicyFile p = sample_policy();
  save_policy_file(path, p);
  const PolicyFile q = load_policy_file(path);
  EXPECT_EQ(q.source, path);
  EXPECT_EQ(q.method, "psd");
  EXPECT_EQ(q.architecture, p.architecture);
  EXPECT_EQ(q.features, p.features);
  EXPECT_EQ(q.provenance.command, p.provenance.command);
  EXPECT_EQ(q.provenance.seed, 3u);
  EXPECT_EQ(q.provenance.revision, "abc123");
  EXPECT_EQ(q.provenance.extra.at("iterations"), 7);
  ASSERT_EQ(q.tensors.size(), 2u);
  EXPECT_EQ(q.tensor("net/W").shape, (std::vector<Index>{2, 3}));
  EXPECT_EQ(q.tensor("net/W").data, p.tensors[0].data);  // bit-exact
  EXPECT_TRUE(std::signbit(q.tensor("net/W").data(4)));
  EXPECT_THROW(q.tensor("nope"), Error);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(PolicyFile, ChecksumIgnoresWhitespace) {
  const std::string path = temp_path("reformatted.json");
  const json doc = json::parse(serialize_policy(sample_policy()));
  write_text(path, doc.dump(4));  // same content, different layout
  EXPECT_NO_THROW(load_policy_file(path));
}

TEST(PolicyFile, MissingFile) { expect_load_error(temp_path("does-not-exist.json"), "cannot open"); }

TEST(PolicyFile, TruncatedFile) {
  const std::string path = temp_path("truncated.json");
  const std::string text = serialize_policy(sample_policy());
  write_text(path, text.substr(0, text.size() / 2));
  expect_load_error(path, "truncated or corrupt");
}

TEST(PolicyFile, NotAPolicy) {
  const std::string path = temp_path("other.json");
  write_text(path, R"({"hello": 1})");
  expect_load_error(path, "not an l2o policy file");
}

TEST(PolicyFile, WrongVersion) {
  json doc = json::parse(serialize_policy(sample_policy()));
  const std::string path = temp_path("newer.json");
  doc["version"] = kPolicyFormatVersion + 1;
  write_text(path, reseal(doc));
  expect_load_error(path, "newer than this build");
  doc["version"] = 0;
  write_text(path, reseal(doc));
  expect_load_error(path, "unsupported policy format version 0");
  doc["version"] = "1";
  write_text(path, reseal(doc));
  expect_load_error(path, "must be an integer");
}

TEST(PolicyFile, ChecksumMismatchOnWeights) {
  json doc = json::parse(serialize_policy(sample_policy()));
  // Change one weight but keep the data valid base64 of the right length.
  Vec w = decode_float64_vec(doc["tensors"][0]["data"].get<std::string>());
  w(1) = -2.0000001;
  doc["tensors"][0]["data"] = encode_float64(w);
  const std::string path = temp_path("tampered.json");
  write_text(path, doc.dump(1));
  expect_load_error(path, "checksum mismatch");
}

TEST(PolicyFile, ChecksumMismatchOnMetadata) {
  json doc = json::parse(serialize_policy(sample_policy()));
  doc["architecture"]["layers"] = {8};
  const std::string path = temp_path("tampered_meta.json");
  write_text(path, doc.dump(1));
  expect_load_error(path, "checksum mismatch");
  doc.erase("checksum");
  write_text(path, doc.dump(1));
  expect_load_error(path, "lacks 'checksum'");
}

TEST(PolicyFile, WrongShape) {
  json doc = json::parse(serialize_policy(sample_policy()));
  doc["tensors"][0]["shape"] = {3, 3};
  const std::string path = temp_path("shape.json");
  write_text(path, reseal(doc));
  expect_load_error(path, "has 6 values but shape [3, 3] needs 9");
  doc["tensors"][0]["shape"] = {-2, -3};
  write_text(path, reseal(doc));
  expect_load_error(path, "non-positive dimension");
}

TEST(PolicyFile, NonFiniteWeights) {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    json doc = json::parse(serialize_policy(sample_policy()));
    Vec w = decode_float64_vec(doc["tensors"][1]["data"].get<std::string>());
    w(1) = bad;
    doc["tensors"][1]["data"] = encode_float64(w);
    const std::string path = temp_path("nonfinite.json");
    write_text(path, reseal(doc));
    expect_load_error(path, "tensor 'net/b' holds a non-finite value");
  }
  // Saving refuses them too.
  PolicyFile p = sample_policy();
  p.tensors[0].data(0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(save_policy_file(temp_path("never.json"), p), Error);
}

TEST(PolicyFile, CorruptTensorData) {
  json doc = json::parse(serialize_policy(sample_policy()));
  doc["tensors"][0]["data"] = "not*base64";
  const std::string path = temp_path("corrupt_data.json");
  write_text(path, reseal(doc));
  expect_load_error(path, "tensor 'net/W' data is corrupt");
}

TEST(PolicyFile, MissingFieldsAndDuplicates) {
  const std::string path = temp_path("fields.json");
  json doc = json::parse(serialize_policy(sample_policy()));
  json d1 = doc;
  d1.erase("method");
  write_text(path, reseal(d1));
  expect_load_error(path, "lacks 'method'");
  json d2 = doc;
  d2["provenance"].erase("seed");
  write_text(path, reseal(d2));
  expect_load_error(path, "lacks provenance 'seed'");
  json d3 = doc;
  d3["tensors"][1]["name"] = "net/W";
  d3["tensors"][1]["shape"] = {2, 3};
  d3["tensors"][1]["data"] = d3["tensors"][0]["data"];
  write_text(path, reseal(d3));
  expect_load_error(path, "appears twice");
  json d4 = doc;
  d4["encoding"]["dtype"] = "float32";
  write_text(path, reseal(d4));
  expect_load_error(path, "unsupported tensor encoding");
}

TEST(PolicyFile, UtcTimestampFormat) {
  const std::string t = utc_timestamp();
  ASSERT_EQ(t.size(), 20u);
  EXPECT_EQ(t[4], '-');
  EXPECT_EQ(t[10], 'T');
  EXPECT_EQ(t.back(), 'Z');
}
}  // namespace
}  // namespace l2o
