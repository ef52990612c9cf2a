#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "network/image_set.h"
#include "network/layer_data.h"

// A quantized CNN with integer-only inference, read from the HDF5 file formats "cimchar-qnet-1"
// (a chain of layers) and "cimchar-qnet-2" (the same with residual adds); tools/networks/README.md
// documents them, tools/networks/qnet.py writes them.
//
// Every layer is a dot product per output value: conv layers (stride, zero padding) over the
// previous layer's (C, H, W) map, linear layers over the flattened map. Integer arithmetic,
// exactly as the reference that made the file:
//   acc = sum_k w[k, m] a[k] + bias[m]                               (int64)
//   requant layers: y = clamp((acc * multiplier[m] + r * residual_multiplier[m] + 2^(shift[m]-1))
//                             >> shift[m], 0, 2^a - 1)
//     r: for a layer with a residual, the output map of an earlier layer at the same channel and
//     at pixel (y * residual_stride, x * residual_stride); 0 for channels beyond that map's, and
//     for every layer without a residual;
//   then an optional max-pool (pool x pool, stride pool) on the requantized map;
//   the logits layer: prediction = the first m with the largest acc.

namespace cimchar::network {

// The reference's requantization of an accumulator `acc` (bias included), plus a residual input
// `r` weighted by `residual_multiplier` (both 0 without one), to an unsigned `activation_bits`
// code: clamp((acc * multiplier + r * residual_multiplier + 2^(shift-1)) >> shift, 0,
// 2^bits - 1), one rounding, an arithmetic shift, no rounding term when shift = 0.
// Failures: none. Thread-safety: pure.
inline std::int32_t Requantize(std::int64_t acc,
                               std::int64_t multiplier,
                               std::int64_t shift,
                               int activation_bits,
                               std::int64_t r = 0,
                               std::int64_t residual_multiplier = 0) {
  std::int64_t y = acc * multiplier + r * residual_multiplier;
  y = shift > 0 ? (y + (std::int64_t{1} << (shift - 1))) >> shift : y;
  const std::int64_t top = (std::int64_t{1} << activation_bits) - 1;
  return static_cast<std::int32_t>(y < 0 ? 0 : (y > top ? top : y));
}

// Requantize for every accumulator of `acc` (count x channels, row-major: the channel varies
// fastest) with its channel's multiplier and shift, into `out` (same size). Failures:
// UsageError for sizes that disagree, a bits value outside 1..31, a shift outside 0..62, a
// negative multiplier, or a product acc x multiplier beyond 62 bits (naming the channel, the
// position and the values). Thread-safety: pure.
void RequantizeChannels(std::span<const std::int64_t> acc,
                        std::span<const std::int64_t> multiplier,
                        std::span<const std::int64_t> shift,
                        int activation_bits,
                        std::span<std::int32_t> out);

enum class LayerKind { kConv, kLinear };

struct QuantLayer {
  std::string name;  // "layer0", ...
  LayerKind kind = LayerKind::kConv;
  ConvGeometry geometry;  // input map and kernel; linear layers: 1x1 kernel over a 1x1 map of
                          // `length` channels
  int outputs = 0;
  bool logits = false;  // the final layer: no requantization, argmax
  int pool = 1;         // max-pool after requantization (1 = none)
  // The real value of one output code (the logits layer: of one unit of acc + bias), from the
  // file's attribute output_scale; 0 when the file states none. Integer inference never uses it.
  double output_scale = 0.0;
  int activation_bits = 8;
  int weight_bits = 8;
  bool signed_weights = true;
  std::vector<std::int32_t> weights;  // Length() x outputs, row-major (mac::MacArray's layout)
  std::vector<std::int64_t> bias;     // outputs
  std::vector<std::int64_t> multiplier;
  std::vector<std::int64_t> shift;
  // The residual: the output map (after its pool) of layer `residual` (an earlier layer; -1:
  // none), sampled every `residual_stride` pixels, added before requantization with
  // residual_multiplier (outputs values, sharing `shift`).
  int residual = -1;
  int residual_stride = 1;
  std::vector<std::int64_t> residual_multiplier;

  int Length() const { return geometry.Length(); }
  // Output map size before pooling (conv) or 1x1 (linear).
  int OutHeight() const { return kind == LayerKind::kConv ? geometry.OutHeight() : 1; }
  int OutWidth() const { return kind == LayerKind::kConv ? geometry.OutWidth() : 1; }
  // The output map after pooling: the next layer's input and what a residual adds.
  int MapHeight() const { return OutHeight() / pool; }
  int MapWidth() const { return OutWidth() / pool; }
  // Dot products per image.
  std::int64_t Positions() const { return static_cast<std::int64_t>(OutHeight()) * OutWidth(); }

  // The requantized value of channel m for accumulator `acc` (bias included) and the residual
  // input `r` (0 without one).
  std::int32_t Requantize(int m, std::int64_t acc, std::int32_t r = 0) const {
    const auto c = static_cast<std::size_t>(m);
    return network::Requantize(acc, multiplier[c], shift[c], activation_bits, r,
                               r != 0 ? residual_multiplier[c] : 0);
  }
};

struct QuantizedNetwork {
  std::string path;
  std::string name;
  int input_channels = 1;
  int input_height = 0;
  int input_width = 0;
  int classes = 0;
  std::vector<QuantLayer> layers;
  // What the file says about itself.
  std::int64_t calibration_first = 0;  // the calibration split: train[first, first + count)
  std::int64_t calibration_count = 0;
  std::int64_t reference_test_correct = 0;  // integer reference on the whole test set
  std::int64_t reference_test_images = 0;
  double float_test_accuracy = 0.0;
  std::vector<std::uint8_t> reference_predictions;  // integer reference, per test image
  std::string provenance;                           // torch version, seed, command, one line each

  std::int64_t MacsPerImage() const;
};

// Reads a network file. Failures: UsageError naming the file and the object for a wrong format
// tag, a missing or malformed layer (shape, count, multiplier/shift out of range), layers whose
// sizes do not chain, weights beyond their stated width, or a residual that names no earlier
// layer or whose map does not fit the layer's output. Ownership: returns a value.
// Thread-safety: pure.
QuantizedNetwork ReadNetwork(const std::filesystem::path& path);

// One image on its way through the network, layer by layer: the map the next layer reads and the
// outputs later layers add as residuals. The integer reference and the inference on the macro
// both drive it, so they share one requantization. Ownership: keeps a reference to the network,
// which must outlive it. Thread-safety: one object per thread.
class FeatureMaps {
 public:
  explicit FeatureMaps(const QuantizedNetwork& net);
  // Starts an image (C H W bytes); the next layer is layer 0.
  void Start(const std::uint8_t* image);
  // The input vectors of the next layer (Positions() x Length(), row-major) into `patches`.
  void Patches(std::vector<std::int32_t>& patches) const;
  // The next layer's accumulators, bias included (Positions() x outputs, position-major; not for
  // the logits layer): requantized with its residual, pooled, and made the input of the layer
  // after it. Failures: none (the network was checked when read).
  void Advance(std::span<const std::int64_t> acc);
  // The index of the next layer.
  std::size_t Next() const { return next_; }

 private:
  const QuantizedNetwork* net_;
  std::size_t next_ = 0;
  std::vector<std::int32_t> map_;  // the next layer's input, (C, H, W)
  std::vector<std::int32_t> out_;
  std::vector<bool> added_;                      // per layer: a later layer adds its output
  std::vector<std::vector<std::int32_t>> kept_;  // those outputs, (C, H, W) after pooling
};

// The integer reference's accumulators of layer `l` (bias included) for its input vectors
// `patches` (Positions() x Length(), row-major), into `acc` (Positions() x outputs,
// position-major). Failures: none for a valid network and patches of that size.
// Thread-safety: pure.
void ReferenceAccumulators(const QuantLayer& l,
                           std::span<const std::int32_t> patches,
                           std::vector<std::int64_t>& acc);

// The integer reference for one image (C H W bytes): the predicted class. When `layer_inputs`
// is non-null it receives, per layer, the input vectors of that layer (Positions() x Length(),
// row-major) — the exact activations a calibration uses. Failures: none for a valid network.
// Thread-safety: pure.
int ReferencePredict(const QuantizedNetwork& net,
                     const std::uint8_t* image,
                     std::vector<std::vector<std::int32_t>>* layer_inputs = nullptr);

// Max-pool of a (C, H, W) map, window and stride `pool`; H and W become H / pool, W / pool.
// Failures: none. Thread-safety: pure.
void MaxPool(std::vector<std::int32_t>& map, int channels, int& height, int& width, int pool);

}  // namespace cimchar::network
