#include "mac/setup.h"

namespace cimchar::mac {

Model SetUpModel(const ModelRequest& request) {
  calib::Sources sources;
  if (!request.lut_dir.empty()) {
    sources = calib::SourcesInFolder(request.lut_dir);
  }
  sources.Override(request.files);
  Model model{.macro = calib::ReadMacro(sources, request.macro), .shape = {}};
  static_cast<calib::Geometry&>(model.shape) = model.macro.geometry;
  model.shape.activation_bits = request.activation_bits;
  model.shape.weight_bits = request.weight_bits;
  model.shape.signed_weights = request.signed_weights;
  ValidateShape(model.shape);
  return model;
}

}  // namespace cimchar::mac
