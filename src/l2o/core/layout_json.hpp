#pragma once
// A coordinate group as JSON, for the learned optimizers' saved states (which carry their layout
// so that a checkpoint restores without a prior init()): {"name", "kind", "layer",
// "output_layer", "rows", "cols", "offset"}.
#include <nlohmann/json.hpp>

#include "l2o/core/layout.hpp"

namespace l2o {
nlohmann::json group_to_json(const CoordinateGroup& g);
// Throws l2o::Error on an unknown kind or a non-integer size (nlohmann::json's exceptions on a
// missing or ill-typed field; callers add where the state came from).
CoordinateGroup group_from_json(const nlohmann::json& g);
}  // namespace l2o
