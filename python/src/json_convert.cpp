#include "json_convert.hpp"

#include <fmt/core.h>

#include <cmath>

#include "l2o/core/error.hpp"

namespace py = pybind11;

namespace l2o::python {

py::object to_python(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return py::none();
    case nlohmann::json::value_t::boolean: return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return py::int_(j.get<long long>());
    case nlohmann::json::value_t::number_unsigned: return py::int_(j.get<unsigned long long>());
    case nlohmann::json::value_t::number_float: return py::float_(j.get<double>());
    case nlohmann::json::value_t::string: return py::str(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      py::list out;
      for (const auto& e : j) out.append(to_python(e));
      return out;
    }
    case nlohmann::json::value_t::object: {
      py::dict out;
      for (const auto& [k, v] : j.items()) out[py::str(k)] = to_python(v);
      return out;
    }
    default: return py::none();  // binary and discarded values never occur in l2o's JSON
  }
}

nlohmann::json from_python(const py::handle& obj, const std::string& what) {
  if (obj.is_none()) return nullptr;
  // bool before int: Python's bool is an int.
  if (py::isinstance<py::bool_>(obj)) return obj.cast<bool>();
  if (py::isinstance<py::int_>(obj)) return obj.cast<long long>();
  if (py::isinstance<py::float_>(obj)) return obj.cast<double>();
  if (py::isinstance<py::str>(obj)) return obj.cast<std::string>();
  if (py::isinstance<py::dict>(obj)) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : obj.cast<py::dict>()) {
      if (!py::isinstance<py::str>(k)) throw Error(fmt::format("{}: keys must be strings", what));
      const std::string key = k.cast<std::string>();
      out[key] = from_python(v, what + "." + key);
    }
    return out;
  }
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : obj) out.push_back(from_python(e, what));
    return out;
  }
  // numpy scalars and 0-d tensors: anything that converts to a float.
  if (py::hasattr(obj, "__float__") && !py::hasattr(obj, "__len__")) return obj.attr("__float__")().cast<double>();
  throw Error(fmt::format("{}: a {} has no JSON form (use numbers, strings, bools, lists and dicts)", what,
                          py::str(py::type::handle_of(obj).attr("__name__")).cast<std::string>()));
}
}  // namespace l2o::python
