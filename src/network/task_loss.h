#pragma once

#include <cstdint>
#include <vector>

#include "mac/options.h"
#include "mac/thresholds.h"
#include "network/image_set.h"
#include "network/inference.h"
#include "network/quantized_network.h"

// The task loss of the OSA threshold search (paper Fig. 3(b)'s "training loss"): the network's
// mean cross-entropy on labelled calibration images when one layer's array passes run at the
// B_D/A candidates a choice vector gives, the layers before it as they were configured and the
// layers after it exact (the integer reference). Layer by layer, this calibrates each layer on
// the inputs the earlier layers' chosen configuration actually produces, against what the
// network's output loses.

namespace cimchar::network {

// What the task loss counts per image: the cross-entropy of its logits, or 1 when it is
// misclassified (the error rate).
enum class TaskMeasure { kCrossEntropy, kErrors };

// The calibration set of layer `layer` for `images` (labels used), whose feature maps before
// that layer are `before` (RunLayersBefore; one per image): every position of every image is a
// calibration vector, in image and position order, and its array passes in (row tile, column
// tile) order, as mac::MakeRelativeMseLoss orders them. Each candidate B of `osa` runs as
// OSA-HCIM forced to B (the saliency orders digital), image n drawing its noise from stream
// (seed, n, layer, m); a choice combines the candidates' row-tile partial sums per pass, the
// accumulators are rounded and requantized as RunNetwork does, and the remaining layers run
// exactly. loss(choice): the mean over the images of -log softmax(output_scale * acc)[label]
// (kCrossEntropy) or of "the largest acc is not the label's" (kErrors, ties to the first index);
// pass_cost as mac::LossData says, on that mean. Failures: UsageError when the logits layer has no
// output scale, `before` does not match the images, or `osa` is invalid. Ownership: the loss owns
// its tables. Thread-safety: building uses `threads` threads, and so does each loss call.
mac::LossData MakeTaskLoss(const MacNetwork& net,
                           std::size_t layer,
                           const std::vector<FeatureMaps>& before,
                           const ImageSet& images,
                           const mac::RunOptions& osa,
                           std::uint64_t seed,
                           int threads,
                           TaskMeasure measure = TaskMeasure::kCrossEntropy);

}  // namespace cimchar::network
