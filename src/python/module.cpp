// The Python module cimchar._cimchar: the libraries' values and functions, nothing of its own.
// cimchar::Error and cimchar::UsageError become the Python exceptions cimchar.Error and
// cimchar.UsageError with the same messages.
#include <pybind11/pybind11.h>

#include "core/build_info.h"
#include "core/error.h"
#include "mac/evaluate.h"
#include "mac/thresholds.h"
#include "python/bindings.h"

PYBIND11_MODULE(_cimchar, m) {
  namespace py = pybind11;
  m.doc() = "cimchar's libraries: the characterized macro, the MAC model, layer data";
  // Translators run newest first: the derived UsageError is registered after Error.
  const auto& error = py::register_exception<cimchar::Error>(m, "Error", PyExc_RuntimeError);
  py::register_exception<cimchar::UsageError>(m, "UsageError", error.ptr());
  m.attr("__version__") = cimchar::core::kVersion;
  m.attr("commit") = cimchar::core::kGitCommit;
  // The commands' defaults the package's functions share (mac/evaluate.h, mac/thresholds.h).
  m.attr("FIGURE_CHIPS") = cimchar::mac::kFigureChips;
  m.attr("FIGURE_SAMPLES") = cimchar::mac::kFigureSamples;
  m.attr("CALIBRATION_SEED_OFFSET") = cimchar::mac::kCalibrationSeedOffset;
  // Whether the libraries were built optimized (NDEBUG), as the Release preset does; the
  // sanitizer preset builds them unoptimized and instrumented, about 30 times slower.
#ifdef NDEBUG
  m.attr("release_build") = true;
#else
  m.attr("release_build") = false;
#endif
  cimchar::python::BindMacro(m);
  cimchar::python::BindLayer(m);
  cimchar::python::BindModel(m);
}
