#include "network/oracle.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/error.h"
#include "mac/evaluate.h"
#include "mac/random.h"

namespace cimchar::network {

namespace {

constexpr std::int64_t kImagesPerBlock = 16;

// One layer's forced runs of one image: per used candidate u, per (position, row tile, output),
// the model's row-tile partial sums, and the exact ones.
struct LayerRuns {
  std::vector<std::vector<double>> tiles;  // [u][(p * rt + t) * outputs + c]
  std::vector<std::int64_t> exact;         // [(p * rt + t) * outputs + c]
};

}  // namespace

OracleResult RunOracle(const MacNetwork& net,
                       const NetworkConfig& config,
                       const std::vector<std::vector<double>>& mix,
                       const ImageSet& images,
                       const InferenceOptions& options) {
  const QuantizedNetwork& q = net.Network();
  if (config.layers.size() != q.layers.size() || mix.size() != q.layers.size()) {
    throw UsageError("oracle of '" + config.name + "': options for " +
                     std::to_string(config.layers.size()) + " layers and mixes for " +
                     std::to_string(mix.size()) + "; the network has " +
                     std::to_string(q.layers.size()));
  }
  // Every image's maps before layer 0 (and the checks of the images and the options).
  const std::int64_t count = images.Count();
  NetworkConfig checked = config;
  for (mac::RunOptions& o : checked.layers) {
    o.mode = mac::Mode::kOsaHcim;
    o.ose.thresholds.assign(o.ose.candidates.empty() ? 0 : o.ose.candidates.size() - 1, 0);
  }
  std::vector<FeatureMaps> maps = RunLayersBefore(net, checked, images, 0, options);
  OracleResult result;
  result.images = count;
  result.predictions.assign(static_cast<std::size_t>(count), 0);
  const std::int64_t blocks = (count + kImagesPerBlock - 1) / kImagesPerBlock;
  for (std::size_t li = 0; li < q.layers.size(); ++li) {
    const QuantLayer& l = q.layers[li];
    const mac::MacArray& array = net.Array(li);
    mac::RunOptions probe = config.layers[li];
    probe.mode = mac::Mode::kOsaHcim;
    probe.ose.thresholds.assign(probe.ose.candidates.size() - 1, 0);
    if (mix[li].size() != probe.ose.candidates.size()) {
      throw UsageError("oracle of '" + config.name + "', " + l.name + ": " +
                       std::to_string(mix[li].size()) + " shares for " +
                       std::to_string(probe.ose.candidates.size()) + " candidates");
    }
    std::vector<std::size_t> used;  // candidate indices with a share, finest first
    std::vector<double> share;
    for (std::size_t m = 0; m < mix[li].size(); ++m) {
      if (mix[li][m] > 0.0) {
        used.push_back(m);
        share.push_back(mix[li][m]);
      }
    }
    if (used.empty()) {
      throw UsageError("oracle of '" + config.name + "', " + l.name + ": no candidate has a share");
    }
    std::vector<mac::MacRunner> runners;
    for (std::size_t m : used) {
      mac::RunOptions forced = probe;
      forced.ose.candidates = {probe.ose.candidates[m]};
      forced.ose.thresholds = {};
      runners.emplace_back(array, forced);
    }
    const auto positions = static_cast<std::size_t>(l.Positions());
    const auto rt = static_cast<std::size_t>(array.RowTiles());
    const auto ctiles = static_cast<std::size_t>(array.ColumnTiles());
    const auto outputs = static_cast<std::size_t>(l.outputs);
    const auto columns = static_cast<std::size_t>(array.Shape().columns);
    const auto length = static_cast<std::size_t>(l.Length());
    const std::size_t per_image = positions * rt * ctiles;
    auto run = [&](std::size_t n, std::vector<std::int32_t>& patches,
                   mac::MacRunner::Workspace& workspace, LayerRuns& r) {
      maps[n].Patches(patches);
      r.tiles.resize(used.size());
      std::vector<double> out(positions * outputs);
      for (std::size_t u = 0; u < used.size(); ++u) {
        r.tiles[u].resize(positions * rt * outputs);
        mac::Rng noise(mac::StreamSeed(options.seed, n, li, used[u]));
        runners[u].RunBatch(patches, noise, workspace, out, nullptr, r.tiles[u]);
      }
      r.exact.resize(positions * rt * outputs);
      std::vector<std::int64_t> ideal(outputs);
      for (std::size_t p = 0; p < positions; ++p) {
        array.Exact(std::span(patches).subspan(p * length, length), ideal,
                    std::span(r.exact).subspan(p * rt * outputs, rt * outputs));
      }
    };
    // Pass 1: every pass's cost of going from the finest to the coarsest candidate used.
    std::vector<int> choice(static_cast<std::size_t>(count) * per_image, 0);
    if (used.size() > 1) {
      std::vector<double> cost(choice.size());
      mac::ParallelBlocks(blocks, options.threads, [&](std::int64_t block) {
        std::vector<std::int32_t> patches;
        mac::MacRunner::Workspace workspace;
        LayerRuns r;
        const auto first = static_cast<std::size_t>(block * kImagesPerBlock);
        for (std::size_t n = first; n < std::min<std::size_t>(count, first + kImagesPerBlock);
             ++n) {
          run(n, patches, workspace, r);
          const std::vector<double>& fine = r.tiles.front();
          const std::vector<double>& coarse = r.tiles.back();
          for (std::size_t p = 0; p < positions; ++p) {
            for (std::size_t ct = 0; ct < ctiles; ++ct) {
              for (std::size_t t = 0; t < rt; ++t) {
                double delta = 0.0;
                for (std::size_t c = ct * columns; c < std::min(outputs, (ct + 1) * columns); ++c) {
                  double e = 0.0;
                  for (std::size_t u = 0; u < rt; ++u) {
                    const std::size_t at = (p * rt + u) * outputs + c;
                    e += fine[at] - static_cast<double>(r.exact[at]);
                  }
                  const std::size_t at = (p * rt + t) * outputs + c;
                  const double moved = e - fine[at] + coarse[at];
                  delta += moved * moved - e * e;
                }
                cost[n * per_image + (p * rt + t) * ctiles + ct] = delta;
              }
            }
          }
        }
      });
      // The costliest passes take the finest candidate, in the point's proportions.
      std::vector<std::size_t> order(cost.size());
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return cost[a] > cost[b]; });
      const double total = std::accumulate(share.begin(), share.end(), 0.0);
      double cumulative = 0.0;
      std::size_t from = 0;
      for (std::size_t u = 0; u < used.size(); ++u) {
        cumulative += share[u] / total;
        const std::size_t to =
            u + 1 == used.size()
                ? order.size()
                : std::min(order.size(), static_cast<std::size_t>(std::llround(
                                             cumulative * static_cast<double>(order.size()))));
        for (std::size_t i = from; i < to; ++i) {
          choice[order[i]] = static_cast<int>(u);
        }
        from = std::max(from, to);
      }
    }
    // Pass 2: the same runs, each pass from its assigned candidate.
    mac::ParallelBlocks(blocks, options.threads, [&](std::int64_t block) {
      std::vector<std::int32_t> patches;
      mac::MacRunner::Workspace workspace;
      LayerRuns r;
      std::vector<std::int64_t> acc(positions * outputs);
      const auto first = static_cast<std::size_t>(block * kImagesPerBlock);
      for (std::size_t n = first; n < std::min<std::size_t>(count, first + kImagesPerBlock); ++n) {
        run(n, patches, workspace, r);
        for (std::size_t p = 0; p < positions; ++p) {
          for (std::size_t c = 0; c < outputs; ++c) {
            const std::size_t ct = c / columns;
            double v = 0.0;
            for (std::size_t t = 0; t < rt; ++t) {
              const auto u =
                  static_cast<std::size_t>(choice[n * per_image + (p * rt + t) * ctiles + ct]);
              v += r.tiles[u][(p * rt + t) * outputs + c];
            }
            acc[p * outputs + c] = std::llround(v) + l.bias[c];
          }
        }
        if (l.logits) {
          result.predictions[n] = static_cast<std::uint8_t>(
              std::max_element(acc.begin(), acc.begin() + l.outputs) - acc.begin());
        } else {
          maps[n].Advance(acc);
        }
      }
    });
  }
  for (std::int64_t n = 0; n < count; ++n) {
    result.correct += result.predictions[static_cast<std::size_t>(n)] ==
                      images.labels[static_cast<std::size_t>(n)];
  }
  return result;
}

}  // namespace cimchar::network
