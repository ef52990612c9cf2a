#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "calib/macro.h"
#include "mac/energy.h"
#include "mac/mac_model.h"
#include "mac/options.h"
#include "network/image_set.h"
#include "network/quantized_network.h"

// Inference of a quantized network on the behavioral macro: every conv/linear layer is tiled
// over arrays of `shape.rows` rows and `shape.columns` columns (mac::MacArray), each output
// value is the model's dot product (digital accumulation across row tiles), rounded to an
// integer accumulator and requantized exactly as the integer reference does. In DCIM every
// order is digital and exact, so DCIM reproduces the reference bit for bit.

namespace cimchar::network {

// The network programmed into simulated macros: one array per layer, each a distinct chip
// instance (static errors from StreamSeed(chip_seed, layer)).
class MacNetwork {
 public:
  // `shape` gives the macro's geometry (rows, columns, ADC, analog window, ...: the
  // characterized macro's); each layer's operand widths and signedness come from the network.
  // Failures: UsageError from mac::MacArray (a macro that does not fit the shape). Ownership: keeps
  // a reference to `net`, which must outlive this object. Thread-safety: immutable after
  // construction.
  MacNetwork(const QuantizedNetwork& net,
             const mac::MacShape& shape,
             const calib::Macro& macro,
             std::uint64_t chip_seed);

  // Fits every layer's per-column readout values (mac::MacArray::FitReadout) on that layer's
  // input vectors `layer_inputs[layer]` at `boundaries`; a readout with shared values (the SAR)
  // is left as it is. Failures: UsageError for a layer count that differs, or as FitReadout
  // (naming the layer). Thread-safety: not const.
  void FitReadout(const std::vector<std::vector<std::int32_t>>& layer_inputs,
                  std::span<const int> boundaries);

  const QuantizedNetwork& Network() const { return *net_; }
  std::size_t Layers() const { return arrays_.size(); }
  const mac::MacArray& Array(std::size_t layer) const { return arrays_[layer]; }
  // The macro shape of `layer` (the base shape with that layer's operand widths).
  const mac::MacShape& Shape(std::size_t layer) const { return arrays_[layer].Shape(); }

 private:
  const QuantizedNetwork* net_;
  std::vector<mac::MacArray> arrays_;
};

// One configuration of the whole network: the run options of every layer (mode, B_D/A, OSE
// candidates, thresholds and N/Q full scale, error switches).
struct NetworkConfig {
  std::string name;                     // "DCIM", "HCIM B=8", "OSA-HCIM f=0.5"
  std::vector<mac::RunOptions> layers;  // one per layer
};

// The same options on every layer. Failures: none. Thread-safety: pure.
NetworkConfig UniformConfig(const std::string& name,
                            const mac::RunOptions& options,
                            std::size_t layers);

struct InferenceOptions {
  std::uint64_t seed = 1;  // per-conversion noise: image n, layer l draws stream (seed, n, l)
  int threads = 1;         // any count gives identical results
  bool progress = false;   // a progress bar on stderr
  bool count = true;       // count the macro's actions (energy); false: accuracy only, faster
};

struct InferenceResult {
  std::int64_t images = 0;
  std::int64_t correct = 0;
  std::vector<std::uint8_t> predictions;        // per image
  std::vector<mac::ActionCounts> layer_counts;  // per layer
  std::vector<mac::EnergyBreakdown> layer_energy;
  mac::ActionCounts counts;     // all layers
  mac::EnergyBreakdown energy;  // all layers, priced per layer's shape
  double Accuracy() const {
    return images > 0 ? static_cast<double>(correct) / static_cast<double>(images) : 0.0;
  }
};

// Classifies every image of `images` through the macros configured by `config`.
// Failures: UsageError when config.layers.size() differs from the layer count or a layer's
// options are invalid (from mac::ValidateRunOptions, naming the layer), or an image size that
// differs from the network input. Ownership: returns a value. Thread-safety: reentrant.
InferenceResult RunNetwork(const MacNetwork& net,
                           const NetworkConfig& config,
                           const ImageSet& images,
                           const InferenceOptions& options);

// The B_D/A of every array pass of layer `layer` for one image: per output position (row-major)
// and column tile, the boundary of row tile 0 — positions x column tiles values. The layers
// before it run through the macros as in RunNetwork (image index `image_index` for the noise).
// Failures: as RunNetwork. Thread-safety: reentrant.
std::vector<int> BoundaryMap(const MacNetwork& net,
                             const NetworkConfig& config,
                             const std::uint8_t* image,
                             std::int64_t image_index,
                             std::size_t layer,
                             const InferenceOptions& options);

// Every image of `images` through layers [0, stop) on the macros configured by `config` (the
// noise as RunNetwork: image n, layer l draws stream (options.seed, n, l)): per image, the
// feature maps ready for layer `stop` — the inputs that layer sees behind the earlier layers'
// configuration. Failures: as RunNetwork, and UsageError for stop beyond the last layer.
// Thread-safety: reentrant; uses options.threads threads.
std::vector<FeatureMaps> RunLayersBefore(const MacNetwork& net,
                                         const NetworkConfig& config,
                                         const ImageSet& images,
                                         std::size_t stop,
                                         const InferenceOptions& options);

// The integer reference's class for every image of `images`. Failures: UsageError for an image
// size that differs from the network input. Thread-safety: reentrant; uses `threads` threads.
std::vector<std::uint8_t> ReferencePredictions(const QuantizedNetwork& net,
                                               const ImageSet& images,
                                               int threads);

// The exact input vectors of every layer for `images` (integer reference): of the Count() x
// Positions() vectors of a layer, at most `max_vectors` drawn without replacement with `seed`
// (all of them when there are fewer), in image and position order; each Length() values. Used
// to calibrate on real activations. Failures: UsageError for an image size that differs from
// the network input or max_vectors < 1. Thread-safety: reentrant; uses `threads` threads; the
// result does not depend on their number.
std::vector<std::vector<std::int32_t>> ReferenceLayerInputs(const QuantizedNetwork& net,
                                                            const ImageSet& images,
                                                            std::int64_t max_vectors,
                                                            std::uint64_t seed,
                                                            int threads);

}  // namespace cimchar::network
