#pragma once

// Conversions between NumPy arrays and the libraries' values, shared by the binding files. No
// model logic: every check of the data is the libraries' (network::TensorFromMemory,
// network::MakeLayer).

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "network/tensor.h"

namespace cimchar::python {

namespace py = pybind11;

// `object` (a NumPy array, or anything numpy.asarray accepts) as an integer tensor named
// `source` in errors; the dtype and size checks are network::TensorFromMemory's.
inline network::IntTensor ToTensor(const py::handle& object, const std::string& source) {
  py::array array = py::array::ensure(object, py::array::c_style);
  if (!array) {
    throw py::type_error(source + ": expected a NumPy array of integer codes");
  }
  std::vector<std::int64_t> shape(array.shape(), array.shape() + array.ndim());
  const std::string descr = py::str(array.dtype().attr("str"));
  return network::TensorFromMemory(source, descr, shape, array.data(),
                                   static_cast<std::size_t>(array.nbytes()));
}

// A copy of `values` as a NumPy array of `shape`.
template <typename T>
py::array_t<T> ToArray(const std::vector<T>& values, const std::vector<py::ssize_t>& shape) {
  py::array_t<T> out(shape);
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

template <typename T>
py::array_t<T> ToArray(const std::vector<T>& values) {
  return ToArray(values, {static_cast<py::ssize_t>(values.size())});
}

}  // namespace cimchar::python
