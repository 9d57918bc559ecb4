#include "l2o/nn/policy_file.hpp"

#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "l2o/core/atomic_file.hpp"
#include "l2o/core/error.hpp"
#include "l2o/core/base64.hpp"
#include "l2o/core/sha256.hpp"

namespace l2o {
namespace {

using nlohmann::json;

// How tensors are written; checked on load so that a future encoding cannot be misread.
json encoding_json() {
  return {{"dtype", "float64"}, {"byte_order", "little"}, {"order", "column-major"}, {"text", "base64"}};
}

std::string compact(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Field access with messages that name the file and the field.
const json& field(const json& obj, const char* name, const std::string& where, const char* context = "") {
  auto it = obj.find(name);
  if (it == obj.end()) throw Error(fmt::format("{}: policy file lacks {}'{}'", where, context, name));
  return *it;
}
std::string string_field(const json& obj, const char* name, const std::string& where, const char* context = "") {
  const json& v = field(obj, name, where, context);
  if (!v.is_string()) throw Error(fmt::format("{}: {}'{}' must be a string", where, context, name));
  return v.get<std::string>();
}

void check_tensor(const Tensor& t, const std::string& where) {
  if (t.name.empty()) throw Error(fmt::format("{}: a tensor has an empty name", where));
  if (t.shape.empty()) throw Error(fmt::format("{}: tensor '{}' has an empty shape", where, t.name));
  for (Index s : t.shape)
    if (s <= 0) throw Error(fmt::format("{}: tensor '{}' has a non-positive dimension in shape [{}]", where, t.name,
                                        fmt::join(t.shape, ", ")));
  if (t.data.size() != t.element_count())
    throw Error(fmt::format("{}: tensor '{}' has {} values but shape [{}] needs {}", where, t.name, t.data.size(),
                            fmt::join(t.shape, ", "), t.element_count()));
  for (Index k = 0; k < t.data.size(); ++k)
    if (!std::isfinite(t.data(k)))
      throw Error(fmt::format("{}: tensor '{}' holds a non-finite value ({}) at element {}", where, t.name, t.data(k), k));
}

void check_unique(const std::vector<Tensor>& tensors, const std::string& where) {
  std::set<std::string> seen;
  for (const Tensor& t : tensors)
    if (!seen.insert(t.name).second) throw Error(fmt::format("{}: tensor '{}' appears twice", where, t.name));
}
}  // namespace

// ---------------------------------------------------------------- provenance

json Provenance::to_json() const {
  return {{"command", command}, {"dataset", dataset}, {"seed", seed},
          {"date", date},       {"revision", revision}, {"extra", extra}};
}

Provenance Provenance::from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error(fmt::format("{}: 'provenance' must be an object", where));
  Provenance p;
  p.command = string_field(j, "command", where, "provenance ");
  p.dataset = string_field(j, "dataset", where, "provenance ");
  const json& seed = field(j, "seed", where, "provenance ");
  if (!seed.is_number_unsigned() && !(seed.is_number_integer() && seed.get<std::int64_t>() >= 0))
    throw Error(fmt::format("{}: provenance 'seed' must be a non-negative integer", where));
  p.seed = seed.get<std::uint64_t>();
  p.date = string_field(j, "date", where, "provenance ");
  p.revision = string_field(j, "revision", where, "provenance ");
  if (j.contains("extra")) p.extra = j.at("extra");
  return p;
}

// ---------------------------------------------------------------- document

const Tensor& PolicyFile::tensor(const std::string& name) const {
  if (const Tensor* t = find_tensor(tensors, name)) return *t;
  throw Error(fmt::format("{}: policy file has no tensor '{}'", source, name));
}

std::string policy_checksum(const json& document) {
  json copy = document;
  copy.erase("checksum");
  return "sha256:" + sha256_hex(compact(copy));
}

std::string serialize_policy(const PolicyFile& p, const std::string& where) {
  if (p.method.empty()) throw Error(fmt::format("{}: policy has no method name", where));
  if (!p.architecture.is_object() || !p.features.is_object())
    throw Error(fmt::format("{}: policy architecture and features must be JSON objects", where));
  check_unique(p.tensors, where);
  json tensors = json::array();
  for (const Tensor& t : p.tensors) {
    check_tensor(t, where);
    tensors.push_back({{"name", t.name}, {"shape", t.shape}, {"data", encode_float64(t.data)}});
  }
  json doc = {{"format", kPolicyFormatName},
              {"version", kPolicyFormatVersion},
              {"method", p.method},
              {"architecture", p.architecture},
              {"features", p.features},
              {"provenance", p.provenance.to_json()},
              {"encoding", encoding_json()},
              {"tensors", std::move(tensors)}};
  doc["checksum"] = policy_checksum(doc);
  return doc.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

PolicyFile parse_policy(const std::string& text, const std::string& where) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(fmt::format("{}: policy file is truncated or corrupt (not valid JSON: {})", where, e.what()));
  }
  if (!doc.is_object()) throw Error(fmt::format("{}: policy file is not a JSON object", where));
  if (!doc.contains("format") || doc.at("format") != kPolicyFormatName)
    throw Error(fmt::format("{}: not an l2o policy file (format is not \"{}\")", where, kPolicyFormatName));
  const json& version = field(doc, "version", where);
  if (!version.is_number_integer())
    throw Error(fmt::format("{}: policy 'version' must be an integer", where));
  const auto v = version.get<std::int64_t>();
  if (v > kPolicyFormatVersion)
    throw Error(fmt::format("{}: policy format version {} is newer than this build reads ({}); update l2o", where, v,
                            kPolicyFormatVersion));
  if (v != kPolicyFormatVersion)
    throw Error(fmt::format("{}: unsupported policy format version {} (this build reads {})", where, v,
                            kPolicyFormatVersion));
  const std::string stored = string_field(doc, "checksum", where);
  const std::string actual = policy_checksum(doc);
  if (stored != actual)
    throw Error(fmt::format("{}: checksum mismatch (file says {}, content hashes to {}): the file is corrupt or was "
                            "edited",
                            where, stored, actual));

  PolicyFile p;
  p.source = where;
  p.version = static_cast<int>(v);
  p.method = string_field(doc, "method", where);
  if (p.method.empty()) throw Error(fmt::format("{}: policy 'method' is empty", where));
  p.architecture = field(doc, "architecture", where);
  p.features = field(doc, "features", where);
  if (!p.architecture.is_object() || !p.features.is_object())
    throw Error(fmt::format("{}: policy 'architecture' and 'features' must be objects", where));
  p.provenance = Provenance::from_json(field(doc, "provenance", where), where);
  if (field(doc, "encoding", where) != encoding_json())
    throw Error(fmt::format("{}: unsupported tensor encoding {} (expected {})", where, doc.at("encoding").dump(),
                            encoding_json().dump()));
  const json& tensors = field(doc, "tensors", where);
  if (!tensors.is_array()) throw Error(fmt::format("{}: policy 'tensors' must be an array", where));
  for (const json& jt : tensors) {
    if (!jt.is_object()) throw Error(fmt::format("{}: a tensor entry is not an object", where));
    Tensor t;
    t.name = string_field(jt, "name", where, "tensor ");
    const json& shape = field(jt, "shape", where, "tensor ");
    if (!shape.is_array()) throw Error(fmt::format("{}: tensor '{}' shape must be an array", where, t.name));
    for (const json& s : shape) {
      if (!s.is_number_integer()) throw Error(fmt::format("{}: tensor '{}' shape must hold integers", where, t.name));
      t.shape.push_back(s.get<Index>());
    }
    try {
      t.data = decode_float64_vec(string_field(jt, "data", where, "tensor "));
    } catch (const Error& e) {
      throw Error(fmt::format("{}: tensor '{}' data is corrupt: {}", where, t.name, e.what()));
    }
    check_tensor(t, where);
    p.tensors.push_back(std::move(t));
  }
  check_unique(p.tensors, where);
  return p;
}

void save_policy_file(const std::string& path, const PolicyFile& policy) {
  const std::filesystem::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
  write_file_atomically(path, serialize_policy(policy, path), "policy file");
}

PolicyFile load_policy_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open policy file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_policy(ss.str(), path);
}

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace l2o
