#include "l2o/data/projection_cache.hpp"

#include <fmt/core.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "l2o/core/error.hpp"
#include "l2o/data/bytes.hpp"
#include "l2o/data/projection.hpp"

namespace l2o {
namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little, "the projection cache format is little-endian");

namespace {
constexpr char kMagic[8] = {'L', '2', 'O', 'P', 'R', 'O', 'J', '\0'};
constexpr std::uint32_t kFormatVersion = 1;
// Bump when the projection or standardisation changes: old caches then stop matching.
constexpr int kProjectionVersion = 1;

std::uint32_t crc32_of(const std::uint8_t* data, std::size_t n) {
  return static_cast<std::uint32_t>(crc32_z(crc32_z(0L, Z_NULL, 0), data, n));
}

class Writer {
 public:
  template <class T>
  void put(const T& v) {
    raw(&v, sizeof v);
  }
  void put_string(const std::string& s) {
    put(static_cast<std::uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  void raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }
  Bytes& bytes() { return buf_; }

 private:
  Bytes buf_;
};

// Bounds-checked cursor; any overrun is a truncated or corrupt file.
class Reader {
 public:
  explicit Reader(ByteView b) : b_(b) {}
  bool has(std::size_t n) const { return n <= b_.size() - pos_; }
  template <class T>
  bool get(T& v) {
    if (!has(sizeof v)) return false;
    std::memcpy(&v, b_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return true;
  }
  bool get_string(std::string& s) {
    std::uint32_t n = 0;
    if (!get(n) || !has(n)) return false;
    s.assign(reinterpret_cast<const char*>(b_.data() + pos_), n);
    pos_ += n;
    return true;
  }
  bool get_raw(void* p, std::size_t n) {
    if (!has(n)) return false;
    if (n) std::memcpy(p, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::size_t pos() const { return pos_; }

 private:
  ByteView b_;
  std::size_t pos_ = 0;
};

void put_split(Writer& w, const ProjectedSplit& s) {
  w.raw(s.x.data(), static_cast<std::size_t>(s.x.size()) * sizeof(double));
  for (int label : s.labels) w.put(static_cast<std::int32_t>(label));
}

bool get_split(Reader& r, ProjectedSplit& s, int width, std::uint64_t count, int num_classes, std::string& problem) {
  // Sizes come from the file: check them against what is left before allocating anything.
  std::uint64_t values = 0, bytes = 0;
  const bool overflow = __builtin_mul_overflow(count, static_cast<std::uint64_t>(width), &values) ||
                        __builtin_mul_overflow(values, std::uint64_t{sizeof(double)}, &bytes) ||
                        __builtin_add_overflow(bytes, count * sizeof(std::int32_t), &bytes) ||
                        count > (std::uint64_t{1} << 40);
  if (overflow || !r.has(bytes)) {
    problem = "truncated (sizes in the header exceed the file)";
    return false;
  }
  s.x.resize(width, static_cast<Index>(count));
  r.get_raw(s.x.data(), values * sizeof(double));
  s.labels.resize(count);
  for (auto& label : s.labels) {
    std::int32_t v = 0;
    r.get(v);
    if (v < 0 || v >= num_classes) {
      problem = fmt::format("label {} out of range [0, {})", v, num_classes);
      return false;
    }
    label = v;
  }
  if (!s.x.allFinite()) {
    problem = "non-finite values";
    return false;
  }
  return true;
}
}  // namespace

std::string projection_cache_key(const DatasetSource& source, int width, std::uint64_t seed) {
  return fmt::format("l2o projection v{}; data={}; variant={}; files={:016x}; width={}; seed={}", kProjectionVersion,
                     source.name, source.variant, source_fingerprint(source), width, seed);
}

std::string projection_cache_path(const DataOptions& options, const DatasetSource& source, int width,
                                  std::uint64_t seed) {
  return (fs::path(options.data_dir) / "cache" / fmt::format("{}-w{}-s{}.bin", cache_stem(source), width, seed))
      .string();
}

void write_projection_cache(const std::string& path, const std::string& key, const ProjectedDataset& d) {
  Writer w;
  w.raw(kMagic, sizeof kMagic);
  w.put(kFormatVersion);
  w.put_string(key);
  w.put_string(d.name);
  w.put_string(d.display_name);
  w.put(static_cast<std::int32_t>(d.num_classes));
  w.put(static_cast<std::int32_t>(d.width));
  w.put(static_cast<std::uint64_t>(d.projection_seed));
  w.put(static_cast<std::uint64_t>(d.train.count()));
  w.put(static_cast<std::uint64_t>(d.test.count()));
  put_split(w, d.train);
  put_split(w, d.test);
  w.put(crc32_of(w.bytes().data(), w.bytes().size()));

  std::error_code ec;
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec) throw Error(fmt::format("{}: cannot create cache directory ({})", target.parent_path().string(), ec.message()));
  // Unique per process and per call, so concurrent writers (processes or threads) never share a
  // temporary file; the last rename wins, and every renamed file is complete.
  static std::atomic<unsigned long> serial{0};
  const std::string tmp = fmt::format("{}.tmp{}-{}", path, static_cast<long>(::getpid()), serial++);
  {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(tmp.c_str(), "wb"), &std::fclose);
    if (!f) throw Error(fmt::format("{}: cannot write cache file ({})", tmp, std::strerror(errno)));
    const auto& b = w.bytes();
    if (std::fwrite(b.data(), 1, b.size(), f.get()) != b.size() || std::fflush(f.get()) != 0) {
      const std::string why = std::strerror(errno);
      f.reset();
      fs::remove(tmp, ec);
      throw Error(fmt::format("{}: cannot write cache file ({})", tmp, why));
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ignore;
    fs::remove(tmp, ignore);
    throw Error(fmt::format("{}: cannot move cache file into place ({})", path, ec.message()));
  }
}

CacheRead read_projection_cache(const std::string& path, const std::string& key) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return CacheRead{std::nullopt, "missing"};
  try {
    return parse_projection_cache(read_file_bytes(path), key);
  } catch (const Error& e) {
    return CacheRead{std::nullopt, e.what()};
  }
}

CacheRead parse_projection_cache(ByteView bytes, const std::string& key) {
  CacheRead out;
  if (bytes.size() < sizeof kMagic + 4 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    out.problem = "not an l2o projection cache (bad magic)";
    return out;
  }
  std::uint32_t stored_crc = 0;
  std::memcpy(&stored_crc, bytes.data() + bytes.size() - 4, 4);
  if (crc32_of(bytes.data(), bytes.size() - 4) != stored_crc) {
    out.problem = "checksum mismatch (corrupt or truncated)";
    return out;
  }
  Reader r(ByteView(bytes).first(bytes.size() - 4));
  char magic[sizeof kMagic];
  r.get_raw(magic, sizeof magic);  // already checked above
  std::uint32_t version = 0;
  std::string stored_key;
  ProjectedDataset d;
  std::int32_t num_classes = 0, width = 0;
  std::uint64_t seed = 0, ntrain = 0, ntest = 0;
  if (!r.get(version) || version != kFormatVersion) {
    out.problem = fmt::format("format version {} (expected {})", version, kFormatVersion);
    return out;
  }
  if (!r.get_string(stored_key) || !r.get_string(d.name) || !r.get_string(d.display_name) || !r.get(num_classes) ||
      !r.get(width) || !r.get(seed) || !r.get(ntrain) || !r.get(ntest)) {
    out.problem = "truncated header";
    return out;
  }
  if (stored_key != key) {
    out.problem = "built for other data or settings (key differs)";
    return out;
  }
  if (num_classes < 1 || width < 1) {
    out.problem = fmt::format("invalid header (classes {}, width {})", num_classes, width);
    return out;
  }
  d.num_classes = num_classes;
  d.width = width;
  d.projection_seed = seed;
  if (!get_split(r, d.train, width, ntrain, num_classes, out.problem) ||
      !get_split(r, d.test, width, ntest, num_classes, out.problem))
    return out;
  if (r.pos() != bytes.size() - 4) {
    out.problem = fmt::format("{} unexpected bytes after the data", bytes.size() - 4 - r.pos());
    return out;
  }
  out.data = std::move(d);
  return out;
}

ProjectedDataset load_projected_reporting(const std::string& spec, int width, std::uint64_t projection_seed,
                                          const DataOptions& options, ProjectionCacheOutcome* outcome) {
  if (width < 1) throw Error(fmt::format("projection width must be positive, got {}", width));
  const DatasetSource source = resolve_dataset(spec, options);
  const std::string key = projection_cache_key(source, width, projection_seed);
  ProjectionCacheOutcome local;
  ProjectionCacheOutcome& o = outcome ? *outcome : local;
  o = ProjectionCacheOutcome{};
  o.path = projection_cache_path(options, source, width, projection_seed);
  CacheRead cached = read_projection_cache(o.path, key);
  if (cached.data) {
    o.hit = true;
    return std::move(*cached.data);
  }
  o.problem = cached.problem;
  ProjectedDataset projected = project_dataset(load_source(source), width, projection_seed);
  try {
    write_projection_cache(o.path, key, projected);
    o.written = true;
  } catch (const Error& e) {
    // A read-only data directory must not stop the run: the cache only saves time.
    o.problem += std::string(o.problem.empty() ? "" : "; ") + "not written: " + e.what();
  }
  return projected;
}

ProjectedDataset load_projected(const std::string& spec, int width, std::uint64_t projection_seed,
                                const DataOptions& options) {
  return load_projected_reporting(spec, width, projection_seed, options, nullptr);
}

}  // namespace l2o
