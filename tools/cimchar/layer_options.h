#pragma once

// The layer-data options of snr, compare and thresholds: a designer's own layer (.npy or HDF5,
// network/layer_data.h) instead of random weights and synthetic inputs; and the workload every
// model command runs on.
#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "cimchar/calibration_options.h"
#include "mac/setup.h"
#include "network/layer_data.h"
#include "network/workload.h"

namespace cimchar::tool {

struct LayerArgs {
  std::string layer;        // one HDF5 file with /activations and /weights
  std::string activations;  // or two .npy files
  std::string weights;
  int stride = 1;
  int padding = 0;
};

inline boost::program_options::options_description LayerOptions(LayerArgs& a) {
  namespace po = boost::program_options;
  po::options_description d(
      "Layer data (a real layer instead of random weights and --inputs; see README 'Layer data')");
  d.add_options()("layer", po::value(&a.layer),
                  "HDF5 layer file: /activations (N,K) or (N,C,H,W), /weights (M,K) or "
                  "(M,C,kh,kw), integer codes; attributes activation_bits, weight_bits, "
                  "signed_weights, stride, padding")("activations", po::value(&a.activations),
                                                     "input vectors or feature maps, .npy")(
      "weights", po::value(&a.weights), "weights, .npy (PyTorch layout)")(
      "stride", po::value(&a.stride)->default_value(a.stride),
      "convolution stride (feature-map activations)")(
      "padding", po::value(&a.padding)->default_value(a.padding),
      "convolution zero padding (feature-map activations)");
  return d;
}

// The layer the options name, or nothing: its files, and the operand format the options state
// (--abits/--wbits when given, --signed), which the file's attributes must agree with.
// Failures: none (network::SetUpWorkload reads and checks the layer).
inline std::optional<network::LayerSource> LayerSourceOf(
    const LayerArgs& a,
    const boost::program_options::variables_map& vm,
    const mac::ModelRequest& request) {
  if (a.layer.empty() && a.activations.empty() && a.weights.empty()) {
    return std::nullopt;
  }
  network::LayerSource source;
  source.activations = a.layer.empty() ? a.activations : a.layer;
  source.weights = a.layer.empty() ? a.weights : a.layer;
  const auto given = [&](const char* name) {
    return vm.count(name) != 0U && !vm[name].defaulted();
  };
  if (given("abits")) {
    source.activation_bits = request.activation_bits;
  }
  if (given("wbits")) {
    source.weight_bits = request.weight_bits;
  }
  if (request.signed_weights) {
    source.signed_weights = true;
  }
  if (given("stride")) {
    source.stride = a.stride;
  }
  if (given("padding")) {
    source.padding = a.padding;
  }
  return source;
}

// What a model command runs on: the model the options ask for, the layer they name (or random
// weights) and the chips (network::SetUpWorkload). Failures: as network::SetUpWorkload.
inline network::Workload WorkloadOf(const boost::program_options::variables_map& vm,
                                    const MacroArgs& macro,
                                    const LayerArgs& layer,
                                    int length,
                                    const ChipArgs& chips) {
  return network::SetUpWorkload({.model = ModelRequestOf(vm, macro),
                                 .layer = LayerSourceOf(layer, vm, macro.request),
                                 .length = length,
                                 .chips = ChipsOf(vm, chips)});
}

}  // namespace cimchar::tool
