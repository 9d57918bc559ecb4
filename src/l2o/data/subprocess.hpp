#pragma once
// Running helper programs (tar, npm) for `l2o data prepare`: argv is passed as is (no shell, so no
// quoting problems), stdin is /dev/null, stdout and stderr are captured together.
#include <string>
#include <vector>

namespace l2o {

struct ProcessResult {
  int exit_code = -1;  // the exit status; 128 + signal number if killed; 127 if it could not start
  std::string output;  // stdout and stderr, interleaved (the last 64 KiB)
  bool ok() const { return exit_code == 0; }
};

// Runs argv[0] (searched on $PATH) in `cwd` (the current directory if empty) and waits for it.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& cwd = "");

// The full path of `name` on $PATH, or "" if it is not there.
std::string find_program(const std::string& name);

}  // namespace l2o
