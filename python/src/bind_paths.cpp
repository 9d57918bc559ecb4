// The data roots' lookup for Python (core/data_paths.hpp): l2o.torch's defaults take the shipped
// policies and tuned values from the package (or the install, or the checkout), never from the
// working directory.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "l2o/core/data_paths.hpp"

namespace py = pybind11;

namespace l2o::python {
void bind_paths(py::module_& m) {
  m.def(
      "find_data_file", [](const std::string& relative) { return find_data_file(relative); }, py::arg("relative"),
      "The first data root's `relative` (e.g. 'policies/psd-small.json') that exists, '' when none has it; "
      "the working directory is not searched (l2o.data_search lists the roots).");
}
}  // namespace l2o::python
