#pragma once
// nlohmann::json <-> Python objects (dict, list, str, float, int, bool, None), for
// hyper-parameters, summaries and traces. Optimizer state does not go through here: it travels as
// a JSON string, which nlohmann writes with enough digits to restore every double exactly.
#include <nlohmann/json.hpp>
#include <pybind11/pybind11.h>

namespace l2o::python {
pybind11::object to_python(const nlohmann::json& j);
// Throws l2o::Error naming `what` for objects with no JSON form (a tensor, a set, ...).
nlohmann::json from_python(const pybind11::handle& obj, const std::string& what);
}  // namespace l2o::python
