#include "l2o/core/progress.hpp"

#include "l2o/core/distributed.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace l2o {

bool Progress::enabled() {
  return dist::is_root() && isatty(STDERR_FILENO) && std::getenv("L2O_NO_PROGRESS") == nullptr;
}

Progress::Progress(std::string label, long total)
    : label_(std::move(label)), total_(total), active_(enabled()),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

Progress::~Progress() { finish(); }

void Progress::update(long done, const std::string& status) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = done > 0 ? elapsed * static_cast<double>(total_ - done) / static_cast<double>(done) : 0.0;
  fmt::print(stderr, "\r\033[K{} {}/{}  {:.1f}s elapsed  ETA {:.1f}s  {}", label_, done, total_, elapsed, eta,
             status);
  std::fflush(stderr);
}

void Progress::finish() {
  if (active_ && !finished_) {
    fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  finished_ = true;
}
}  // namespace l2o
