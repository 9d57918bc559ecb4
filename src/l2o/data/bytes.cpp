#include "l2o/data/bytes.hpp"

#include <fmt/core.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "l2o/core/error.hpp"

namespace l2o {
namespace fs = std::filesystem;

Bytes read_file_bytes(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw Error(fmt::format("{}: file not found", path));
  if (!fs::is_regular_file(status)) throw Error(fmt::format("{}: not a regular file", path));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw Error(fmt::format("{}: cannot open file ({})", path, std::strerror(errno)));
  Bytes out;
  const auto size = fs::file_size(path, ec);
  if (!ec) out.reserve(static_cast<std::size_t>(size));
  std::uint8_t chunk[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, f.get());
    out.insert(out.end(), chunk, chunk + n);
    if (n < sizeof chunk) {
      if (std::ferror(f.get())) throw Error(fmt::format("{}: read error ({})", path, std::strerror(errno)));
      break;
    }
  }
  return out;
}

bool is_gzip(ByteView bytes) { return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b; }

namespace {
struct InflateGuard {
  z_stream* zs;
  ~InflateGuard() { inflateEnd(zs); }
};
}  // namespace

Bytes gunzip(ByteView gz, const std::string& name, std::size_t max_output) {
  if (!is_gzip(gz)) throw Error(fmt::format("{}: not a gzip stream (bad magic bytes)", name));
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error(fmt::format("{}: cannot initialise zlib", name));
  InflateGuard guard{&zs};

  Bytes out;
  // The gzip trailer stores the uncompressed size modulo 2^32: a good first guess for one member.
  if (gz.size() >= 18) {
    const std::size_t hint = std::size_t{gz[gz.size() - 4]} | std::size_t{gz[gz.size() - 3]} << 8 |
                             std::size_t{gz[gz.size() - 2]} << 16 | std::size_t{gz[gz.size() - 1]} << 24;
    out.reserve(std::min({hint, max_output, gz.size() * std::size_t{1032}}));
  }
  std::size_t in_pos = 0;
  std::size_t out_len = 0;
  for (;;) {
    if (out_len == out.size()) {
      if (out.size() >= max_output)
        throw Error(fmt::format("{}: decompressed data exceeds the limit of {} bytes", name, max_output));
      const std::size_t grow = std::max<std::size_t>(out.size(), 1 << 16);
      out.resize(std::min(max_output, out.size() + grow));
    }
    const std::size_t in_chunk = std::min<std::size_t>(gz.size() - in_pos, UINT_MAX);
    const std::size_t out_chunk = std::min<std::size_t>(out.size() - out_len, UINT_MAX);
    zs.next_in = const_cast<Bytef*>(gz.data() + in_pos);
    zs.avail_in = static_cast<uInt>(in_chunk);
    zs.next_out = out.data() + out_len;
    zs.avail_out = static_cast<uInt>(out_chunk);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    in_pos += in_chunk - zs.avail_in;
    out_len += out_chunk - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (in_pos == gz.size()) break;
      // Another gzip member may follow (what `cat a.gz b.gz` produces); anything else is corrupt.
      if (!is_gzip(gz.subspan(in_pos)))
        throw Error(fmt::format("{}: {} unexpected bytes after the end of the gzip stream", name, gz.size() - in_pos));
      if (inflateReset(&zs) != Z_OK) throw Error(fmt::format("{}: cannot reset zlib", name));
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR) {
      if (in_pos == gz.size()) throw Error(fmt::format("{}: truncated gzip stream", name));
      continue;  // output buffer full: grow it on the next turn
    }
    throw Error(fmt::format("{}: corrupt gzip data ({})", name, zs.msg ? zs.msg : "zlib error"));
  }
  out.resize(out_len);
  out.shrink_to_fit();
  return out;
}

Bytes read_maybe_gzipped(const std::string& path) {
  Bytes raw = read_file_bytes(path);
  if (!is_gzip(raw)) return raw;
  return gunzip(raw, path);
}

}  // namespace l2o
