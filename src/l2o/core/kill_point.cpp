#include "l2o/core/kill_point.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace l2o {

namespace {
struct KillSpec {
  std::string name;
  long at = 0;  // 0: no kill point set
};

KillSpec parse_spec() {
  KillSpec k;
  const char* env = std::getenv("L2O_KILL_AT");
  if (!env) return k;
  const std::string s(env);
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) return k;
  k.name = s.substr(0, colon);
  k.at = std::strtol(s.c_str() + colon + 1, nullptr, 10);
  return k;
}
}  // namespace

void kill_point(const char* name) {
  static const KillSpec spec = parse_spec();
  static std::atomic<long> hits{0};
  if (spec.at <= 0 || spec.name != name) return;
  if (++hits == spec.at) ::kill(::getpid(), SIGKILL);
}
}  // namespace l2o
