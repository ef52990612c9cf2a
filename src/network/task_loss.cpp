#include "network/task_loss.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/error.h"
#include "mac/evaluate.h"
#include "mac/random.h"

namespace cimchar::network {

namespace {

constexpr std::int64_t kImagesPerBlock = 4;

// Runs body(first, end) on the images [first, end) of each block of kImagesPerBlock, the blocks
// spread over `threads` threads.
template <class Body>
void ForImageBlocks(std::size_t count, int threads, const Body& body) {
  const std::int64_t blocks =
      (static_cast<std::int64_t>(count) + kImagesPerBlock - 1) / kImagesPerBlock;
  mac::ParallelBlocks(blocks, threads, [&](std::int64_t block) {
    const auto first = static_cast<std::size_t>(block * kImagesPerBlock);
    body(first, std::min(count, first + static_cast<std::size_t>(kImagesPerBlock)));
  });
}

// -log softmax(scale * acc)[label] over the first `classes` accumulators, or with `errors` 1 when
// the first largest accumulator is not the label's, else 0.
double ImageMeasure(
    std::span<const std::int64_t> acc, int classes, double scale, int label, bool errors) {
  if (errors) {
    return std::max_element(acc.begin(), acc.begin() + classes) - acc.begin() == label ? 0.0 : 1.0;
  }
  double top = -INFINITY;
  for (int c = 0; c < classes; ++c) {
    top = std::max(top, scale * static_cast<double>(acc[static_cast<std::size_t>(c)]));
  }
  double sum = 0.0;
  for (int c = 0; c < classes; ++c) {
    sum += std::exp(scale * static_cast<double>(acc[static_cast<std::size_t>(c)]) - top);
  }
  return top + std::log(sum) - scale * static_cast<double>(acc[static_cast<std::size_t>(label)]);
}

// What the loss keeps: per image, the candidates' row-tile partial sums of the layer.
struct Tables {
  const QuantizedNetwork* net = nullptr;
  std::size_t layer = 0;
  std::vector<FeatureMaps> before;
  std::vector<std::uint8_t> labels;
  std::vector<std::vector<double>> tiles;  // per image: ((p * rt + t) * b + m) * outputs + c
  std::size_t positions = 0, row_tiles = 0, column_tiles = 0, outputs = 0, candidates = 0;
  std::size_t columns = 0;
  double scale = 0.0;
  bool errors = false;
  int threads = 1;
  // Per image, the losses of the choices already evaluated (by a hash of the image's choice): a
  // threshold search moves only the passes near the threshold, so most images repeat a choice.
  // Each image is touched by one thread per loss call.
  std::vector<std::unordered_map<std::uint64_t, double>> memo;

  std::size_t PassesPerImage() const { return positions * row_tiles * column_tiles; }

  // One thread's buffers for running an image's remaining layers.
  struct Scratch {
    FeatureMaps maps;
    std::vector<std::int32_t> patches;
    std::vector<std::int64_t> acc;
  };

  // Image n's loss for the choice of its own passes.
  double ImageLoss(std::size_t n, std::span<const int> choice, Scratch& scratch) const {
    FeatureMaps& maps = scratch.maps;
    std::vector<std::int32_t>& patches = scratch.patches;
    std::vector<std::int64_t>& acc = scratch.acc;
    const QuantizedNetwork& q = *net;
    const QuantLayer& l = q.layers[layer];
    const std::vector<double>& t = tiles[n];
    acc.resize(positions * outputs);
    for (std::size_t p = 0; p < positions; ++p) {
      for (std::size_t c = 0; c < outputs; ++c) {
        const std::size_t ct = c / columns;
        double v = 0.0;
        for (std::size_t r = 0; r < row_tiles; ++r) {
          const auto m = static_cast<std::size_t>(choice[(p * row_tiles + r) * column_tiles + ct]);
          v += t[((p * row_tiles + r) * candidates + m) * outputs + c];
        }
        acc[p * outputs + c] = std::llround(v) + l.bias[c];
      }
    }
    const int label = labels[n];
    if (l.logits) {
      return ImageMeasure(acc, l.outputs, scale, label, errors);
    }
    maps = before[n];
    maps.Advance(acc);
    for (std::size_t li = layer + 1; li < q.layers.size(); ++li) {
      const QuantLayer& next = q.layers[li];
      maps.Patches(patches);
      ReferenceAccumulators(next, patches, acc);
      if (next.logits) {
        return ImageMeasure(acc, next.outputs, scale, label, errors);
      }
      maps.Advance(acc);
    }
    return 0.0;  // unreachable: ReadNetwork checks that the last layer produces logits
  }
};

}  // namespace

mac::LossData MakeTaskLoss(const MacNetwork& net,
                           std::size_t layer,
                           const std::vector<FeatureMaps>& before,
                           const ImageSet& images,
                           const mac::RunOptions& osa,
                           std::uint64_t seed,
                           int threads,
                           TaskMeasure measure) {
  const QuantizedNetwork& q = net.Network();
  if (layer >= q.layers.size()) {
    throw UsageError("task loss: layer " + std::to_string(layer) + " is outside the network's " +
                     std::to_string(q.layers.size()) + " layers");
  }
  const double scale = q.layers.back().output_scale;
  if (measure == TaskMeasure::kCrossEntropy && !(scale > 0.0)) {
    throw UsageError(
        q.path +
        ": the logits layer states no output_scale, which the task loss "
        "(cross-entropy) needs; use the MSE loss or the error count, or rewrite the file with "
        "tools/networks/qnet.py");
  }
  if (static_cast<std::int64_t>(before.size()) != images.Count() || before.empty()) {
    throw UsageError("task loss: " + std::to_string(before.size()) + " feature maps for " +
                     std::to_string(images.Count()) + " calibration images of " + images.source);
  }
  const QuantLayer& l = q.layers[layer];
  const mac::MacArray& array = net.Array(layer);
  mac::RunOptions probe = osa;
  probe.mode = mac::Mode::kOsaHcim;
  probe.ose.thresholds.assign(probe.ose.candidates.size() - 1, 0);
  mac::ValidateRunOptions(array.Shape(), probe);
  const mac::MacRunner saliency_runner(array, probe);
  std::vector<mac::MacRunner> runners;
  for (int b : osa.ose.candidates) {
    mac::RunOptions forced = probe;
    forced.ose.candidates = {b};
    forced.ose.thresholds = {};
    runners.emplace_back(array, forced);
  }
  auto t = std::make_shared<Tables>();
  t->net = &q;
  t->layer = layer;
  t->before = before;
  t->labels.assign(images.labels.begin(), images.labels.end());
  t->positions = static_cast<std::size_t>(l.Positions());
  t->row_tiles = static_cast<std::size_t>(array.RowTiles());
  t->column_tiles = static_cast<std::size_t>(array.ColumnTiles());
  t->outputs = static_cast<std::size_t>(l.outputs);
  t->candidates = runners.size();
  t->columns = static_cast<std::size_t>(array.Shape().columns);
  t->scale = scale;
  t->errors = measure == TaskMeasure::kErrors;
  t->threads = threads;
  const auto count = static_cast<std::size_t>(images.Count());
  const std::size_t per_image = t->PassesPerImage();
  const auto length = static_cast<std::size_t>(l.Length());
  t->tiles.resize(count);
  t->memo.resize(count);
  mac::LossData data;
  data.saliency.resize(count * per_image);
  ForImageBlocks(count, threads, [&](std::size_t first, std::size_t end) {
    std::vector<std::int32_t> patches;
    std::vector<double> out(t->positions * t->outputs);
    std::vector<double> per_tile(t->positions * t->row_tiles * t->outputs);
    std::vector<int> chosen(t->row_tiles * t->column_tiles);
    mac::MacRunner::Workspace workspace;
    for (std::size_t n = first; n < end; ++n) {
      before[n].Patches(patches);
      for (std::size_t p = 0; p < t->positions; ++p) {
        saliency_runner.Saliency(
            std::span(patches).subspan(p * length, length), workspace,
            std::span(data.saliency).subspan(n * per_image + p * chosen.size(), chosen.size()),
            chosen);
      }
      std::vector<double>& mine = t->tiles[n];
      mine.resize(t->positions * t->row_tiles * t->candidates * t->outputs);
      for (std::size_t m = 0; m < t->candidates; ++m) {
        mac::Rng noise(mac::StreamSeed(seed, n, layer, m));
        runners[m].RunBatch(patches, noise, workspace, out, nullptr, per_tile);
        for (std::size_t pt = 0; pt < t->positions * t->row_tiles; ++pt) {
          std::copy_n(
              per_tile.begin() + static_cast<std::ptrdiff_t>(pt * t->outputs), t->outputs,
              mine.begin() + static_cast<std::ptrdiff_t>((pt * t->candidates + m) * t->outputs));
        }
      }
    }
  });
  data.loss = [t, count, per_image](std::span<const int> choice) {
    if (choice.size() != count * per_image) {
      throw UsageError("task loss: choice vector has " + std::to_string(choice.size()) +
                       " entries; expected " + std::to_string(count * per_image));
    }
    std::vector<double> loss(count);
    ForImageBlocks(count, t->threads, [&](std::size_t first, std::size_t end) {
      Tables::Scratch scratch{FeatureMaps(*t->net), {}, {}};
      for (std::size_t n = first; n < end; ++n) {
        const std::span<const int> mine = choice.subspan(n * per_image, per_image);
        std::uint64_t key = 0x9E3779B97F4A7C15ULL;
        for (int c : mine) {
          key = mac::Mix64(key ^ static_cast<std::uint64_t>(c));
        }
        auto& memo = t->memo[n];
        const auto hit = memo.find(key);
        if (hit != memo.end()) {
          loss[n] = hit->second;
          continue;
        }
        loss[n] = t->ImageLoss(n, mine, scratch);
        memo.emplace(key, loss[n]);
      }
    });
    double sum = 0.0;
    for (double v : loss) {
      sum += v;
    }
    return sum / static_cast<double>(count);
  };
  data.pass_cost = [t, count, per_image](std::size_t m, std::span<const std::size_t> passes) {
    if (m + 1 >= t->candidates) {
      throw UsageError("pass cost: candidate pair " + std::to_string(m) + " -> " +
                       std::to_string(m + 1) + " is outside the " + std::to_string(t->candidates) +
                       " candidates");
    }
    // The requested passes grouped by image, each image's base loss computed once.
    std::vector<std::vector<std::size_t>> by_image(count);
    for (std::size_t i = 0; i < passes.size(); ++i) {
      if (passes[i] >= count * per_image) {
        throw UsageError("pass cost: pass " + std::to_string(passes[i]) + " is outside the " +
                         std::to_string(count * per_image) + " calibration passes");
      }
      by_image[passes[i] / per_image].push_back(i);
    }
    std::vector<double> cost(passes.size());
    ForImageBlocks(count, t->threads, [&](std::size_t first, std::size_t end) {
      Tables::Scratch scratch{FeatureMaps(*t->net), {}, {}};
      std::vector<int> choice(per_image, static_cast<int>(m));
      for (std::size_t n = first; n < end; ++n) {
        if (by_image[n].empty()) {
          continue;
        }
        const double base = t->ImageLoss(n, choice, scratch);
        for (std::size_t i : by_image[n]) {
          const std::size_t local = passes[i] - n * per_image;
          choice[local] = static_cast<int>(m + 1);
          cost[i] = (t->ImageLoss(n, choice, scratch) - base) / static_cast<double>(count);
          choice[local] = static_cast<int>(m);
        }
      }
    });
    return cost;
  };
  return data;
}

}  // namespace cimchar::network
