#pragma once

#include <cstdint>
#include <vector>

#include "network/image_set.h"
#include "network/inference.h"

// The oracle bound of an OSA point: the same mix of B_D/A candidates per layer as the point
// used on the test images, but each array pass assigned by what it actually costs rather than by
// its saliency. Per layer, every pass's cost is the increase of the squared error of its
// outputs (its column tile at its position, the layer's MAC outputs against the exact ones, the
// other row tiles at the finest candidate used) when it moves from the finest to the coarsest
// candidate used; the passes of all images, ranked by that cost, fill the candidates from the
// finest in the point's proportions. The oracle knows every pass's error, which no macro can:
// it bounds what a better saliency estimate could win at the point's mix, and so separates
// "the saliency estimate is weak" from "the network leaves nothing to gain".

namespace cimchar::network {

struct OracleResult {
  std::int64_t images = 0;
  std::int64_t correct = 0;
  std::vector<std::uint8_t> predictions;
  double Accuracy() const {
    return images > 0 ? static_cast<double>(correct) / static_cast<double>(images) : 0.0;
  }
};

// Runs `images` through `net` layer by layer. `config` gives each layer's OSA-HCIM options (its
// candidates, s and error switches; the thresholds are not used); `mix[l][m]` is the share of
// layer l's passes at candidate m (shares of a layer sum to 1). Each candidate m of layer l runs
// as OSA-HCIM forced to B_m, image n drawing its noise from stream (options.seed, n, l, m); a
// pass's row-tile partial sums come from its assigned candidate, the accumulators are rounded
// and requantized as RunNetwork does. Holds every image's feature map at once.
// Failures: UsageError when config or mix do not match the network's layers and candidates, as
// RunNetwork otherwise. Thread-safety: reentrant; uses options.threads threads.
OracleResult RunOracle(const MacNetwork& net,
                       const NetworkConfig& config,
                       const std::vector<std::vector<double>>& mix,
                       const ImageSet& images,
                       const InferenceOptions& options);

}  // namespace cimchar::network
