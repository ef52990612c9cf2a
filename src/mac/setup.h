#pragma once

// The one way the tools build a model: the characterized macro read once from the tables (or the
// analytic placeholder) and the shape the model simulates, its geometry taken from the macro.

#include <filesystem>

#include "calib/macro.h"
#include "calib/read.h"
#include "mac/options.h"

namespace cimchar::mac {

// What a command asks for: a results folder and/or single files (a file given overrides the
// folder's), the macro request (operating point, geometry checks, analytic window) and the
// operands.
struct ModelRequest {
  std::filesystem::path lut_dir;
  calib::Sources files;
  calib::Request macro;
  int activation_bits = 8;
  int weight_bits = 8;
  bool signed_weights = false;
};

struct Model {
  calib::Macro macro;
  MacShape shape;  // the macro's geometry and the requested operands
};

// Reads the macro (calib::ReadMacro) and shapes the model. Failures: as calib::ReadMacro and
// calib::SourcesInFolder; UsageError for invalid operand widths. Thread-safety: pure.
Model SetUpModel(const ModelRequest& request);

}  // namespace cimchar::mac
