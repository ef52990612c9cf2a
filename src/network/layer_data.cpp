#include "network/layer_data.h"

#include <algorithm>

#include "core/error.h"
#include "network/hdf5_data.h"

namespace cimchar::network {

namespace {

bool IsHdf5(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".h5" || ext == ".hdf5" || ext == ".hdf";
}

bool IsNpy(const std::filesystem::path& path) { return path.extension().string() == ".npy"; }

IntTensor ReadArray(const std::filesystem::path& path,
                    const std::string& dataset,
                    const Hdf5Data* h5) {
  if (h5 != nullptr) {
    return h5->ReadTensor(dataset);
  }
  if (!IsNpy(path)) {
    throw UsageError(path.string() + ": expected a .npy file or an HDF5 file (.h5) for the " +
                     dataset);
  }
  return ReadNpy(path);
}

// The format value: the option, else the file's attribute, else the default; both given and
// different is an error naming both.
template <typename T>
T Resolve(const std::optional<T>& option,
          const Hdf5Data* h5,
          const std::string& attr,
          const std::string& option_name,
          T fallback) {
  if (h5 != nullptr && h5->HasAttr("/", attr)) {
    const auto stored = static_cast<T>(h5->ReadInt("/", attr));
    if (option.has_value() && *option != stored) {
      throw UsageError(h5->Path() + ": the attribute " + attr + " = " +
                       std::to_string(static_cast<long long>(stored)) + " contradicts --" +
                       option_name + " " + std::to_string(static_cast<long long>(*option)) +
                       "; drop the option or fix the file");
    }
    return stored;
  }
  return option.value_or(fallback);
}

}  // namespace

void ValidateGeometry(const ConvGeometry& g) {
  if (g.channels < 1 || g.height < 1 || g.width < 1 || g.kernel_h < 1 || g.kernel_w < 1 ||
      g.stride < 1 || g.padding < 0) {
    throw UsageError(
        "convolution geometry: channels, size, kernel and stride must be >= 1 and "
        "padding >= 0 (got C " +
        std::to_string(g.channels) + ", " + std::to_string(g.height) + "x" +
        std::to_string(g.width) + ", kernel " + std::to_string(g.kernel_h) + "x" +
        std::to_string(g.kernel_w) + ", stride " + std::to_string(g.stride) + ", padding " +
        std::to_string(g.padding) + ")");
  }
  if (g.kernel_h > g.height + 2 * g.padding || g.kernel_w > g.width + 2 * g.padding) {
    throw UsageError("convolution geometry: kernel " + std::to_string(g.kernel_h) + "x" +
                     std::to_string(g.kernel_w) + " is larger than the padded map " +
                     std::to_string(g.height + 2 * g.padding) + "x" +
                     std::to_string(g.width + 2 * g.padding));
  }
}

void Im2col(const ConvGeometry& g, const std::int32_t* map, std::vector<std::int32_t>& out) {
  const int ho = g.OutHeight();
  const int wo = g.OutWidth();
  const auto length = static_cast<std::size_t>(g.Length());
  out.resize(static_cast<std::size_t>(ho) * static_cast<std::size_t>(wo) * length);
  std::int32_t* p = out.data();
  for (int oy = 0; oy < ho; ++oy) {
    for (int ox = 0; ox < wo; ++ox) {
      for (int c = 0; c < g.channels; ++c) {
        const std::int32_t* plane =
            map + static_cast<std::size_t>(c) * static_cast<std::size_t>(g.height) * g.width;
        for (int ky = 0; ky < g.kernel_h; ++ky) {
          const int y = oy * g.stride - g.padding + ky;
          for (int kx = 0; kx < g.kernel_w; ++kx) {
            const int x = ox * g.stride - g.padding + kx;
            *p++ = (y < 0 || y >= g.height || x < 0 || x >= g.width)
                       ? 0
                       : plane[static_cast<std::size_t>(y) * g.width + x];
          }
        }
      }
    }
  }
}

void ValidateFormat(const LayerFormat& f) {
  if (f.activation_bits < 1 || f.activation_bits > 8 || f.weight_bits < 1 || f.weight_bits > 8) {
    throw UsageError("layer format: activation bits " + std::to_string(f.activation_bits) +
                     " and weight bits " + std::to_string(f.weight_bits) + " must be 1..8");
  }
  if (f.stride < 1 || f.padding < 0) {
    throw UsageError("layer format: stride " + std::to_string(f.stride) + " must be >= 1 and " +
                     "padding " + std::to_string(f.padding) + " >= 0");
  }
}

LayerData LoadLayer(const LayerSource& source) {
  if (source.activations.empty()) {
    throw UsageError(
        "a layer needs its activations: --layer FILE.h5, or --activations A.npy "
        "with --weights W.npy");
  }
  const std::filesystem::path weights_path =
      source.weights.empty() ? source.activations : source.weights;
  std::optional<Hdf5Data> act_h5, w_h5;
  if (IsHdf5(source.activations)) {
    act_h5 = Hdf5Data::Open(source.activations);
  }
  if (IsHdf5(weights_path)) {
    w_h5 = weights_path == source.activations && act_h5 ? act_h5 : Hdf5Data::Open(weights_path);
  }
  if (!act_h5 && source.weights.empty()) {
    throw UsageError(source.activations.string() +
                     ": a .npy file holds one array; give the weights with --weights W.npy");
  }
  const Hdf5Data* attrs = act_h5 ? &*act_h5 : (w_h5 ? &*w_h5 : nullptr);
  LayerFormat format;
  format.activation_bits =
      Resolve<int>(source.activation_bits, attrs, "activation_bits", "abits", kDefaultLayerBits);
  format.weight_bits =
      Resolve<int>(source.weight_bits, attrs, "weight_bits", "wbits", kDefaultLayerBits);
  format.signed_weights = Resolve<bool>(source.signed_weights, attrs, "signed_weights", "signed",
                                        kDefaultSignedWeights);
  format.stride = Resolve<int>(source.stride, attrs, "stride", "stride", 1);
  format.padding = Resolve<int>(source.padding, attrs, "padding", "padding", 0);
  ValidateFormat(format);
  const IntTensor a = ReadArray(source.activations, "activations", act_h5 ? &*act_h5 : nullptr);
  const IntTensor w = ReadArray(weights_path, "weights", w_h5 ? &*w_h5 : nullptr);
  return MakeLayer(a, w, format);
}

LayerWeights MakeWeights(const IntTensor& w, const LayerFormat& format) {
  ValidateFormat(format);
  // (M, K) or (M, C, kh, kw).
  if (w.shape.size() != 2 && w.shape.size() != 4) {
    throw UsageError(w.source + ": weights of shape " + w.ShapeText() +
                     ": expected (M, K) for a linear layer or (M, C, kh, kw) for a convolution");
  }
  const std::int64_t m = w.shape[0];
  std::int64_t k = 1;
  for (std::size_t d = 1; d < w.shape.size(); ++d) {
    k = std::min<std::int64_t>(k * w.shape[d], std::int64_t{1} << 40);  // no overflow
  }
  if (m < 1 || k < 1 || k > (1 << 24) || m > (1 << 20)) {
    throw UsageError(w.source + ": weights of shape " + w.ShapeText() + " are empty or too large");
  }
  const int bits = format.weight_bits;
  const bool is_signed = format.signed_weights;
  const std::int32_t w_lo = is_signed ? -(1 << (bits - 1)) : 0;
  const std::int32_t w_hi = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  for (std::size_t i = 0; i < w.values.size(); ++i) {
    if (w.values[i] < w_lo || w.values[i] > w_hi) {
      throw UsageError(w.source + ": weight " + w.IndexText(static_cast<std::int64_t>(i)) + " = " +
                       std::to_string(w.values[i]) + " is outside " + std::to_string(w_lo) + ".." +
                       std::to_string(w_hi) + " of " + (is_signed ? "signed " : "unsigned ") +
                       std::to_string(bits) + "-bit weights (--wbits" +
                       (is_signed ? ", --signed" : "") + ")" +
                       (!is_signed && w.values[i] < 0 ? "; negative weights need --signed" : ""));
    }
  }
  LayerWeights out;
  out.shape = w.shape;
  out.source = w.source;
  out.length = static_cast<int>(k);
  out.outputs = static_cast<int>(m);
  out.weights.resize(static_cast<std::size_t>(k * m));
  for (std::int64_t o = 0; o < m; ++o) {
    for (std::int64_t r = 0; r < k; ++r) {
      out.weights[static_cast<std::size_t>(r * m + o)] =
          static_cast<std::int32_t>(w.values[static_cast<std::size_t>(o * k + r)]);
    }
  }
  return out;
}

LayerData MakeLayer(const IntTensor& a, const IntTensor& w, const LayerFormat& format) {
  return MakeLayer(a, MakeWeights(w, format), format);
}

LayerData MakeLayer(const IntTensor& a, const LayerWeights& w, const LayerFormat& format) {
  ValidateFormat(format);
  LayerData layer;
  layer.activation_bits = format.activation_bits;
  layer.weight_bits = format.weight_bits;
  layer.signed_weights = format.signed_weights;
  layer.length = w.length;
  layer.outputs = w.outputs;
  layer.weights = w.weights;
  const int stride = format.stride;
  const int padding = format.padding;
  const std::int64_t k = w.length;
  const std::int64_t m = w.outputs;
  const std::string w_shape = IntTensor{.shape = w.shape}.ShapeText();

  // Activations: (N, K) or (N, C, H, W) with conv weights.
  const std::int32_t a_hi = (1 << layer.activation_bits) - 1;
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    if (a.values[i] < 0 || a.values[i] > a_hi) {
      throw UsageError(a.source + ": activation " + a.IndexText(static_cast<std::int64_t>(i)) +
                       " = " + std::to_string(a.values[i]) + " is outside 0.." +
                       std::to_string(a_hi) + " of unsigned " +
                       std::to_string(layer.activation_bits) + "-bit activations (--abits)");
    }
  }
  const auto too_large = [&](std::int64_t vectors) {
    throw UsageError(a.source + ": activations " + a.ShapeText() + " give " +
                     std::to_string(vectors) + " input vectors of " + std::to_string(k) +
                     " values, more than the " + std::to_string(kMaxLayerValues) +
                     " values a layer may hold; give fewer vectors");
  };
  auto inputs = std::make_shared<std::vector<std::int32_t>>();
  if (a.shape.size() == 2) {
    if (a.shape[1] != k) {
      throw UsageError(a.source + ": activations of shape " + a.ShapeText() + " have " +
                       std::to_string(a.shape[1]) + " values per vector, but the weights " +
                       w_shape + " (" + w.source + ") need K = " + std::to_string(k));
    }
    if (a.shape[0] > kMaxLayerValues / k) {
      too_large(a.shape[0]);
    }
    layer.vectors = a.shape[0];
    inputs->assign(a.values.begin(), a.values.end());
    layer.description = std::to_string(layer.vectors) + " input vectors of " + std::to_string(k) +
                        " (" + a.source + "), " + std::to_string(m) + " outputs (" + w.source + ")";
  } else if (a.shape.size() == 4) {
    if (w.shape.size() != 4) {
      throw UsageError(a.source + ": feature maps " + a.ShapeText() +
                       " need convolution weights (M, C, kh, kw); " + w.source + " holds " +
                       w_shape);
    }
    if (a.shape[1] != w.shape[1]) {
      throw UsageError(a.source + ": feature maps " + a.ShapeText() + " have " +
                       std::to_string(a.shape[1]) + " channels, the weights " + w_shape + " (" +
                       w.source + ") expect " + std::to_string(w.shape[1]));
    }
    constexpr std::int64_t kMaxSide = std::int64_t{1} << 20;
    if (a.shape[2] > kMaxSide || a.shape[3] > kMaxSide || stride > kMaxSide || padding > kMaxSide) {
      throw UsageError(a.source + ": feature maps " + a.ShapeText() + " with stride " +
                       std::to_string(stride) + " and padding " + std::to_string(padding) +
                       " exceed " + std::to_string(kMaxSide) + " pixels a side");
    }
    const ConvGeometry g{.channels = static_cast<int>(a.shape[1]),
                         .height = static_cast<int>(a.shape[2]),
                         .width = static_cast<int>(a.shape[3]),
                         .kernel_h = static_cast<int>(w.shape[2]),
                         .kernel_w = static_cast<int>(w.shape[3]),
                         .stride = stride,
                         .padding = padding};
    try {
      ValidateGeometry(g);
    } catch (const UsageError& e) {
      throw UsageError(a.source + ": feature maps " + a.ShapeText() + " through kernels " +
                       w_shape + " (" + w.source + "): " + e.what());
    }
    const std::int64_t per_map = static_cast<std::int64_t>(g.OutHeight()) * g.OutWidth();
    if (a.shape[0] > kMaxLayerValues / k / per_map) {
      too_large(a.shape[0] * per_map);
    }
    const std::size_t map_size = static_cast<std::size_t>(g.channels) * g.height * g.width;
    std::vector<std::int32_t> map(map_size), patches;
    inputs->reserve(static_cast<std::size_t>(a.shape[0] * per_map * k));
    for (std::int64_t n = 0; n < a.shape[0]; ++n) {
      std::transform(a.values.begin() + static_cast<std::ptrdiff_t>(n * map_size),
                     a.values.begin() + static_cast<std::ptrdiff_t>((n + 1) * map_size),
                     map.begin(), [](std::int64_t v) { return static_cast<std::int32_t>(v); });
      Im2col(g, map.data(), patches);
      inputs->insert(inputs->end(), patches.begin(), patches.end());
    }
    layer.vectors = a.shape[0] * per_map;
    layer.description = std::to_string(a.shape[0]) + " feature maps " + a.ShapeText() + " (" +
                        a.source + ") through " + std::to_string(m) + " kernels " + w_shape + " (" +
                        w.source + "), stride " + std::to_string(stride) + ", padding " +
                        std::to_string(padding) + ": " + std::to_string(layer.vectors) +
                        " patches of " + std::to_string(k);
  } else {
    throw UsageError(a.source + ": activations of shape " + a.ShapeText() +
                     ": expected (N, K) input vectors or (N, C, H, W) feature maps");
  }
  if (layer.vectors < 1) {
    throw UsageError(a.source + ": no input vectors (shape " + a.ShapeText() + ")");
  }
  layer.inputs = std::move(inputs);
  return layer;
}

LayerData SliceVectors(const LayerData& layer, std::int64_t first, std::int64_t count) {
  if (first < 0 || count < 1 || first + count > layer.vectors) {
    throw UsageError("vectors [" + std::to_string(first) + ", " + std::to_string(first + count) +
                     ") are outside the layer's " + std::to_string(layer.vectors));
  }
  LayerData out = layer;
  const auto k = static_cast<std::ptrdiff_t>(layer.length);
  out.vectors = count;
  out.inputs = std::make_shared<const std::vector<std::int32_t>>(
      layer.inputs->begin() + first * k, layer.inputs->begin() + (first + count) * k);
  out.description = layer.description + ", vectors [" + std::to_string(first) + ", " +
                    std::to_string(first + count) + ")";
  return out;
}

namespace {

IntTensor InputsTensor(const LayerData& layer) {
  IntTensor t;
  t.shape = {layer.vectors, layer.length};
  t.values.assign(layer.inputs->begin(), layer.inputs->end());
  return t;
}

IntTensor WeightsTensor(const LayerData& layer) {
  IntTensor t;
  t.shape = {layer.outputs, layer.length};
  t.values.resize(layer.weights.size());
  for (int o = 0; o < layer.outputs; ++o) {
    for (int r = 0; r < layer.length; ++r) {
      t.values[static_cast<std::size_t>(o) * layer.length + r] =
          layer.weights[static_cast<std::size_t>(r) * layer.outputs + o];
    }
  }
  return t;
}

// Bit widths are at most 8, so one byte holds every code.
std::string WeightType(const LayerData& layer) { return layer.signed_weights ? "int8" : "uint8"; }

}  // namespace

void WriteLayerHdf5(const std::filesystem::path& path, const LayerData& layer) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    Hdf5Data f = Hdf5Data::Create(tmp);
    f.WriteTensor("activations", InputsTensor(layer), "uint8");
    f.WriteTensor("weights", WeightsTensor(layer), WeightType(layer));
    f.WriteAttr("/", "activation_bits", layer.activation_bits);
    f.WriteAttr("/", "weight_bits", layer.weight_bits);
    f.WriteAttr("/", "signed_weights", layer.signed_weights ? 1 : 0);
    f.WriteAttr("/", "description", layer.description);
    f.Close();
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw Error("cannot move " + tmp.string() + " to " + path.string() + ": " + ec.message());
  }
}

void WriteLayerNpy(const std::filesystem::path& prefix, const LayerData& layer) {
  WriteNpy(prefix.string() + "_activations.npy", InputsTensor(layer), "uint8");
  WriteNpy(prefix.string() + "_weights.npy", WeightsTensor(layer), WeightType(layer));
}

}  // namespace cimchar::network
