#include "l2o/core/kill_point.hpp"

#include <fmt/core.h>

#include "l2o/core/distributed.hpp"
#include "l2o/core/error.hpp"

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
  int rank = -1;  // "NAME:N@R": only on MPI rank R (-1: any process)
};

KillSpec parse_spec(const char* variable) {
  KillSpec k;
  const char* env = std::getenv(variable);
  if (!env) return k;
  const std::string s(env);
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) return k;
  k.name = s.substr(0, colon);
  char* end = nullptr;
  k.at = std::strtol(s.c_str() + colon + 1, &end, 10);
  if (end && *end == '@') k.rank = static_cast<int>(std::strtol(end + 1, nullptr, 10));
  return k;
}


bool applies(const KillSpec& spec, const char* name) {
  return spec.at > 0 && spec.name == name && (spec.rank < 0 || spec.rank == dist::rank());
}
}  // namespace

void kill_point(const char* name) {
  static const KillSpec kill = parse_spec("L2O_KILL_AT");
  static const KillSpec fail = parse_spec("L2O_THROW_AT");
  static std::atomic<long> kill_hits{0}, fail_hits{0};
  if (applies(kill, name) && ++kill_hits == kill.at) ::kill(::getpid(), SIGKILL);
  if (applies(fail, name) && ++fail_hits == fail.at)
    throw Error(fmt::format("injected failure at {} (L2O_THROW_AT)", name));
}
}  // namespace l2o
