#pragma once
// The versioned policy file shared by the learned optimizers (PSD and the L2L baseline): one JSON
// document holding the method name, its architecture and feature settings, where the policy came
// from, and the weights as named tensors (base64 of little-endian float64, column-major), sealed
// with a SHA-256 checksum. docs/policy-file.md describes the format field by field.
//
// Loading validates everything and throws l2o::Error naming the file: not JSON (truncated or
// corrupt), wrong format name or version, checksum mismatch, missing or ill-typed fields, a
// tensor whose data does not match its shape, NaN or Inf weights. Saving refuses the same defects.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/nn/tensor.hpp"

namespace l2o {

inline constexpr const char* kPolicyFormatName = "l2o-policy";
inline constexpr int kPolicyFormatVersion = 1;

// Where a policy came from; the producer (a meta-training command) supplies every field.
struct Provenance {
  std::string command;   // the command line that produced the policy
  std::string dataset;   // the meta-training data set
  std::uint64_t seed = 0;
  std::string date;      // UTC, ISO 8601 (see utc_timestamp)
  std::string revision;  // source revision of the producing build (e.g. a git commit)
  nlohmann::json extra = nlohmann::json::object();  // anything else worth keeping (settings, iterations)

  nlohmann::json to_json() const;
  static Provenance from_json(const nlohmann::json& j, const std::string& where);
};

struct PolicyFile {
  int version = kPolicyFormatVersion;
  std::string method;                                  // "psd", "l2l"
  nlohmann::json architecture = nlohmann::json::object();  // method-specific
  nlohmann::json features = nlohmann::json::object();      // method-specific
  Provenance provenance;
  std::vector<Tensor> tensors;
  std::string source = "<memory>";  // the path it was read from, for messages (not stored)

  // The tensor called `name`; throws l2o::Error naming `source` if there is none.
  const Tensor& tensor(const std::string& name) const;
};

// The document as text (with its checksum). `where` names the destination in error messages.
std::string serialize_policy(const PolicyFile& policy, const std::string& where = "<memory>");
// Parses and validates a document; `source` names it in error messages and is stored in the result.
PolicyFile parse_policy(const std::string& text, const std::string& source);

// Writes to a temporary file beside `path` and renames it into place, so that an interrupted
// save never leaves a truncated policy behind.
void save_policy_file(const std::string& path, const PolicyFile& policy);
PolicyFile load_policy_file(const std::string& path);

// The checksum of a document: "sha256:" + hex of SHA-256 over the compact JSON of the document
// without its "checksum" member (keys sorted), so it does not depend on whitespace.
std::string policy_checksum(const nlohmann::json& document);

// The current time, UTC, as "YYYY-MM-DDTHH:MM:SSZ" (for Provenance::date).
std::string utc_timestamp();
}  // namespace l2o
