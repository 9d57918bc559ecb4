#include "l2o/optim/state_json.hpp"

#include <fmt/core.h>

#include <cmath>
#include <limits>

#include "l2o/core/error.hpp"

namespace l2o {

nlohmann::json encode_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return x;
}

nlohmann::json encode_vec(const Vec& v) {
  nlohmann::json a = nlohmann::json::array();
  for (Index i = 0; i < v.size(); ++i) a.push_back(encode_number(v[i]));
  return a;
}

nlohmann::json state_header(const std::string& optimizer, Index dim) {
  return {{"optimizer", optimizer}, {"dim", dim}};
}

void check_state_precision(const std::string& optimizer, const nlohmann::json& state, Precision runs) {
  const std::string saved = state.contains("precision") && state.at("precision").is_string()
                                ? state.at("precision").get<std::string>()
                                : std::string("float64");
  if (saved != to_string(runs))
    throw Error(fmt::format("optimizer {}: saved state was computed in {}, this optimizer runs {}", optimizer, saved,
                            to_string(runs)));
}

StateReader::StateReader(std::string optimizer, const nlohmann::json& state)
    : optimizer_(std::move(optimizer)), state_(state) {
  if (!state_.is_object())
    throw Error(fmt::format("optimizer {}: state must be a JSON object", optimizer_));
  const auto it = state_.find("optimizer");
  if (it == state_.end() || !it->is_string() || it->get<std::string>() != optimizer_)
    throw Error(
        fmt::format("optimizer {}: state was not written by {} (its 'optimizer' field is {})",
                    optimizer_, optimizer_, it == state_.end() ? "missing" : it->dump()));
}

void StateReader::fail(const std::string& key, const std::string& what) const {
  throw Error(fmt::format("optimizer {}: state field '{}' {}", optimizer_, key, what));
}

const nlohmann::json& StateReader::field(const std::string& key) const {
  const auto it = state_.find(key);
  if (it == state_.end()) fail(key, "is missing");
  return *it;
}

Index StateReader::dim() const {
  const long long d = integer("dim");
  if (d < -1) fail("dim", "must be >= 0 (or -1: not initialised)");
  return static_cast<Index>(d);
}

double StateReader::decode_number(const nlohmann::json& v, const std::string& key) const {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
  }
  fail(key, fmt::format("holds {}, which is not a number", v.dump()));
}

double StateReader::number(const std::string& key) const { return decode_number(field(key), key); }

long long StateReader::integer(const std::string& key) const {
  const nlohmann::json& v = field(key);
  if (!v.is_number_integer()) fail(key, fmt::format("must be an integer, got {}", v.dump()));
  return v.get<long long>();
}

bool StateReader::boolean(const std::string& key) const {
  const nlohmann::json& v = field(key);
  if (!v.is_boolean()) fail(key, fmt::format("must be true or false, got {}", v.dump()));
  return v.get<bool>();
}

Vec StateReader::decode_vec(const nlohmann::json& v, const std::string& key, Index size) const {
  if (!v.is_array()) fail(key, "must be an array of numbers");
  if (static_cast<Index>(v.size()) != size)
    fail(key, fmt::format("has {} entries, expected {}", v.size(), size));
  Vec out(size);
  for (Index i = 0; i < size; ++i) out[i] = decode_number(v[static_cast<std::size_t>(i)], key);
  return out;
}

Vec StateReader::vec(const std::string& key, Index size) const {
  return decode_vec(field(key), key, size);
}

std::size_t StateReader::array_size(const std::string& key) const {
  const nlohmann::json& v = field(key);
  if (!v.is_array()) fail(key, "must be an array");
  return v.size();
}

double StateReader::number_at(const std::string& key, std::size_t i) const {
  const nlohmann::json& v = field(key);
  if (!v.is_array() || i >= v.size()) fail(key, fmt::format("has no entry {}", i));
  return decode_number(v[i], fmt::format("{}[{}]", key, i));
}

Vec StateReader::vec_at(const std::string& key, std::size_t i, Index size) const {
  const nlohmann::json& v = field(key);
  if (!v.is_array() || i >= v.size()) fail(key, fmt::format("has no entry {}", i));
  return decode_vec(v[i], fmt::format("{}[{}]", key, i), size);
}
}  // namespace l2o
