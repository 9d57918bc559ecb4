#include "l2o/nn/checkpoint_file.hpp"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "l2o/core/atomic_file.hpp"
#include "l2o/core/error.hpp"
#include "l2o/core/kill_point.hpp"
#include "l2o/nn/policy_file.hpp"

namespace l2o {

namespace fs = std::filesystem;

void write_checkpoint_file(const std::string& path, nlohmann::json document) {
  if (!document.is_object()) throw Error(fmt::format("checkpoint '{}': the document is not a JSON object", path));
  document.erase("checksum");
  document["checksum"] = policy_checksum(document);
  // Keep the current checkpoint under .prev before replacing it; a link, not a rename, so that the
  // checkpoint path exists at every moment.
  std::error_code ec;
  const std::string prev = path + ".prev";
  if (fs::exists(path, ec)) {
    fs::remove(prev, ec);
    fs::create_hard_link(path, prev, ec);
    if (ec) fs::copy_file(path, prev, fs::copy_options::overwrite_existing, ec);  // no hard links here
  }
  write_file_atomically(path, document.dump() + "\n", "checkpoint");
  kill_point("checkpoint");
}

nlohmann::json read_checkpoint_file(const std::string& path, const std::string& flag) {
  std::error_code ec;
  const std::string prev = path + ".prev";
  const std::string hint =
      fs::exists(prev, ec) ? fmt::format("; the previous checkpoint '{}' is kept: resume from it", prev) : "";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: checkpoint '{}' cannot be read", flag, path));
  std::ostringstream ss;
  ss << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: checkpoint '{}' is truncated or corrupt (not valid JSON: {}){}", flag, path,
                            e.what(), hint));
  }
  if (!doc.is_object() || !doc.contains("checksum") || !doc["checksum"].is_string())
    throw Error(fmt::format("{}: checkpoint '{}' has no checksum: corrupt, or not written by this version of "
                            "l2o{}",
                            flag, path, hint));
  const std::string stored = doc["checksum"].get<std::string>();
  if (stored != policy_checksum(doc))
    throw Error(fmt::format("{}: checkpoint '{}' is corrupt (checksum mismatch){}", flag, path, hint));
  doc.erase("checksum");
  return doc;
}
}  // namespace l2o
