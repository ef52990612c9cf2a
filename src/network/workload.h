#pragma once

#include <cstdint>
#include <optional>

#include "mac/evaluate.h"
#include "mac/setup.h"
#include "network/layer_data.h"

// What a model command (snr, compare, thresholds, the model plots) runs on, set up one way: a
// layer's own operands (network/layer_data.h) or random weights, the model with the layer's
// operand widths, and the chip instances its figures are expectations over.

namespace cimchar::network {

// The chip instances: `count` of them with chip seeds 1 .. count, or only the one with `seed`.
struct ChipRequest {
  int count = 10;
  std::optional<std::uint64_t> seed;
};

struct WorkloadRequest {
  mac::ModelRequest model;           // its operand widths are replaced by the layer's
  std::optional<LayerSource> layer;  // unset: random weights
  int length = 0;                    // dot-product length without a layer (0: the rows)
  ChipRequest chips;
};

struct Workload {
  mac::Model model;
  std::optional<LayerData> layer;
  int length = 0;   // the layer's, else the request's (0: one array's rows)
  int outputs = 0;  // the layer's, else the macro's columns
  // Random weights are drawn anew per instance (mac::Chips::Random); a layer's weights are
  // programmed into every instance, which then differ in their static errors only.
  mac::Chips chips;
};

// Loads the layer (when asked), builds the model (mac::SetUpModel) and the chips. Failures:
// UsageError as network::LoadLayer, mac::SetUpModel and mac::MacArray, and for fewer than one
// chip instance. Ownership: returns a value. Thread-safety: pure.
Workload SetUpWorkload(const WorkloadRequest& request);

// The layer's vectors as an input source (mac::DataInputs). Failures: none.
mac::InputGenerator LayerInputs(const LayerData& layer);

}  // namespace cimchar::network
