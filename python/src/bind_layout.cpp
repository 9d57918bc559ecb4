// l2o.CoordinateGroup and l2o.ParamLayout: how a flat parameter vector is cut into the groups
// that the learned optimizers share their rule over (core/layout.hpp).
#include <fmt/core.h>
#include <pybind11/stl.h>

#include <algorithm>

#include "bindings.hpp"
#include "l2o/core/error.hpp"
#include "l2o/core/layout.hpp"

namespace py = pybind11;

namespace l2o::python {
namespace {

GroupKind parse_kind(const std::string& kind) {
  if (kind == "weight") return GroupKind::Weight;
  if (kind == "bias") return GroupKind::Bias;
  throw Error(fmt::format("coordinate group kind must be 'weight' or 'bias', got '{}'", kind));
}

// A layout handed in from Python must tile [0, dim) exactly: every optimizer indexes the flat
// vector by these offsets, and only PSD checks the tiling itself.
ParamLayout make_layout(std::vector<CoordinateGroup> groups, Index dim) {
  std::vector<const CoordinateGroup*> order;
  for (const auto& g : groups) {
    if (g.rows < 0 || g.cols < 0 || g.offset < 0)
      throw Error(fmt::format("coordinate group '{}': rows, cols and offset must be >= 0", g.name));
    order.push_back(&g);
  }
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  Index next = 0;
  for (const auto* g : order) {
    if (g->offset != next)
      throw Error(fmt::format("coordinate group '{}' starts at {}, expected {} (groups must tile the parameters "
                              "without gaps or overlaps)",
                              g->name, g->offset, next));
    next += g->size();
  }
  if (dim >= 0 && next != dim)
    throw Error(fmt::format("the coordinate groups cover {} coordinates, the layout has dim {}", next, dim));
  ParamLayout l;
  l.dim = next;
  l.groups = std::move(groups);
  return l;
}
}  // namespace

void bind_layout(py::module_& m) {
  py::class_<CoordinateGroup>(m, "CoordinateGroup",
                              "One weight matrix or bias vector of the flat parameter vector: coordinates "
                              "[offset, offset + rows * cols). Weight: rows = fan-out, cols = fan-in; bias: "
                              "rows = length, cols = 1.")
      .def(py::init([](std::string name, const std::string& kind, int layer, bool output_layer, Index rows, Index cols,
                       Index offset) {
             return CoordinateGroup{std::move(name), parse_kind(kind), layer, output_layer, rows, cols, offset};
           }),
           py::arg("name"), py::arg("kind"), py::arg("layer"), py::arg("output_layer"), py::arg("rows"),
           py::arg("cols") = 1, py::arg("offset") = 0)
      .def_readwrite("name", &CoordinateGroup::name)
      .def_property(
          "kind", [](const CoordinateGroup& g) { return std::string(to_string(g.kind)); },
          [](CoordinateGroup& g, const std::string& k) { g.kind = parse_kind(k); })
      .def_readwrite("layer", &CoordinateGroup::layer)
      .def_readwrite("output_layer", &CoordinateGroup::output_layer)
      .def_readwrite("rows", &CoordinateGroup::rows)
      .def_readwrite("cols", &CoordinateGroup::cols)
      .def_readwrite("offset", &CoordinateGroup::offset)
      .def_property_readonly("size", &CoordinateGroup::size)
      .def("__repr__", [](const CoordinateGroup& g) {
        return fmt::format("CoordinateGroup('{}', kind='{}', layer={}, output_layer={}, rows={}, cols={}, offset={})",
                           g.name, to_string(g.kind), g.layer, g.output_layer ? "True" : "False", g.rows, g.cols,
                           g.offset);
      });

  py::class_<ParamLayout>(m, "ParamLayout", "A flat parameter vector cut into coordinate groups.")
      .def(py::init(&make_layout), py::arg("groups"), py::arg("dim") = -1,
           "Groups must tile [0, dim) exactly; dim defaults to their total size.")
      .def_static("single", &ParamLayout::single, py::arg("dim"), py::arg("name") = "x",
                  "One group over every coordinate (a plain objective).")
      .def_readonly("dim", &ParamLayout::dim)
      .def_readonly("groups", &ParamLayout::groups)
      .def("__repr__", [](const ParamLayout& l) {
        return fmt::format("ParamLayout(dim={}, groups={})", l.dim, l.groups.size());
      });
}
}  // namespace l2o::python
