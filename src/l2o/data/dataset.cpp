#include "l2o/data/dataset.hpp"

#include <cstdlib>

#include "l2o/data/dataset_source.hpp"

namespace l2o {

std::string resolve_data_dir(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("L2O_DATA"); env && *env) return env;
  return "data";
}

std::string resolve_shared_dir(const std::string& flag_value, const std::string& source_root) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("L2O_SHARED_DATA")) return env;
  return source_root + "/../shared/data";
}

Dataset load_dataset(const std::string& spec, const DataOptions& options) {
  return load_source(resolve_dataset(spec, options));
}

}  // namespace l2o
