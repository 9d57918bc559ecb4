#pragma once
// JSON encoding of LineSearchStats, part of the saved state of CG and L-BFGS.
#include <nlohmann/json.hpp>

#include "l2o/optim/line_search.hpp"
#include "l2o/optim/state_json.hpp"

namespace l2o {
nlohmann::json encode_stats(const LineSearchStats& s);
LineSearchStats decode_stats(const StateReader& r);  // reads the fields written by encode_stats
}  // namespace l2o
