#include "l2o/psd/output_warmup.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "l2o/core/error.hpp"

namespace l2o {

double OutputWarmup::factor(const CoordinateGroup& g, std::size_t group_count, Index t, Index batch) const {
  if (!active() || group_count < 2 || !g.output_layer || batch <= 0 || static_cast<double>(batch) >= below_batch)
    return 1.0;
  return std::min(1.0, static_cast<double>(std::max<Index>(t, 1)) / static_cast<double>(iterations));
}

void OutputWarmup::validate(const std::string& where) const {
  if (iterations < 0 || iterations > 1000000)
    throw Error(fmt::format("{}: output_warmup.iterations must be in [0, 1000000], got {}", where, iterations));
  if (!std::isfinite(below_batch) || below_batch < 1.0)
    throw Error(fmt::format("{}: output_warmup.below_batch must be finite and >= 1, got {}", where, below_batch));
}

nlohmann::json OutputWarmup::to_json() const { return {{"iterations", iterations}, {"below_batch", below_batch}}; }

OutputWarmup OutputWarmup::from_json(const nlohmann::json& j, const std::string& where) {
  OutputWarmup w;
  try {
    if (!j.is_object()) throw Error("must be a JSON object");
    for (const auto& [key, value] : j.items())
      if (key != "iterations" && key != "below_batch") throw Error(fmt::format("unknown key '{}'", key));
    if (!j.contains("iterations")) throw Error("lacks 'iterations'");
    const nlohmann::json& it = j.at("iterations");
    if (!it.is_number_integer()) throw Error("'iterations' must be an integer");
    w.iterations = it.get<Index>();
    if (j.contains("below_batch")) {
      if (!j.at("below_batch").is_number()) throw Error("'below_batch' must be a number");
      w.below_batch = j.at("below_batch").get<double>();
    }
  } catch (const Error& e) {
    throw Error(fmt::format("{}: bad output_warmup: {}", where, e.what()));
  }
  w.validate(where);
  return w;
}

}  // namespace l2o
