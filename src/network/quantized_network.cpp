#include "network/quantized_network.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "network/hdf5_data.h"

namespace cimchar::network {

namespace {

[[noreturn]] void Bad(const std::string& path, const std::string& what) {
  throw UsageError(path + ": " + what);
}

std::vector<std::int64_t> Vector(const Hdf5Data& f, const std::string& dataset, int size) {
  IntTensor t = f.ReadTensor(dataset);
  if (t.shape.size() != 1 || t.shape[0] != size) {
    Bad(f.Path(), "the dataset '" + dataset + "' has shape " + t.ShapeText() + "; expected (" +
                      std::to_string(size) + ",)");
  }
  return std::move(t.values);
}

std::string OptionalString(const Hdf5Data& f, const std::string& name) {
  return f.HasAttr("/", name) ? f.ReadString("/", name) : std::string("?");
}

std::string MapText(int channels, int height, int width) {
  return std::to_string(channels) + "x" + std::to_string(height) + "x" + std::to_string(width);
}

// The residual of layer `index` (its attribute `residual` is set and not -1), checked against
// the layers read before it.
void ReadResidual(
    const Hdf5Data& f, const QuantizedNetwork& net, int index, std::int64_t count, QuantLayer& l) {
  const std::string& g = l.name;
  const std::int64_t j = f.ReadInt(g, "residual");
  if (j < 0 || j >= index) {
    const std::string names = j < -1 || j >= count ? "names no layer of the file"
                              : j == index         ? "names the layer itself"
                                                   : "names a later layer";
    Bad(net.path, g + ": residual = " + std::to_string(j) + " " + names +
                      "; a residual adds the output of an earlier layer" +
                      (index > 0 ? " (0.." + std::to_string(index - 1) + ")" : "") +
                      ", or -1 for none");
  }
  if (l.kind != LayerKind::kConv || l.logits) {
    Bad(net.path,
        g + ": a residual needs a conv layer with requantized output (output = 'requant')");
  }
  l.residual = static_cast<int>(j);
  l.residual_stride = static_cast<int>(f.ReadInt(g, "residual_stride"));
  const QuantLayer& src = net.layers[static_cast<std::size_t>(j)];
  const int s = l.residual_stride;
  if (s < 1) {
    Bad(net.path, g + ": residual_stride = " + std::to_string(s) + " must be >= 1");
  }
  const int h = (src.MapHeight() + s - 1) / s;
  const int w = (src.MapWidth() + s - 1) / s;
  if (src.outputs > l.outputs || h != l.OutHeight() || w != l.OutWidth()) {
    Bad(net.path, g + ": the residual from " + src.name + " (" +
                      MapText(src.outputs, src.MapHeight(), src.MapWidth()) +
                      " sampled with stride " + std::to_string(s) + ": " +
                      MapText(src.outputs, h, w) + ") does not fit the layer's " +
                      MapText(l.outputs, l.OutHeight(), l.OutWidth()) +
                      " output; it needs at most as many channels and the same map size");
  }
  l.residual_multiplier = Vector(f, g + "/residual_multiplier", l.outputs);
}

}  // namespace

void RequantizeChannels(std::span<const std::int64_t> acc,
                        std::span<const std::int64_t> multiplier,
                        std::span<const std::int64_t> shift,
                        int activation_bits,
                        std::span<std::int32_t> out) {
  const std::size_t channels = multiplier.size();
  if (channels == 0 || shift.size() != channels || acc.size() % channels != 0 ||
      out.size() != acc.size()) {
    throw UsageError("requantization: " + std::to_string(acc.size()) + " accumulators, " +
                     std::to_string(out.size()) + " outputs, " + std::to_string(channels) +
                     " multipliers and " + std::to_string(shift.size()) +
                     " shifts: expected one multiplier and one shift per channel and a whole "
                     "number of accumulators per channel");
  }
  if (activation_bits < 1 || activation_bits > 31) {
    throw UsageError("requantization: " + std::to_string(activation_bits) +
                     " output bits; expected 1..31");
  }
  for (std::size_t m = 0; m < channels; ++m) {
    if (shift[m] < 0 || shift[m] > 62 || multiplier[m] < 0) {
      throw UsageError("requantization: channel " + std::to_string(m) + " has multiplier " +
                       std::to_string(multiplier[m]) + " and shift " + std::to_string(shift[m]) +
                       "; need multiplier >= 0 and 0 <= shift <= 62");
    }
  }
  for (std::size_t i = 0; i < acc.size(); ++i) {
    const std::size_t m = i % channels;
    std::int64_t product = 0;
    if (__builtin_mul_overflow(acc[i], multiplier[m], &product) ||
        product > (std::int64_t{1} << 62) || product < -(std::int64_t{1} << 62)) {
      throw UsageError("requantization: accumulator " + std::to_string(acc[i]) + " at position " +
                       std::to_string(i / channels) + ", channel " + std::to_string(m) +
                       " times multiplier " + std::to_string(multiplier[m]) +
                       " does not fit 62 bits");
    }
    out[i] = Requantize(acc[i], multiplier[m], shift[m], activation_bits);
  }
}

std::int64_t QuantizedNetwork::MacsPerImage() const {
  std::int64_t n = 0;
  for (const QuantLayer& l : layers) {
    n += l.Positions() * l.Length() * l.outputs;
  }
  return n;
}

QuantizedNetwork ReadNetwork(const std::filesystem::path& path) {
  const Hdf5Data f = Hdf5Data::Open(path);
  QuantizedNetwork net;
  net.path = path.string();
  const std::string format = f.HasAttr("/", "format") ? f.ReadString("/", "format") : "";
  if (format != "cimchar-qnet-1" && format != "cimchar-qnet-2") {
    Bad(net.path,
        "not a cimchar quantized network (the root attribute format should be "
        "'cimchar-qnet-1' or 'cimchar-qnet-2'; tools/networks/README.md describes the formats)");
  }
  net.name = f.ReadString("/", "name");
  net.input_channels = static_cast<int>(f.ReadInt("/", "input_channels"));
  net.input_height = static_cast<int>(f.ReadInt("/", "input_height"));
  net.input_width = static_cast<int>(f.ReadInt("/", "input_width"));
  net.classes = static_cast<int>(f.ReadInt("/", "classes"));
  const auto count = f.ReadInt("/", "layers");
  if (count < 1 || count > 1000) {
    Bad(net.path, "the root attribute layers = " + std::to_string(count) + " is not 1..1000");
  }
  int c = net.input_channels, h = net.input_height, w = net.input_width;
  for (std::int64_t i = 0; i < count; ++i) {
    QuantLayer l;
    l.name = "layer" + std::to_string(i);
    const std::string& g = l.name;
    const std::string kind = f.ReadString(g, "kind");
    const std::string output = f.ReadString(g, "output");
    l.activation_bits = static_cast<int>(f.ReadInt(g, "activation_bits"));
    l.weight_bits = static_cast<int>(f.ReadInt(g, "weight_bits"));
    l.signed_weights = f.ReadInt(g, "signed_weights") != 0;
    l.pool = static_cast<int>(f.ReadInt(g, "pool"));
    l.output_scale = f.HasAttr(g, "output_scale") ? f.ReadNumber(g, "output_scale") : 0.0;
    if (l.activation_bits < 1 || l.activation_bits > 8 || l.weight_bits < 2 || l.weight_bits > 8 ||
        l.pool < 1) {
      Bad(net.path, g + ": activation_bits, weight_bits (1..8, 2..8) or pool (>= 1) out of range");
    }
    if (output != "requant" && output != "logits") {
      Bad(net.path, g + ": output '" + output + "' should be requant or logits");
    }
    l.logits = output == "logits";
    if (l.logits && i + 1 != count) {
      Bad(net.path, g + ": only the last layer may produce logits");
    }
    if (!l.logits && i + 1 == count) {
      Bad(net.path, g + ": the last layer must produce logits (output = 'logits')");
    }
    const IntTensor wt = f.ReadTensor(g + "/weights");
    if (kind == "conv") {
      l.kind = LayerKind::kConv;
      if (wt.shape.size() != 4 || wt.shape[1] != c) {
        Bad(net.path, g + "/weights has shape " + wt.ShapeText() + "; a conv layer on " +
                          std::to_string(c) + " channels needs (M, " + std::to_string(c) +
                          ", kh, kw)");
      }
      l.geometry = {.channels = c,
                    .height = h,
                    .width = w,
                    .kernel_h = static_cast<int>(wt.shape[2]),
                    .kernel_w = static_cast<int>(wt.shape[3]),
                    .stride = static_cast<int>(f.ReadInt(g, "stride")),
                    .padding = static_cast<int>(f.ReadInt(g, "padding"))};
      ValidateGeometry(l.geometry);
    } else if (kind == "linear") {
      l.kind = LayerKind::kLinear;
      const std::int64_t k = static_cast<std::int64_t>(c) * h * w;
      if (wt.shape.size() != 2 || wt.shape[1] != k) {
        Bad(net.path, g + "/weights has shape " + wt.ShapeText() + "; a linear layer on the " +
                          std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w) +
                          " map needs (M, " + std::to_string(k) + ")");
      }
      l.geometry = {.channels = static_cast<int>(k)};
    } else {
      Bad(net.path, g + ": kind '" + kind + "' should be conv or linear");
    }
    l.outputs = static_cast<int>(wt.shape[0]);
    if (l.logits && l.Positions() != 1) {
      Bad(net.path, g +
                        ": a logits layer must give one vector (a linear layer or a conv layer "
                        "with a 1x1 output), not " +
                        std::to_string(l.OutHeight()) + "x" + std::to_string(l.OutWidth()));
    }
    const int k = l.Length();
    const std::int64_t w_lo = l.signed_weights ? -(std::int64_t{1} << (l.weight_bits - 1)) : 0;
    const std::int64_t w_hi = l.signed_weights ? (std::int64_t{1} << (l.weight_bits - 1)) - 1
                                               : (std::int64_t{1} << l.weight_bits) - 1;
    l.weights.resize(static_cast<std::size_t>(k) * l.outputs);
    for (int m = 0; m < l.outputs; ++m) {
      for (int r = 0; r < k; ++r) {
        const std::int64_t v = wt.values[static_cast<std::size_t>(m) * k + r];
        if (v < w_lo || v > w_hi) {
          Bad(net.path, g + "/weights" + wt.IndexText(static_cast<std::int64_t>(m) * k + r) +
                            " = " + std::to_string(v) + " is outside " + std::to_string(w_lo) +
                            ".." + std::to_string(w_hi));
        }
        l.weights[static_cast<std::size_t>(r) * l.outputs + m] = static_cast<std::int32_t>(v);
      }
    }
    l.bias = Vector(f, g + "/bias", l.outputs);
    l.multiplier = Vector(f, g + "/multiplier", l.outputs);
    l.shift = Vector(f, g + "/shift", l.outputs);
    if (f.HasAttr(g, "residual") && f.ReadInt(g, "residual") != -1) {
      ReadResidual(f, net, static_cast<int>(i), count, l);
    }
    // The sums acc * multiplier + r * residual_multiplier must fit int64.
    const double acc_max = static_cast<double>(k) * std::ldexp(1.0, l.weight_bits) *
                           std::ldexp(1.0, l.activation_bits);
    const double r_max = std::ldexp(1.0, l.activation_bits);
    for (int m = 0; m < l.outputs; ++m) {
      const auto mi = static_cast<std::size_t>(m);
      const double rm = l.residual >= 0 ? static_cast<double>(l.residual_multiplier[mi]) : 0.0;
      if (l.shift[mi] < 0 || l.shift[mi] > 62 || l.multiplier[mi] < 0 || rm < 0.0 ||
          (acc_max + std::fabs(static_cast<double>(l.bias[mi]))) *
                      static_cast<double>(l.multiplier[mi]) +
                  r_max * rm >
              0x1p62) {
        Bad(net.path, g + ": channel " + std::to_string(m) + " has multiplier " +
                          std::to_string(l.multiplier[mi]) + ", residual multiplier " +
                          std::to_string(static_cast<std::int64_t>(rm)) + " and shift " +
                          std::to_string(l.shift[mi]) +
                          "; need 0 <= shift <= 62, multipliers >= 0 and sums that fit 62 bits");
      }
    }
    // The next layer's input map.
    c = l.outputs;
    h = l.OutHeight();
    w = l.OutWidth();
    if (l.pool > 1) {
      if (l.kind != LayerKind::kConv || h % l.pool != 0 || w % l.pool != 0) {
        Bad(net.path, g + ": pool " + std::to_string(l.pool) +
                          " needs a conv map divisible by it (" + std::to_string(h) + "x" +
                          std::to_string(w) + ")");
      }
      h /= l.pool;
      w /= l.pool;
    }
    net.layers.push_back(std::move(l));
  }
  if (c != net.classes) {
    Bad(net.path, "the last layer has " + std::to_string(c) + " outputs for " +
                      std::to_string(net.classes) + " classes");
  }
  net.calibration_first = f.ReadInt("/", "calibration_first");
  net.calibration_count = f.ReadInt("/", "calibration_count");
  net.reference_test_correct = f.ReadInt("/", "reference_test_correct");
  net.reference_test_images = f.ReadInt("/", "reference_test_images");
  net.float_test_accuracy = f.ReadNumber("/", "float_test_accuracy");
  if (f.Has("reference/test_predictions")) {
    const IntTensor p = f.ReadTensor("reference/test_predictions");
    net.reference_predictions.assign(p.values.begin(), p.values.end());
  }
  net.provenance = "made by: " + OptionalString(f, "command") + "\nseed " +
                   std::to_string(f.ReadInt("/", "seed")) + ", torch " +
                   OptionalString(f, "torch_version") + ", numpy " +
                   OptionalString(f, "numpy_version") + ", python " +
                   OptionalString(f, "python_version");
  return net;
}

void MaxPool(std::vector<std::int32_t>& map, int channels, int& height, int& width, int pool) {
  const int ho = height / pool;
  const int wo = width / pool;
  std::vector<std::int32_t> out(static_cast<std::size_t>(channels) * ho * wo);
  for (int ch = 0; ch < channels; ++ch) {
    const std::int32_t* in = map.data() + static_cast<std::size_t>(ch) * height * width;
    for (int y = 0; y < ho; ++y) {
      for (int x = 0; x < wo; ++x) {
        std::int32_t best = in[static_cast<std::size_t>(y * pool) * width + x * pool];
        for (int dy = 0; dy < pool; ++dy) {
          for (int dx = 0; dx < pool; ++dx) {
            best =
                std::max(best, in[static_cast<std::size_t>(y * pool + dy) * width + x * pool + dx]);
          }
        }
        out[(static_cast<std::size_t>(ch) * ho + y) * wo + x] = best;
      }
    }
  }
  map = std::move(out);
  height = ho;
  width = wo;
}

FeatureMaps::FeatureMaps(const QuantizedNetwork& net)
    : net_(&net), added_(net.layers.size(), false), kept_(net.layers.size()) {
  for (const QuantLayer& l : net.layers) {
    if (l.residual >= 0) {
      added_[static_cast<std::size_t>(l.residual)] = true;
    }
  }
}

void FeatureMaps::Start(const std::uint8_t* image) {
  const QuantizedNetwork& q = *net_;
  map_.assign(image,
              image + static_cast<std::size_t>(q.input_channels) * q.input_height * q.input_width);
  next_ = 0;
}

void FeatureMaps::Patches(std::vector<std::int32_t>& patches) const {
  const QuantLayer& l = net_->layers[next_];
  if (l.kind == LayerKind::kConv) {
    Im2col(l.geometry, map_.data(), patches);
  } else {
    patches = map_;
  }
}

void FeatureMaps::Advance(std::span<const std::int64_t> acc) {
  const QuantLayer& l = net_->layers[next_];
  const int ho = l.OutHeight();
  const int wo = l.OutWidth();
  const auto positions = static_cast<std::size_t>(ho) * static_cast<std::size_t>(wo);
  const auto outputs = static_cast<std::size_t>(l.outputs);
  out_.resize(outputs * positions);
  const std::vector<std::int32_t>* source =
      l.residual >= 0 ? &kept_[static_cast<std::size_t>(l.residual)] : nullptr;
  const QuantLayer* src =
      l.residual >= 0 ? &net_->layers[static_cast<std::size_t>(l.residual)] : nullptr;
  for (int y = 0; y < ho; ++y) {
    for (int x = 0; x < wo; ++x) {
      const std::size_t p =
          static_cast<std::size_t>(y) * static_cast<std::size_t>(wo) + static_cast<std::size_t>(x);
      const std::int64_t* a = acc.data() + p * outputs;
      for (int m = 0; m < l.outputs; ++m) {
        std::int32_t r = 0;
        if (src != nullptr && m < src->outputs) {
          const int sh = src->MapHeight();
          const int sw = src->MapWidth();
          r = (*source)[(static_cast<std::size_t>(m) * static_cast<std::size_t>(sh) +
                         static_cast<std::size_t>(y * l.residual_stride)) *
                            static_cast<std::size_t>(sw) +
                        static_cast<std::size_t>(x * l.residual_stride)];
        }
        out_[static_cast<std::size_t>(m) * positions + p] =
            l.Requantize(m, a[static_cast<std::size_t>(m)], r);
      }
    }
  }
  std::swap(map_, out_);
  int h = ho;
  int w = wo;
  if (l.pool > 1) {
    MaxPool(map_, l.outputs, h, w, l.pool);
  }
  if (added_[next_]) {
    kept_[next_] = map_;
  }
  ++next_;
}

void ReferenceAccumulators(const QuantLayer& l,
                           std::span<const std::int32_t> patches,
                           std::vector<std::int64_t>& acc) {
  const int k = l.Length();
  const std::int64_t positions = l.Positions();
  const auto outputs = static_cast<std::size_t>(l.outputs);
  acc.assign(outputs * static_cast<std::size_t>(positions), 0);
  for (std::int64_t p = 0; p < positions; ++p) {
    std::int64_t* ap = acc.data() + static_cast<std::size_t>(p) * outputs;
    const std::int32_t* a = patches.data() + static_cast<std::size_t>(p) * k;
    for (int r = 0; r < k; ++r) {
      if (a[r] == 0) {
        continue;
      }
      const std::int32_t* wr = l.weights.data() + static_cast<std::size_t>(r) * outputs;
      for (std::size_t m = 0; m < outputs; ++m) {
        ap[m] += static_cast<std::int64_t>(wr[m]) * a[r];
      }
    }
    for (std::size_t m = 0; m < outputs; ++m) {
      ap[m] += l.bias[m];
    }
  }
}

int ReferencePredict(const QuantizedNetwork& net,
                     const std::uint8_t* image,
                     std::vector<std::vector<std::int32_t>>* layer_inputs) {
  FeatureMaps maps(net);
  maps.Start(image);
  std::vector<std::int32_t> patches;
  std::vector<std::int64_t> acc;
  if (layer_inputs != nullptr) {
    layer_inputs->resize(net.layers.size());
  }
  for (std::size_t li = 0; li < net.layers.size(); ++li) {
    const QuantLayer& l = net.layers[li];
    maps.Patches(patches);
    if (layer_inputs != nullptr) {
      (*layer_inputs)[li] = patches;
    }
    ReferenceAccumulators(l, patches, acc);
    if (l.logits) {
      return static_cast<int>(std::max_element(acc.begin(), acc.begin() + l.outputs) - acc.begin());
    }
    maps.Advance(acc);
  }
  return -1;  // unreachable: ReadNetwork checks that the last layer produces logits
}

}  // namespace cimchar::network
