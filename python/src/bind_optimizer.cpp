// l2o.Optimizer and the optimizer factory of `l2o train` (bench/optimizer_factory.hpp): building
// any of the nine optimizers by name, the tuned defaults of configs/tuned.json and the shipped
// policies, resolved by the same C++ code as the tool's.
#include <fmt/core.h>
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "bound_optimizer.hpp"
#include "json_convert.hpp"
#include "l2o/bench/optimizer_factory.hpp"
#include "l2o/core/data_paths.hpp"
#include "l2o/core/error.hpp"
#include "l2o/core/precision.hpp"

namespace py = pybind11;

namespace l2o::python {
namespace {

BoundOptimizer make_bound(const std::string& name, const py::object& hyper, const py::object& policy,
                          const py::object& precision) {
  OptimizerSpec spec;
  spec.name = name;
  if (!precision.is_none()) {
    if (!is_learned_optimizer(name))
      throw Error(fmt::format("optimizer {}: only the learned optimizers (psd, l2l) take a precision", name));
    spec.precision = parse_precision(py::str(precision).cast<std::string>(), fmt::format("optimizer {}: precision", name));
  }
  if (!hyper.is_none()) {
    spec.hyper = from_python(hyper, fmt::format("optimizer {}: hyper-parameters", name));
    if (!spec.hyper.is_object()) throw Error(fmt::format("optimizer {}: hyper-parameters must be a dict", name));
    if (!spec.hyper.empty() && is_learned_optimizer(name))
      throw Error(fmt::format("optimizer {}: a learned optimizer takes no hyper-parameters (its policy file is all "
                              "there is)",
                              name));
  }
  if (!policy.is_none()) {
    if (!is_learned_optimizer(name))
      throw Error(fmt::format("optimizer {}: only the learned optimizers (psd, l2l) read a policy file", name));
    spec.policy_file = py::str(policy).cast<std::string>();  // str or os.PathLike
  }
  const std::string file = is_learned_optimizer(name)
                               ? (spec.policy_file.empty() ? shipped_policy_path(name) : spec.policy_file)
                               : std::string();
  return BoundOptimizer(make_optimizer(spec), file);
}

// A view whose lifetime is tied to the optimizer object (pybind11's reference_internal).
template <Vec& (BoundOptimizer::*Member)()>
Eigen::Ref<Vec> buffer(BoundOptimizer& o) {
  return (o.*Member)();
}
}  // namespace

void bind_optimizer(py::module_& m) {
  register_learned_optimizers();  // psd, psd-small and l2l by name, like the tool
  py::class_<BoundOptimizer>(m, "Optimizer", R"doc(
Any l2o optimizer (the seven hand-designed ones, psd, l2l) on one flat float64 vector.

    opt = l2o.Optimizer("adam", {"lr": 1e-3})       # or l2o.Optimizer("psd") for the shipped policy
    opt.init(layout)                                # l2o.ParamLayout
    delta = opt.step(x, grad, loss=loss)            # the caller applies x += delta

`x`, `grad` and `delta` are also in-place buffers (numpy views of the optimizer's own memory):
write into opt.x / opt.grad and call opt.step_buffers(loss) to step without any copy.)doc")
      .def(py::init(&make_bound), py::arg("name"), py::arg("hyper") = py::none(), py::arg("policy") = py::none(),
           py::arg("precision") = py::none(),
           "Hand-designed: missing hyper-parameters take the C++ defaults (not the tuned values; see "
           "l2o.tuned_hyper). Learned: `policy` is a policy file, default the shipped one; `precision` the "
           "arithmetic of its LSTM, 'float32' (default), 'float64' or 'bf16x3' (docs/psd.md).")
      .def_property_readonly("name", &BoundOptimizer::name)
      .def_property_readonly("hyperparams", [](const BoundOptimizer& o) { return to_python(o.hyperparams()); })
      .def_property_readonly("policy_file", &BoundOptimizer::policy_file)
      .def_property("batch_size", &BoundOptimizer::batch_size, &BoundOptimizer::set_batch_size,
                    "Examples in the minibatch behind the gradients (0: not known); batch-aware PSD policies "
                    "take smaller steps below their reference batch (docs/psd.md).")
      .def("init", &BoundOptimizer::init, py::arg("layout"))
      .def_property_readonly("initialised", &BoundOptimizer::initialised)
      .def_property_readonly("layout", &BoundOptimizer::layout)
      .def_property_readonly("x", &buffer<&BoundOptimizer::x>, py::return_value_policy::reference_internal,
                             "The parameter buffer (float64 numpy view; step_buffers(apply=True) adds delta).")
      .def_property_readonly("grad", &buffer<&BoundOptimizer::grad>, py::return_value_policy::reference_internal,
                             "The gradient buffer (float64 numpy view).")
      .def_property_readonly("delta", &buffer<&BoundOptimizer::delta>, py::return_value_policy::reference_internal,
                             "The last step (float64 numpy view, overwritten by the next step).")
      .def("step_buffers", &BoundOptimizer::step_buffers, py::arg("loss") = std::numeric_limits<double>::quiet_NaN(),
           py::arg("eval") = py::none(), py::arg("apply") = true,
           "delta <- step(x, loss, grad) on the buffers, then x += delta if apply. eval(x_trial, grad_out) -> loss "
           "serves CG's and L-BFGS's line searches (numpy views valid during the call).")
      .def("step", &BoundOptimizer::step, py::arg("x"), py::arg("grad"),
           py::arg("loss") = std::numeric_limits<double>::quiet_NaN(), py::arg("eval") = py::none(),
           "Returns delta (a new array); x and grad are copied into the buffers unless they are the buffers.")
      .def("first_nonfinite_x", &BoundOptimizer::first_nonfinite_x)
      .def("first_nonfinite_grad", &BoundOptimizer::first_nonfinite_grad)
      .def(
          "set_hyper",
          [](BoundOptimizer& o, const py::object& hyper) { o.set_hyper(from_python(hyper, "set_hyper")); },
          py::arg("hyper"), "New hyper-parameters for a hand-designed optimizer, keeping its state.")
      .def("save_state", &BoundOptimizer::save_state, "The optimizer's state as JSON text (restores exactly).")
      .def("load_state", &BoundOptimizer::load_state, py::arg("state"));

  m.def("hand_designed_names", &hand_designed_names);
  m.def("learned_optimizer_names", &learned_optimizer_names);
  m.def(
      "default_hyper", [](const std::string& name) { return to_python(default_hyper(name)); }, py::arg("name"),
      "The C++ defaults of a hand-designed optimizer's hyper-parameters (docs/optimizers.md).");
  m.def(
      "tuned_hyper", [](const std::string& name, const std::string& path) { return to_python(tuned_hyper(name, path)); },
      py::arg("name"), py::arg("path") = "",
      "The tuned hyper-parameters `l2o train --optimizer NAME` uses: from `path`, else $L2O_TUNED, else "
      "./configs/tuned.json, else configs/tuned.json of $L2O_HOME, of the package or of the install prefix "
      "(l2o.data_search).");
  m.def("resolve_tuned_path", &resolve_tuned_path, py::arg("flag_value") = "");
  m.def("shipped_policy_path", &shipped_policy_path, py::arg("name"),
        "The shipped policy of a learned optimizer: ./policies/<file> in the current directory, else in "
        "$L2O_HOME, the package or the install prefix (l2o.data_search).");
  m.def(
      "data_search", [] { return describe_data_search(); },
      "Where the shipped policies and tuned values are looked for, in order (core/data_paths.hpp).");
  m.attr("source_dir") = L2O_SOURCE_DIR;  // the checkout's data/ for l2o.suite; never for policies or tuned values
}
}  // namespace l2o::python
