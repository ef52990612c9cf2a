#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "calib/macro.h"
#include "mac/options.h"
#include "report/image.h"
#include "report/plots.h"

// The analogue of paper Fig. 7a: a photograph through a small two-layer convolution whose second
// layer runs on the behavioral macro in OSA-HCIM mode; every output pixel's MAC gets its B_D/A
// from the saliency evaluator.
//   layer 1 (exact, the "previous layer"): 3x3 kernels, `edge_channels` outputs: 8 fixed edge
//     detectors (Sobel x/y and diagonals, each sign, then Laplacian and its negative) and
//     seeded pseudo-random zero-sum kernels, ReLU, scaled to the activation range (percentile
//     clipping);
//   layer 2 (on the macro): 3x3 x edge_channels inputs = one dot product of length
//     9 * edge_channels per output pixel, `out_channels` seeded random weights.
// Flat regions give near-zero activations (low saliency, the least precise candidate); edges give
// large ones (high saliency, a more digital B_D/A).

namespace cimchar::network {

struct BdaMapOptions {
  mac::MacShape shape;  // the macro; rows >= 9 * edge_channels, columns >= out_channels
  calib::Macro macro = calib::AnalyticMacro();
  mac::OseOptions ose;  // candidates and saliency orders; thresholds: see below
  int edge_channels = 16;
  int out_channels = 8;
  std::uint64_t seed = 1;  // random kernels, layer-2 weights and the chip instance
  // Layer-1 outputs are scaled so that this percentile of the non-zero ones reaches the top
  // activation code; larger ones are clipped.
  double clip_percentile = 99.0;
  // Thresholds T[0..b-2]. Unset: equal-population levels of the image's own saliency values
  // (each candidate takes about 1/b of the pixels), never below 1 so that zero saliency always
  // selects the least precise candidate.
  std::optional<std::vector<std::int64_t>> thresholds;
};

struct BdaMapResult {
  report::IntMap map;                    // B_D/A per output pixel (same size as the image)
  std::vector<std::int64_t> saliency;    // S per output pixel
  std::vector<std::int64_t> thresholds;  // the thresholds used
  std::vector<int> candidates;           // B[0..b-1]
  std::vector<std::int64_t> pixels_per_candidate;  // histogram over candidates
};

// Runs the image through the two layers and the saliency evaluator.
// Failures: UsageError for an empty image, a shape that cannot hold the layer (naming rows or
// columns), or invalid OSE options/thresholds. Ownership: returns a value.
// Thread-safety: pure (deterministic in the options; no global state).
BdaMapResult ComputeBdaMap(const report::GreyImage& image, const BdaMapOptions& options);

}  // namespace cimchar::network
