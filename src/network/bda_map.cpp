#include "network/bda_map.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <string>

#include "core/error.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"
#include "mac/random.h"

namespace cimchar::network {

namespace {

using Kernel = std::array<int, 9>;  // row-major 3x3

// Fixed edge detectors; each sign separately so that the ReLU keeps both edge polarities.
constexpr std::array<Kernel, 8> kEdgeKernels = {{
    {-1, 0, 1, -2, 0, 2, -1, 0, 1},   // Sobel x
    {1, 0, -1, 2, 0, -2, 1, 0, -1},   // -Sobel x
    {-1, -2, -1, 0, 0, 0, 1, 2, 1},   // Sobel y
    {1, 2, 1, 0, 0, 0, -1, -2, -1},   // -Sobel y
    {0, 1, 2, -1, 0, 1, -2, -1, 0},   // diagonal
    {0, -1, -2, 1, 0, -1, 2, 1, 0},   // -diagonal
    {0, -1, 0, -1, 4, -1, 0, -1, 0},  // Laplacian
    {0, 1, 0, 1, -4, 1, 0, 1, 0},     // -Laplacian
}};
constexpr int kRandomKernelSpan = 3;  // random taps in -3..3

std::vector<Kernel> LayerOneKernels(int channels, std::uint64_t seed) {
  std::vector<Kernel> kernels;
  for (int c = 0; c < channels; ++c) {
    if (c < static_cast<int>(kEdgeKernels.size())) {
      kernels.push_back(kEdgeKernels[static_cast<std::size_t>(c)]);
      continue;
    }
    mac::Rng rng(mac::StreamSeed(seed, 0xB0A, static_cast<std::uint64_t>(c)));
    Kernel k{};
    int sum = 0;
    for (int t = 0; t < 9; ++t) {
      if (t != 4) {
        k[t] = static_cast<int>(rng.Below(2 * kRandomKernelSpan + 1)) - kRandomKernelSpan;
        sum += k[t];
      }
    }
    k[4] = -sum;  // zero sum: a flat patch gives 0
    kernels.push_back(k);
  }
  return kernels;
}

int Clamp(int v, int lo, int hi) { return std::min(std::max(v, lo), hi); }

}  // namespace

BdaMapResult ComputeBdaMap(const report::GreyImage& image, const BdaMapOptions& options) {
  if (image.width < 1 || image.height < 1 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height) {
    throw UsageError("the B_D/A map needs a non-empty image");
  }
  const mac::MacShape& shape = options.shape;
  mac::ValidateShape(shape);
  const int channels = options.edge_channels;
  const int length = 9 * channels;
  if (channels < 1 || length > shape.rows) {
    throw UsageError("the B_D/A map layer has 3x3x" + std::to_string(channels) + " = " +
                     std::to_string(length) + " inputs per output; the macro has rows = " +
                     std::to_string(shape.rows) + " (one array pass per pixel is needed)");
  }
  if (options.out_channels < 1 || options.out_channels > shape.columns) {
    throw UsageError("the B_D/A map layer has " + std::to_string(options.out_channels) +
                     " output channels; the macro has columns = " + std::to_string(shape.columns));
  }
  const int w = image.width;
  const int h = image.height;
  const int act_max = (1 << shape.activation_bits) - 1;
  const double pixel_scale = 255.0 / std::max(1, image.max_value);

  // Layer 1: exact 3x3 convolution (edges replicated), ReLU.
  const auto kernels = LayerOneKernels(channels, options.seed);
  std::vector<int> layer1(static_cast<std::size_t>(w) * h * channels);
  int peak = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < channels; ++c) {
        int acc = 0;
        for (int t = 0; t < 9; ++t) {
          const int px = Clamp(x + t % 3 - 1, 0, w - 1);
          const int py = Clamp(y + t / 3 - 1, 0, h - 1);
          acc += kernels[static_cast<std::size_t>(c)][static_cast<std::size_t>(t)] *
                 static_cast<int>(std::lround(image.At(px, py) * pixel_scale));
        }
        acc = std::max(acc, 0);
        peak = std::max(peak, acc);
        layer1[(static_cast<std::size_t>(y) * w + x) * channels + c] = acc;
      }
    }
  }
  // Scale to unsigned activations of the macro with one scale for the layer, set (as activation
  // quantizers are calibrated) at a high percentile of the non-zero outputs and clipped above.
  std::vector<int> positive;
  for (const int v : layer1) {
    if (v > 0) {
      positive.push_back(v);
    }
  }
  double full = peak;
  if (!positive.empty()) {
    const auto at = static_cast<std::size_t>(options.clip_percentile / 100.0 *
                                             static_cast<double>(positive.size() - 1));
    std::nth_element(positive.begin(), positive.begin() + static_cast<std::ptrdiff_t>(at),
                     positive.end());
    full = std::max(1, positive[at]);
  }
  for (int& v : layer1) {
    v = std::min(act_max, static_cast<int>(std::lround(static_cast<double>(v) * act_max / full)));
  }

  // Layer 2 on the macro: one input vector (rows in (dy, dx, channel) order) per pixel.
  const auto weights = mac::RandomWeights(shape, length, options.out_channels, options.seed);
  const mac::MacArray array(shape, options.macro, weights, length, options.out_channels,
                            options.seed);
  mac::RunOptions run{.mode = mac::Mode::kOsaHcim, .ose = options.ose};
  const std::size_t b = run.ose.candidates.size();
  if (b < 1) {
    throw UsageError("the B_D/A map needs at least one B_D/A candidate");
  }
  std::vector<std::vector<std::int32_t>> inputs(static_cast<std::size_t>(w) * h,
                                                std::vector<std::int32_t>(length));
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      auto& a = inputs[static_cast<std::size_t>(y) * w + x];
      for (int t = 0; t < 9; ++t) {
        const int px = Clamp(x + t % 3 - 1, 0, w - 1);
        const int py = Clamp(y + t / 3 - 1, 0, h - 1);
        for (int c = 0; c < channels; ++c) {
          a[static_cast<std::size_t>(t * channels + c)] =
              layer1[(static_cast<std::size_t>(py) * w + px) * channels + c];
        }
      }
    }
  }
  auto evaluate = [&](const std::vector<std::int64_t>& thresholds, BdaMapResult& out) {
    run.ose.thresholds = thresholds;
    const mac::MacRunner runner(array, run);
    mac::MacRunner::Workspace ws;
    out.saliency.assign(inputs.size(), 0);
    out.map = {.width = w, .height = h, .values = std::vector<int>(inputs.size(), 0)};
    std::vector<std::int64_t> s(1);
    std::vector<int> boundary(1);
    for (std::size_t p = 0; p < inputs.size(); ++p) {
      runner.Saliency(inputs[p], ws, s, boundary);
      out.saliency[p] = s[0];
      out.map.values[p] = boundary[0];
    }
  };
  BdaMapResult result;
  std::vector<std::int64_t> thresholds;
  if (options.thresholds) {
    thresholds = *options.thresholds;
  } else {
    // Saliency does not depend on the thresholds: a first pass with placeholders gives S.
    evaluate(std::vector<std::int64_t>(b - 1, 1), result);
    std::vector<std::int64_t> sorted = result.saliency;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t m = 0; m + 1 < b; ++m) {
      const double q = 1.0 - static_cast<double>(m + 1) / static_cast<double>(b);
      const auto at = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1));
      thresholds.push_back(std::max<std::int64_t>(1, sorted[at] + 1));
    }
    for (std::size_t m = 1; m < thresholds.size(); ++m) {
      thresholds[m] = std::min(thresholds[m], thresholds[m - 1]);
    }
  }
  evaluate(thresholds, result);
  result.thresholds = thresholds;
  result.candidates = run.ose.candidates;
  result.pixels_per_candidate.assign(b, 0);
  for (const int v : result.map.values) {
    const auto it = std::find(result.candidates.begin(), result.candidates.end(), v);
    if (it != result.candidates.end()) {
      ++result.pixels_per_candidate[static_cast<std::size_t>(it - result.candidates.begin())];
    }
  }
  return result;
}

}  // namespace cimchar::network
