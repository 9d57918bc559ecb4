#pragma once
// On-disk cache of projected data sets: <data_dir>/cache/<stem>-w<width>-s<seed>.bin.
//
// Format (little-endian): magic "L2OPROJ\0"; u32 format version; u32 length + bytes of the key;
// u32 length + bytes of the name and of the display name; i32 num_classes; i32 width; u64 seed;
// u64 train count; u64 test count; train x (width*count f64, column-major); train labels (count
// i32); test x; test labels; u32 CRC-32 of every byte before it. The key names the data source
// (with a fingerprint of its files), width, seed and the projection's version, so a cache built
// from other files or by other code is never taken for this one. A file that fails any check is
// reported as a problem and rebuilt, never trusted.
#include <cstdint>
#include <optional>
#include <string>

#include "l2o/data/bytes.hpp"
#include "l2o/data/dataset.hpp"
#include "l2o/data/dataset_source.hpp"

namespace l2o {

// What identifies a projection: source, its files' fingerprint, width, seed, algorithm version.
std::string projection_cache_key(const DatasetSource& source, int width, std::uint64_t seed);
std::string projection_cache_path(const DataOptions& options, const DatasetSource& source, int width,
                                  std::uint64_t seed);

// Writes atomically (a temporary file renamed into place). Throws l2o::Error on I/O failure.
void write_projection_cache(const std::string& path, const std::string& key, const ProjectedDataset& data);

struct CacheRead {
  std::optional<ProjectedDataset> data;  // set when the file is valid and has this key
  std::string problem;                   // otherwise why not ("missing", "checksum mismatch", ...)
};
CacheRead read_projection_cache(const std::string& path, const std::string& key);
// The same checks on bytes in memory (what read_projection_cache and the fuzzer call).
CacheRead parse_projection_cache(ByteView bytes, const std::string& key);

struct ProjectionCacheOutcome {
  std::string path;
  bool hit = false;      // served from the cache
  std::string problem;   // why the cache was not used (empty on a hit)
  bool written = false;  // a fresh cache file was written
};

// load_projected, reporting what the cache did.
ProjectedDataset load_projected_reporting(const std::string& spec, int width, std::uint64_t projection_seed,
                                          const DataOptions& options, ProjectionCacheOutcome* outcome);

}  // namespace l2o
