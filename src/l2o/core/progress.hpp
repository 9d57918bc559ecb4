#pragma once
// Progress for long runs: a single refreshed line on a terminal (iteration, elapsed, ETA and a
// caller-supplied status), nothing when stderr is not a terminal.
#include <chrono>
#include <string>

namespace l2o {
class Progress {
 public:
  Progress(std::string label, long total);
  ~Progress();
  // Marks `done` units finished; `status` is appended (e.g. "objective 0.53").
  void update(long done, const std::string& status = "");
  void finish();
  static bool enabled();  // true on rank 0 (core/distributed.hpp) when stderr is a terminal and L2O_NO_PROGRESS is unset

 private:
  std::string label_;
  long total_;
  bool active_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};
}  // namespace l2o
