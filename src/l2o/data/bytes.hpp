#pragma once
// Whole-file reads and gzip decompression. Every reader in l2o/data parses from a byte buffer, so
// the same code serves files on disk and the fuzzer's in-memory inputs.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace l2o {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Reads a whole regular file. Throws l2o::Error naming the path if it is missing, not a regular
// file, or unreadable.
Bytes read_file_bytes(const std::string& path);

// True when the buffer starts with the gzip magic bytes 1f 8b.
bool is_gzip(ByteView bytes);

// Decompresses a gzip stream (several concatenated members are allowed). `name` appears in error
// messages; output beyond `max_output` bytes is refused so that a hostile input cannot exhaust
// memory. Throws l2o::Error for corrupt, truncated or oversized input.
constexpr std::size_t kDefaultMaxDecompressed = std::size_t{4} << 30;  // 4 GiB
Bytes gunzip(ByteView gz, const std::string& name, std::size_t max_output = kDefaultMaxDecompressed);

// The file's bytes, decompressed when they are gzipped (detected by the magic, not the name).
Bytes read_maybe_gzipped(const std::string& path);

}  // namespace l2o
