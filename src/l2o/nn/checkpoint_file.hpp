#pragma once
// Meta-training checkpoints on disk (both methods). A checkpoint is a JSON object with a
// "checksum" member (policy_checksum: SHA-256 of the compact document without it), so a file
// that was truncated or had bytes changed is refused with a clear error instead of resuming from
// numbers that merely parse. Each write keeps the checkpoint it replaces as PATH.prev (a hard link
// made before the atomic rename), so one damaged file never loses the progress before it.
#include <string>

#include <nlohmann/json.hpp>

namespace l2o {

// Adds the checksum and writes atomically (core/atomic_file.hpp), keeping the old file as
// PATH.prev. Throws l2o::Error naming the file.
void write_checkpoint_file(const std::string& path, nlohmann::json document);

// Reads and verifies a checkpoint written by write_checkpoint_file; returns it without the
// checksum. Throws l2o::Error naming `flag` and the file when it cannot be read, is not JSON, has
// no checksum or a wrong one (mentioning PATH.prev when that exists).
nlohmann::json read_checkpoint_file(const std::string& path, const std::string& flag);
}  // namespace l2o
