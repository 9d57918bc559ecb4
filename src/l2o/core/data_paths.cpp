#include "l2o/core/data_paths.hpp"

#include <dlfcn.h>
#include <link.h>

#include <fmt/core.h>

#include <cstdlib>
#include <fstream>

#include "l2o/core/error.hpp"

namespace l2o {

namespace fs = std::filesystem;

namespace {
// Folders above a code folder that may be an install prefix or a checkout: <prefix>/bin (one up),
// <prefix>/lib/python3.X/site-packages/l2o (four up), build/python/l2o (three up to the checkout).
constexpr int kDataRootLevelsUp = 4;

fs::path absolute_normal(const fs::path& p) {
  std::error_code ec;
  fs::path a = fs::absolute(p, ec);
  return (ec ? p : a).lexically_normal();
}

// The file of the shared object holding this function; "" when it is the executable itself (whose
// link map has no name) or unknown.
fs::path library_file() {
  Dl_info info{};
  link_map* map = nullptr;
  if (dladdr1(reinterpret_cast<void*>(&library_file), &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) == 0)
    return {};
  if (map == nullptr || map->l_name == nullptr || map->l_name[0] == '\0') return {};
  return map->l_name;
}
}  // namespace

DataSearch current_data_search() {
  DataSearch s;
  if (const char* home = std::getenv("L2O_HOME"); home != nullptr) s.home = home;
  auto add = [&](const fs::path& file) {
    if (file.empty()) return;
    const fs::path dir = absolute_normal(file).parent_path();
    for (const auto& d : s.code_dirs)
      if (d == dir) return;
    s.code_dirs.push_back(dir);
  };
  add(library_file());
  std::error_code ec;
  add(fs::read_symlink("/proc/self/exe", ec));
  return s;
}

std::vector<fs::path> data_roots(const DataSearch& search) {
  if (!search.home.empty()) return {absolute_normal(search.home)};
  std::vector<fs::path> roots;
  auto add = [&](const fs::path& p) {
    for (const auto& r : roots)
      if (r == p) return;
    roots.push_back(p);
  };
  for (const auto& dir : search.code_dirs) {
    fs::path d = absolute_normal(dir);
    for (int up = 0; up <= kDataRootLevelsUp; ++up) {
      add(d / "share" / "l2o");
      add(d);
      if (!d.has_parent_path() || d.parent_path() == d) break;
      d = d.parent_path();
    }
  }
  return roots;
}

std::string find_data_file(const std::string& relative, const DataSearch& search) {
  for (const auto& root : data_roots(search)) {
    const fs::path p = root / relative;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return "";
}

std::string describe_data_search(const DataSearch& search) {
  if (!search.home.empty()) return fmt::format("$L2O_HOME={}", search.home);
  std::string s = "$L2O_HOME unset, then";
  bool first = true;
  for (const auto& root : data_roots(search)) {
    s += (first ? " " : ", ") + root.string();
    first = false;
  }
  if (first) s += " nothing (the folder of the running code is unknown)";
  return s;
}

void require_readable_file(const std::string& path, const std::string& what, const std::string& hint) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(fmt::format("{} '{}' does not exist{}", what, path, hint));
  if (fs::is_directory(path, ec)) throw Error(fmt::format("{} '{}' is a directory, not a file", what, path));
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{} '{}' cannot be read", what, path));
}
}  // namespace l2o
