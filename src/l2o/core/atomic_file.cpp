#include "l2o/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/core/kill_point.hpp"

namespace l2o {

namespace fs = std::filesystem;

namespace {
// $L2O_FAKE_FREE_BYTES pretends that the disk has only that much free space: the only way a test
// can check the full-disk refusal without filling a real disk.
std::uint64_t free_bytes(const fs::path& dir) {
  if (const char* fake = std::getenv("L2O_FAKE_FREE_BYTES"); fake && *fake) return std::strtoull(fake, nullptr, 10);
  std::error_code ec;
  const fs::space_info info = fs::space(dir, ec);
  return ec ? UINT64_MAX : info.available;  // unknown: let the write itself report problems
}

// Writes all of `text` to `fd` and syncs it; returns errno (0 on success).
int write_all(int fd, std::string_view text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<std::size_t>(n);
  }
  return ::fsync(fd) == 0 ? 0 : errno;
}

// Creates `tmp` with `text`, synced; removes it and returns errno on failure (0 on success).
int write_new_file(const std::string& tmp, std::string_view text) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  int err = write_all(fd, text);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) ::unlink(tmp.c_str());
  return err;
}
}  // namespace

void write_file_atomically(const std::string& path, std::string_view text, const std::string& what) {
  const fs::path target(path);
  std::error_code ec;
  // The process id keeps two processes writing the same file from sharing a temporary file.
  const std::string tmp = fmt::format("{}.tmp{}", path, static_cast<long>(::getpid()));
  if (const int err = write_new_file(tmp, text); err != 0)
    throw Error(fmt::format("{}: cannot write '{}': {}", what, path, std::strerror(err)));
  kill_point("atomic-write");
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw Error(fmt::format("{}: cannot move '{}' into place: {}", what, path, ec.message()));
  }
}

void check_output_dir(const std::string& dir, const std::string& what, std::uint64_t min_free_bytes) {
  const fs::path d = dir.empty() ? fs::path(".") : fs::path(dir);
  std::error_code ec;
  fs::create_directories(d, ec);
  if (!fs::is_directory(d))
    throw Error(fmt::format("{}: cannot create folder '{}'{}", what, d.string(), ec ? ": " + ec.message() : ""));
  // A real file, written and synced the way write_file_atomically writes, then removed.
  const std::string probe = (d / fmt::format(".l2o-write-probe{}", static_cast<long>(::getpid()))).string();
  if (const int err = write_new_file(probe, std::string(4096, '\n')); err != 0)
    throw Error(fmt::format("{}: folder '{}' is not writable: {}", what, d.string(), std::strerror(err)));
  fs::remove(probe, ec);
  const std::uint64_t avail = free_bytes(d);
  if (avail < min_free_bytes)
    throw Error(fmt::format("{}: only {:.1f} MB free in '{}' (at least {:.0f} MB needed)", what, avail / 1e6,
                            d.string(), min_free_bytes / 1e6));
}

void check_output_file(const std::string& file, const std::string& what, std::uint64_t min_free_bytes,
                       bool create_folder) {
  const fs::path parent = fs::path(file).parent_path();
  std::error_code ec;
  if (!create_folder && !parent.empty() && !fs::is_directory(parent, ec))
    throw Error(fmt::format("{}: cannot write '{}': the folder '{}' does not exist", what, file, parent.string()));
  check_output_dir(parent.empty() ? "." : parent.string(), what, min_free_bytes);
}
}  // namespace l2o
