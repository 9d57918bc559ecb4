#pragma once
// Output files that are either complete or absent: every file l2o writes (policies, checkpoints,
// summaries, CSVs, tuned values, the finished runs of a resumable bench) goes through
// write_file_atomically, so that a kill, a crash or a full disk never leaves half a file behind.
// And the start-up check of an output location, so that an unwritable folder or a full disk is
// reported before hours of work rather than after.
#include <cstdint>
#include <string>
#include <string_view>

namespace l2o {

// Writes `text` to a temporary file beside `path` (same folder, so the rename cannot cross file
// systems), flushes it to disk and renames it over `path`. On any failure the temporary file is
// removed, `path` keeps its previous contents, and l2o::Error names `what` (e.g. "--out"), the
// file and the system's reason. The folder must exist (it is not created).
void write_file_atomically(const std::string& path, std::string_view text, const std::string& what);

// Creates `dir` (and its parents) if needed and proves it usable by writing, flushing and removing
// a probe file; also requires `min_free_bytes` of free space there. Throws l2o::Error naming `what`
// and the folder otherwise.
void check_output_dir(const std::string& dir, const std::string& what, std::uint64_t min_free_bytes);

// check_output_dir for the folder a file will be written into (the current folder when `file`
// has none); the file itself is not created. With `create_folder` false a missing folder is an
// error rather than created (for outputs whose writer does not create folders).
void check_output_file(const std::string& file, const std::string& what, std::uint64_t min_free_bytes,
                       bool create_folder = true);

// What the start-up checks require by default: enough for a bench's summaries and CSVs or a
// policy and its checkpoints, with a margin (they are a few MB at most).
constexpr std::uint64_t kMinFreeOutputBytes = std::uint64_t{64} << 20;
}  // namespace l2o
