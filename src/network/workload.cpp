#include "network/workload.h"

#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace cimchar::network {

Workload SetUpWorkload(const WorkloadRequest& request) {
  mac::ModelRequest model_request = request.model;
  std::optional<LayerData> layer;
  if (request.layer) {
    layer = LoadLayer(*request.layer);
    model_request.activation_bits = layer->activation_bits;
    model_request.weight_bits = layer->weight_bits;
    model_request.signed_weights = layer->signed_weights;
  }
  mac::Model model = mac::SetUpModel(model_request);
  const mac::MacShape& shape = model.shape;
  const int length = layer ? layer->length : (request.length > 0 ? request.length : shape.rows);
  const int outputs = layer ? layer->outputs : shape.columns;
  const int count = request.chips.seed ? 1 : request.chips.count;
  const std::uint64_t first = request.chips.seed.value_or(1);
  mac::Chips chips = layer ? mac::Chips::Programmed(shape, model.macro, layer->weights, length,
                                                    outputs, count, first)
                           : mac::Chips::Random(shape, model.macro, length, outputs, count, first);
  return Workload{.model = std::move(model),
                  .layer = std::move(layer),
                  .length = length,
                  .outputs = outputs,
                  .chips = std::move(chips)};
}

mac::InputGenerator LayerInputs(const LayerData& layer) {
  return mac::DataInputs(layer.inputs, layer.length, layer.activation_bits);
}

}  // namespace cimchar::network
