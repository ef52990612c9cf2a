#include "mac/setup.h"

namespace cimchar::mac {

Model SetUpModel(const ModelRequest& request) {
  calib::Sources sources;
  if (!request.lut_dir.empty()) {
    sources = calib::SourcesInFolder(request.lut_dir);
  }
  const calib::Sources& f = request.files;
  sources.apath = f.apath.empty() ? sources.apath : f.apath;
  sources.adc = f.adc.empty() ? sources.adc : f.adc;
  sources.adder_tree = f.adder_tree.empty() ? sources.adder_tree : f.adder_tree;
  sources.digital = f.digital.empty() ? sources.digital : f.digital;
  sources.dac = f.dac.empty() ? sources.dac : f.dac;
  Model model{.macro = calib::ReadMacro(sources, request.macro), .shape = {}};
  static_cast<calib::Geometry&>(model.shape) = model.macro.geometry;
  model.shape.activation_bits = request.activation_bits;
  model.shape.weight_bits = request.weight_bits;
  model.shape.signed_weights = request.signed_weights;
  ValidateShape(model.shape);
  return model;
}

}  // namespace cimchar::mac
