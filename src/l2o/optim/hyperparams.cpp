#include "l2o/optim/hyperparams.hpp"

#include <fmt/core.h>

#include <cmath>

#include "l2o/core/error.hpp"

namespace l2o {

HyperReader::HyperReader(std::string optimizer, const nlohmann::json& hyper)
    : optimizer_(std::move(optimizer)), hyper_(hyper) {
  if (!hyper_.is_null() && !hyper_.is_object())
    throw Error(fmt::format("optimizer {}: hyper-parameters must be a JSON object, got {}",
                            optimizer_, hyper_.dump()));
}

const nlohmann::json* HyperReader::find(const std::string& key) {
  known_.insert(key);
  if (!hyper_.is_object()) return nullptr;
  const auto it = hyper_.find(key);
  return it == hyper_.end() ? nullptr : &*it;
}

double HyperReader::number(const std::string& key, double fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_number())
    hyper_error(optimizer_, key, fmt::format("must be a number, got {}", v->dump()));
  const double x = v->get<double>();
  if (!std::isfinite(x)) hyper_error(optimizer_, key, "must be finite");
  return x;
}

int HyperReader::integer(const std::string& key, int fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_number())
    hyper_error(optimizer_, key, fmt::format("must be a whole number, got {}", v->dump()));
  const double x = v->get<double>();
  if (!std::isfinite(x) || x != std::floor(x) || std::fabs(x) > 1e9)
    hyper_error(optimizer_, key, fmt::format("must be a whole number, got {}", v->dump()));
  return static_cast<int>(x);
}

bool HyperReader::boolean(const std::string& key, bool fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean())
    hyper_error(optimizer_, key, fmt::format("must be true or false, got {}", v->dump()));
  return v->get<bool>();
}

void HyperReader::finish() const {
  if (!hyper_.is_object()) return;
  for (const auto& [key, value] : hyper_.items()) {
    if (known_.count(key)) continue;
    std::string allowed;
    for (const auto& k : known_) allowed += (allowed.empty() ? "" : ", ") + k;
    throw Error(fmt::format("optimizer {}: unknown hyper-parameter '{}' (known: {})", optimizer_,
                            key, allowed));
  }
}

void hyper_error(const std::string& opt, const std::string& key, const std::string& what) {
  throw Error(fmt::format("optimizer {}: hyper-parameter {} {}", opt, key, what));
}

void require_positive(const std::string& opt, const std::string& key, double value) {
  if (!(std::isfinite(value) && value > 0.0))
    hyper_error(opt, key, fmt::format("= {} must be finite and > 0", value));
}

void require_nonnegative(const std::string& opt, const std::string& key, double value) {
  if (!(std::isfinite(value) && value >= 0.0))
    hyper_error(opt, key, fmt::format("= {} must be finite and >= 0", value));
}

void require_unit_interval(const std::string& opt, const std::string& key, double value) {
  if (!(value >= 0.0 && value < 1.0))
    hyper_error(opt, key, fmt::format("= {} must be in [0, 1)", value));
}

void require_open_unit_interval(const std::string& opt, const std::string& key, double value) {
  if (!(value > 0.0 && value < 1.0))
    hyper_error(opt, key, fmt::format("= {} must be in (0, 1)", value));
}

void require_int_range(const std::string& opt, const std::string& key, int value, int lo, int hi) {
  if (value < lo || value > hi)
    hyper_error(opt, key, fmt::format("= {} must be in [{}, {}]", value, lo, hi));
}
}  // namespace l2o
