#pragma once
// The parts of the Python module l2o._native, one function per source file (module.cpp calls
// them in order). Each binds existing C++ API; no numerics live here.
#include <pybind11/pybind11.h>

namespace l2o::python {
void bind_layout(pybind11::module_& m);     // bind_layout.cpp: CoordinateGroup, ParamLayout
void bind_optimizer(pybind11::module_& m);  // bind_optimizer.cpp: Optimizer, factory, tuned values
void bind_task(pybind11::module_& m);       // bind_task.cpp: data sets, projection, MlpTask, train
void bind_bench(pybind11::module_& m);      // bind_bench.cpp: one benchmark panel, l2o bench
void bind_psd_small(pybind11::module_& m);  // bind_psd_small.cpp: psd-small's step on torch's memory
void bind_paths(pybind11::module_& m);      // bind_paths.cpp: the shipped files, without the working directory
}  // namespace l2o::python
