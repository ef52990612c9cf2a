#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "network/tensor.h"

// One layer's operands from files, for `cimchar snr|compare|thresholds --layer ...`: the input
// vectors (activations) and the weights a designer exports from a framework.
//
// Layouts (shapes in NumPy/PyTorch order, row-major):
//   weights      (M, K)           a linear layer: M outputs, K inputs (PyTorch Linear.weight)
//                (M, C, kh, kw)   a convolution (PyTorch Conv2d.weight); K = C kh kw
//   activations  (N, K)           N input vectors (im2col patches for a convolution, ordered
//                                 (c, y, x) like weight.reshape(M, -1))
//                (N, C, H, W)     N feature maps of a convolution: cut into patches here with
//                                 the layer's stride and zero padding (N Ho Wo vectors)
// Values are integer codes: activations unsigned 0..2^a-1, weights -2^(w-1)..2^(w-1)-1 when
// signed, else 0..2^w-1.
//
// Files: NumPy .npy (one array each, any integer dtype), or one HDF5 file holding the datasets
// /activations and /weights (any integer type) with optional root attributes activation_bits,
// weight_bits, signed_weights (0/1), stride and padding; those attributes state the layer's
// format and must agree with the options.

namespace cimchar::network {

// How to read a layer: the files, and what the command line says about the format (unset: from
// the HDF5 attributes, else the defaults).
struct LayerSource {
  std::filesystem::path activations;  // .npy or .h5 (an .h5 holds both arrays)
  std::filesystem::path weights;      // .npy or .h5; empty: the activations' .h5
  std::optional<int> activation_bits;
  std::optional<int> weight_bits;
  std::optional<bool> signed_weights;
  std::optional<int> stride;   // convolutions with feature-map activations
  std::optional<int> padding;  // zero padding on each side
};

// The defaults when neither the options nor the file state a format.
inline constexpr int kDefaultLayerBits = 8;
inline constexpr bool kDefaultSignedWeights = true;  // frameworks export two's complement

// A layer ready for mac::MacArray and mac::DataInputs.
struct LayerData {
  int length = 0;                                           // K: the dot-product length
  int outputs = 0;                                          // M
  std::int64_t vectors = 0;                                 // N (N Ho Wo for feature maps)
  std::shared_ptr<const std::vector<std::int32_t>> inputs;  // vectors x length, row-major
  std::vector<std::int32_t> weights;  // length x outputs, row-major (MacArray's layout)
  int activation_bits = kDefaultLayerBits;
  int weight_bits = kDefaultLayerBits;
  bool signed_weights = kDefaultSignedWeights;
  std::string description;  // what was read, for the command's report
};

// The format of a layer's codes, resolved from the options, the file's attributes and the
// defaults.
struct LayerFormat {
  int activation_bits = kDefaultLayerBits;
  int weight_bits = kDefaultLayerBits;
  bool signed_weights = kDefaultSignedWeights;
  int stride = 1;   // convolutions with feature-map activations
  int padding = 0;  // zero padding on each side
};

// Bits 1..8, stride >= 1, padding >= 0. Failures: UsageError naming the values.
// Thread-safety: pure.
void ValidateFormat(const LayerFormat& format);

// A layer's weights checked against its format: the (M, K) or (M, C, kh, kw) array as given
// (its shape and source, which the activations are checked against) and the weights in
// MacArray's layout.
struct LayerWeights {
  std::vector<std::int64_t> shape;
  std::string source;
  int length = 0;                     // K
  int outputs = 0;                    // M
  std::vector<std::int32_t> weights;  // length x outputs, row-major
};

// The weights' layout and range checks of LoadLayer. Failures: UsageError naming the source for
// a shape other than (M, K) or (M, C, kh, kw), an empty or too large one, or a weight beyond the
// format's width (naming its index and value). Ownership: returns a value. Thread-safety: pure.
LayerWeights MakeWeights(const IntTensor& weights, const LayerFormat& format);

// A layer from its arrays, however they were obtained (files, or arrays handed over from
// Python): the layouts above and every check LoadLayer makes, with the arrays' `source` in the
// messages. Failures: UsageError as LoadLayer's, and for a layer too large to hold (more than
// kMaxLayerValues input values, naming the sizes) before it is allocated. Ownership: returns a
// value. Thread-safety: pure.
LayerData MakeLayer(const IntTensor& activations,
                    const LayerWeights& weights,
                    const LayerFormat& format);
LayerData MakeLayer(const IntTensor& activations,
                    const IntTensor& weights,
                    const LayerFormat& format);

// The most input values (vectors x K, after cutting feature maps into patches) a layer holds:
// 2^31, 8 GiB of codes.
inline constexpr std::int64_t kMaxLayerValues = std::int64_t{1} << 31;

// Reads and checks a layer (MakeLayer on the files' arrays). Failures: UsageError naming the file
// (and dataset) for an unreadable or non-integer array, a shape that is not one of the layouts
// above or does not match the other array (naming both shapes), an activation or weight beyond the
// stated width (naming its index and value and the option that states the width), or options that
// contradict the file's attributes. Ownership: returns a value. Thread-safety: pure.
LayerData LoadLayer(const LayerSource& source);

// Vectors [first, first + count) of `layer` (same weights and format), e.g. a calibration and a
// test split of one file. Failures: UsageError for a range outside the layer's vectors.
// Thread-safety: pure.
LayerData SliceVectors(const LayerData& layer, std::int64_t first, std::int64_t count);

// Writes `layer` as one HDF5 layer file (the format LoadLayer reads: /activations (N, K) uint8
// or wider, /weights (M, K) int8 or wider, and the attributes). Failures: Error naming the path.
// Thread-safety: one writer per path.
void WriteLayerHdf5(const std::filesystem::path& path, const LayerData& layer);

// Writes `layer` as two .npy files, <prefix>_activations.npy (N, K) and <prefix>_weights.npy
// (M, K). Failures: Error naming the path. Thread-safety: one writer per path.
void WriteLayerNpy(const std::filesystem::path& prefix, const LayerData& layer);

// Patches of a (C, H, W) feature map for a kh x kw convolution with `stride` and zero `padding`:
// out gets Ho Wo vectors of C kh kw values ordered (c, y, x), output pixels row-major.
// Failures: UsageError for a kernel larger than the padded map or stride < 1. Thread-safety: pure.
struct ConvGeometry {
  int channels = 1;
  int height = 1;
  int width = 1;
  int kernel_h = 1;
  int kernel_w = 1;
  int stride = 1;
  int padding = 0;
  int OutHeight() const { return (height + 2 * padding - kernel_h) / stride + 1; }
  int OutWidth() const { return (width + 2 * padding - kernel_w) / stride + 1; }
  int Length() const { return channels * kernel_h * kernel_w; }
};
void ValidateGeometry(const ConvGeometry& g);
// `map` holds C H W values; `out` is resized to Ho Wo Length() values. Failures: none (the
// geometry is assumed valid). Thread-safety: pure.
void Im2col(const ConvGeometry& g, const std::int32_t* map, std::vector<std::int32_t>& out);

}  // namespace cimchar::network
