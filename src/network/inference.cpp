#include "network/inference.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>

#include "core/error.h"
#include "core/progress.h"
#include "mac/evaluate.h"
#include "mac/random.h"

namespace cimchar::network {

namespace {

constexpr std::int64_t kImagesPerBlock = 16;

void CheckImages(const QuantizedNetwork& net, const ImageSet& images) {
  if (net.input_channels != 1 || images.height != net.input_height ||
      images.width != net.input_width) {
    throw UsageError(images.source + ": images are " + std::to_string(images.height) + "x" +
                     std::to_string(images.width) + " grey; " + net.path + " expects " +
                     std::to_string(net.input_channels) + "x" + std::to_string(net.input_height) +
                     "x" + std::to_string(net.input_width));
  }
}

// One thread's buffers.
struct Scratch {
  explicit Scratch(const QuantizedNetwork& net) : maps(net) {}
  FeatureMaps maps;
  std::vector<std::int32_t> patches;
  std::vector<double> out;
  std::vector<std::int64_t> acc;
  mac::MacRunner::Workspace workspace;
};

// Runs one image through the layers [0, stop) (every layer when stop >= Layers()); returns the
// prediction when the logits layer ran, else -1 with the input patches of layer `stop` in
// scratch.patches.
int RunImage(const MacNetwork& net,
             const std::vector<mac::MacRunner>& runners,
             const std::uint8_t* image,
             std::int64_t image_index,
             std::uint64_t seed,
             std::size_t stop,
             Scratch& s,
             std::vector<mac::ActionCounts>* counts) {
  const QuantizedNetwork& q = net.Network();
  s.maps.Start(image);
  for (std::size_t li = 0; li < q.layers.size(); ++li) {
    const QuantLayer& l = q.layers[li];
    s.maps.Patches(s.patches);
    if (li == stop) {
      return -1;
    }
    const auto positions = static_cast<std::size_t>(l.Positions());
    const auto outputs = static_cast<std::size_t>(l.outputs);
    s.out.resize(outputs * positions);
    // Every position of the layer in one call, the noise drawn in position order.
    mac::Rng noise(mac::StreamSeed(seed, static_cast<std::uint64_t>(image_index), li));
    mac::ActionCounts* layer_counts = counts != nullptr ? &(*counts)[li] : nullptr;
    runners[li].RunBatch(
        std::span(s.patches).first(positions * static_cast<std::size_t>(l.Length())), noise,
        s.workspace, s.out, layer_counts);
    // The integer accumulators: the model's outputs rounded, plus the bias.
    s.acc.resize(outputs * positions);
    for (std::size_t p = 0; p < positions; ++p) {
      for (std::size_t m = 0; m < outputs; ++m) {
        s.acc[p * outputs + m] = std::llround(s.out[p * outputs + m]) + l.bias[m];
      }
    }
    if (l.logits) {
      // argmax, ties to the first index as the reference.
      return static_cast<int>(std::max_element(s.acc.begin(), s.acc.begin() + l.outputs) -
                              s.acc.begin());
    }
    s.maps.Advance(s.acc);
  }
  return -1;
}

std::vector<mac::MacRunner> MakeRunners(const MacNetwork& net, const NetworkConfig& config) {
  if (config.layers.size() != net.Layers()) {
    throw UsageError("configuration '" + config.name + "' has options for " +
                     std::to_string(config.layers.size()) + " layers; the network has " +
                     std::to_string(net.Layers()));
  }
  std::vector<mac::MacRunner> runners;
  runners.reserve(net.Layers());
  for (std::size_t li = 0; li < net.Layers(); ++li) {
    try {
      runners.emplace_back(net.Array(li), config.layers[li]);
    } catch (const UsageError& e) {
      throw UsageError("configuration '" + config.name + "', " + net.Network().layers[li].name +
                       ": " + e.what());
    }
  }
  return runners;
}

}  // namespace

MacNetwork::MacNetwork(const QuantizedNetwork& net,
                       const mac::MacShape& shape,
                       const calib::Macro& macro,
                       std::uint64_t chip_seed)
    : net_(&net) {
  arrays_.reserve(net.layers.size());
  for (std::size_t li = 0; li < net.layers.size(); ++li) {
    const QuantLayer& l = net.layers[li];
    mac::MacShape s = shape;
    s.activation_bits = l.activation_bits;
    s.weight_bits = l.weight_bits;
    s.signed_weights = l.signed_weights;
    arrays_.emplace_back(s, macro, l.weights, l.Length(), l.outputs,
                         mac::StreamSeed(chip_seed, li));
  }
}

void MacNetwork::FitReadout(const std::vector<std::vector<std::int32_t>>& layer_inputs,
                            std::span<const int> boundaries) {
  if (layer_inputs.size() != arrays_.size()) {
    throw UsageError("readout calibration: input vectors for " +
                     std::to_string(layer_inputs.size()) + " layers; the network has " +
                     std::to_string(arrays_.size()));
  }
  for (std::size_t li = 0; li < arrays_.size(); ++li) {
    try {
      arrays_[li].FitReadout(layer_inputs[li], boundaries);
    } catch (const UsageError& e) {
      throw UsageError(net_->layers[li].name + ": " + e.what());
    }
  }
}

NetworkConfig UniformConfig(const std::string& name,
                            const mac::RunOptions& options,
                            std::size_t layers) {
  return {name, std::vector<mac::RunOptions>(layers, options)};
}

InferenceResult RunNetwork(const MacNetwork& net,
                           const NetworkConfig& config,
                           const ImageSet& images,
                           const InferenceOptions& options) {
  const QuantizedNetwork& q = net.Network();
  CheckImages(q, images);
  const std::vector<mac::MacRunner> runners = MakeRunners(net, config);
  const std::int64_t count = images.Count();
  const std::int64_t blocks = (count + kImagesPerBlock - 1) / kImagesPerBlock;
  std::vector<std::vector<mac::ActionCounts>> block_counts(static_cast<std::size_t>(blocks));
  InferenceResult r;
  r.images = count;
  r.predictions.assign(static_cast<std::size_t>(count), 0);
  std::unique_ptr<core::Progress> progress;
  std::mutex progress_mutex;
  if (options.progress) {
    progress = std::make_unique<core::Progress>(config.name, static_cast<std::size_t>(blocks));
  }
  mac::ParallelBlocks(blocks, options.threads, [&](std::int64_t block) {
    Scratch s(q);
    auto& counts = block_counts[static_cast<std::size_t>(block)];
    counts.assign(q.layers.size(), {});
    const std::int64_t end = std::min(count, (block + 1) * kImagesPerBlock);
    for (std::int64_t n = block * kImagesPerBlock; n < end; ++n) {
      const int pred = RunImage(net, runners, images.Image(n), n, options.seed, q.layers.size(), s,
                                options.count ? &counts : nullptr);
      r.predictions[static_cast<std::size_t>(n)] = static_cast<std::uint8_t>(pred);
    }
    if (progress) {
      std::lock_guard lock(progress_mutex);
      progress->Step(false);
    }
  });
  if (progress) {
    progress->Finish();
  }
  for (std::int64_t n = 0; n < count; ++n) {
    r.correct +=
        r.predictions[static_cast<std::size_t>(n)] == images.labels[static_cast<std::size_t>(n)];
  }
  r.layer_counts.assign(q.layers.size(), {});
  for (const auto& counts : block_counts) {
    for (std::size_t li = 0; li < counts.size(); ++li) {
      r.layer_counts[li] += counts[li];
    }
  }
  for (std::size_t li = 0; li < q.layers.size(); ++li) {
    const mac::MacShape& shape = net.Shape(li);
    r.layer_energy.push_back(mac::ComputeEnergy(shape, net.Array(li).Macro(), r.layer_counts[li]));
    r.counts += r.layer_counts[li];
  }
  // The whole network priced as one: energies add, MACs add.
  mac::EnergyBreakdown& e = r.energy;
  for (const mac::EnergyBreakdown& le : r.layer_energy) {
    e += le;
  }
  if (r.counts.macs > 0 && e.total_j > 0.0) {
    e.per_mac_j = e.total_j / static_cast<double>(r.counts.macs);
    e.tops_per_w = 2.0 / e.per_mac_j * 1e-12;
    // Every layer of a network file is at most 8b x 8b; normalize by the MAC-weighted widths.
    double bits = 0.0;
    for (std::size_t li = 0; li < q.layers.size(); ++li) {
      bits += static_cast<double>(r.layer_counts[li].macs) * q.layers[li].activation_bits *
              q.layers[li].weight_bits;
    }
    e.tops_per_w_8b_norm = e.tops_per_w * bits / static_cast<double>(r.counts.macs) / 64.0;
  }
  return r;
}

std::vector<int> BoundaryMap(const MacNetwork& net,
                             const NetworkConfig& config,
                             const std::uint8_t* image,
                             std::int64_t image_index,
                             std::size_t layer,
                             const InferenceOptions& options) {
  const QuantizedNetwork& q = net.Network();
  if (layer >= q.layers.size()) {
    throw UsageError("layer " + std::to_string(layer) + " is outside the network's " +
                     std::to_string(q.layers.size()) + " layers");
  }
  const std::vector<mac::MacRunner> runners = MakeRunners(net, config);
  Scratch s(q);
  RunImage(net, runners, image, image_index, options.seed, layer, s, nullptr);
  const QuantLayer& l = q.layers[layer];
  const mac::MacArray& array = net.Array(layer);
  const auto passes = static_cast<std::size_t>(array.RowTiles() * array.ColumnTiles());
  std::vector<std::int64_t> saliency(passes);
  std::vector<int> boundary(passes);
  std::vector<int> map;
  const int k = l.Length();
  for (std::int64_t p = 0; p < l.Positions(); ++p) {
    const std::span<const std::int32_t> act(s.patches.data() + static_cast<std::size_t>(p) * k,
                                            static_cast<std::size_t>(k));
    runners[layer].Saliency(act, s.workspace, saliency, boundary);
    map.insert(map.end(), boundary.begin(), boundary.begin() + array.ColumnTiles());
  }
  return map;
}

std::vector<FeatureMaps> RunLayersBefore(const MacNetwork& net,
                                         const NetworkConfig& config,
                                         const ImageSet& images,
                                         std::size_t stop,
                                         const InferenceOptions& options) {
  const QuantizedNetwork& q = net.Network();
  CheckImages(q, images);
  if (stop >= q.layers.size()) {
    throw UsageError("layer " + std::to_string(stop) + " is outside the network's " +
                     std::to_string(q.layers.size()) + " layers");
  }
  const std::vector<mac::MacRunner> runners = MakeRunners(net, config);
  const std::int64_t count = images.Count();
  std::vector<FeatureMaps> maps(static_cast<std::size_t>(count), FeatureMaps(q));
  const std::int64_t blocks = (count + kImagesPerBlock - 1) / kImagesPerBlock;
  mac::ParallelBlocks(blocks, options.threads, [&](std::int64_t block) {
    Scratch s(q);
    const std::int64_t end = std::min(count, (block + 1) * kImagesPerBlock);
    for (std::int64_t n = block * kImagesPerBlock; n < end; ++n) {
      RunImage(net, runners, images.Image(n), n, options.seed, stop, s, nullptr);
      maps[static_cast<std::size_t>(n)] = s.maps;
    }
  });
  return maps;
}

std::vector<std::uint8_t> ReferencePredictions(const QuantizedNetwork& net,
                                               const ImageSet& images,
                                               int threads) {
  CheckImages(net, images);
  const std::int64_t count = images.Count();
  std::vector<std::uint8_t> predictions(static_cast<std::size_t>(count));
  const std::int64_t blocks = (count + kImagesPerBlock - 1) / kImagesPerBlock;
  mac::ParallelBlocks(blocks, threads, [&](std::int64_t block) {
    const std::int64_t end = std::min(count, (block + 1) * kImagesPerBlock);
    for (std::int64_t n = block * kImagesPerBlock; n < end; ++n) {
      predictions[static_cast<std::size_t>(n)] =
          static_cast<std::uint8_t>(ReferencePredict(net, images.Image(n)));
    }
  });
  return predictions;
}

std::vector<std::vector<std::int32_t>> ReferenceLayerInputs(const QuantizedNetwork& net,
                                                            const ImageSet& images,
                                                            std::int64_t max_vectors,
                                                            std::uint64_t seed,
                                                            int threads) {
  CheckImages(net, images);
  if (max_vectors < 1) {
    throw UsageError("calibration vectors per layer = " + std::to_string(max_vectors) +
                     " must be >= 1");
  }
  const std::size_t layers = net.layers.size();
  const std::int64_t count = images.Count();
  // chosen[l][n]: the positions of image n kept for layer l (sorted).
  std::vector<std::vector<std::vector<std::int32_t>>> chosen(layers);
  for (std::size_t li = 0; li < layers; ++li) {
    const std::int64_t positions = net.layers[li].Positions();
    const std::int64_t total = count * positions;
    std::vector<std::int64_t> index(static_cast<std::size_t>(total));
    for (std::int64_t i = 0; i < total; ++i) {
      index[static_cast<std::size_t>(i)] = i;
    }
    const std::int64_t keep = std::min(total, max_vectors);
    if (keep < total) {
      mac::Rng rng(mac::StreamSeed(seed, 0xCA1Bu, li));
      for (std::int64_t i = 0; i < keep; ++i) {  // partial Fisher-Yates
        const auto j =
            i + static_cast<std::int64_t>(rng.Next() % static_cast<std::uint64_t>(total - i));
        std::swap(index[static_cast<std::size_t>(i)], index[static_cast<std::size_t>(j)]);
      }
      index.resize(static_cast<std::size_t>(keep));
      std::sort(index.begin(), index.end());
    }
    chosen[li].resize(static_cast<std::size_t>(count));
    for (std::int64_t i : index) {
      chosen[li][static_cast<std::size_t>(i / positions)].push_back(
          static_cast<std::int32_t>(i % positions));
    }
  }
  // Per image, then concatenated in image order.
  std::vector<std::vector<std::vector<std::int32_t>>> per_image(static_cast<std::size_t>(count));
  const std::int64_t blocks = (count + kImagesPerBlock - 1) / kImagesPerBlock;
  mac::ParallelBlocks(blocks, threads, [&](std::int64_t block) {
    std::vector<std::vector<std::int32_t>> inputs;
    const std::int64_t end = std::min(count, (block + 1) * kImagesPerBlock);
    for (std::int64_t n = block * kImagesPerBlock; n < end; ++n) {
      ReferencePredict(net, images.Image(n), &inputs);
      auto& mine = per_image[static_cast<std::size_t>(n)];
      mine.resize(layers);
      for (std::size_t li = 0; li < layers; ++li) {
        const auto k = static_cast<std::size_t>(net.layers[li].Length());
        for (std::int32_t p : chosen[li][static_cast<std::size_t>(n)]) {
          const auto at =
              inputs[li].begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(p) * k);
          mine[li].insert(mine[li].end(), at, at + static_cast<std::ptrdiff_t>(k));
        }
      }
    }
  });
  std::vector<std::vector<std::int32_t>> out(layers);
  for (auto& image : per_image) {
    for (std::size_t li = 0; li < layers; ++li) {
      out[li].insert(out[li].end(), image[li].begin(), image[li].end());
    }
  }
  return out;
}

}  // namespace cimchar::network
