// l2o._native: the C++ of l2o for Python. The package l2o (python/l2o/__init__.py) re-exports it;
// l2o.torch builds torch.optim optimizers on l2o.Optimizer.
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "l2o/core/error.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_native, m) {
  m.doc() = "l2o: learned and hand-designed optimizers (Li & Malik 2017) in C++";
  // l2o::Error reports bad input (a value, a file, a name): a ValueError to Python, with the C++
  // message, which names what is wrong.
  static py::exception<l2o::Error> error(m, "Error", PyExc_ValueError);
  static py::exception<l2o::DivergenceError> divergence(m, "DivergenceError", error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const l2o::DivergenceError& e) {
      divergence(e.what());
    } catch (const l2o::Error& e) {
      error(e.what());
    }
  });
  l2o::python::bind_layout(m);
  l2o::python::bind_optimizer(m);
  l2o::python::bind_task(m);
  l2o::python::bind_bench(m);
  l2o::python::bind_psd_small(m);
  l2o::python::bind_paths(m);
}
