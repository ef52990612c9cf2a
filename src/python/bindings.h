#pragma once

// The parts of the Python module `cimchar._cimchar`, one per library they bind.
#include <pybind11/pybind11.h>

namespace cimchar::python {

namespace py = pybind11;

void BindMacro(py::module_& m);  // calib: the characterized macro (bind_macro.cpp)
void BindLayer(py::module_& m);  // network: layer data and quantized networks (bind_network.cpp)
void BindModel(py::module_& m);  // mac: arrays, runs, SNR, sweeps, comparison (bind_model.cpp)

}  // namespace cimchar::python
