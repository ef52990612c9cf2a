#include "mac/batch.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "mac/random.h"

namespace cimchar::mac {

BatchResult EvaluateBatch(const MacArray& array,
                          const RunOptions& options,
                          std::span<const std::int32_t> activations,
                          std::int64_t vectors,
                          const BatchOptions& batch) {
  const auto length = static_cast<std::size_t>(array.Length());
  if (vectors < 1 || activations.size() % length != 0 ||
      activations.size() / length != static_cast<std::size_t>(vectors)) {
    throw UsageError(
        "a batch of " + std::to_string(vectors) + " vectors of " + std::to_string(length) +
        " activations needs " +
        std::to_string(std::max<std::int64_t>(vectors, 0) * static_cast<std::int64_t>(length)) +
        " values (at least one vector); got " + std::to_string(activations.size()));
  }
  const MacRunner runner(array, options);
  BatchResult r;
  r.vectors = vectors;
  r.outputs = array.Outputs();
  r.passes = array.RowTiles() * array.ColumnTiles();
  const auto outputs = static_cast<std::size_t>(r.outputs);
  const auto passes = static_cast<std::size_t>(r.passes);
  const auto count = static_cast<std::size_t>(vectors);
  r.values.resize(count * outputs);
  r.codes.resize(count * outputs);
  if (batch.ideal) {
    r.ideal.resize(count * outputs);
  }
  if (batch.passes) {
    r.saliency.resize(count * passes);
    r.boundaries.resize(count * passes);
  }
  const std::int64_t blocks = (vectors + kSamplesPerBlock - 1) / kSamplesPerBlock;
  std::vector<ActionCounts> block_counts(static_cast<std::size_t>(blocks));
  ParallelBlocks(blocks, batch.threads, [&](std::int64_t block) {
    const auto first = static_cast<std::size_t>(block * kSamplesPerBlock);
    const std::size_t n = std::min(count, first + kSamplesPerBlock) - first;
    const auto act = activations.subspan(first * length, n * length);
    MacRunner::Workspace workspace;
    Rng noise(StreamSeed(batch.seed, static_cast<std::uint64_t>(block), 2));
    runner.RunBatch(act, noise, workspace,
                    std::span(r.values).subspan(first * outputs, n * outputs),
                    &block_counts[static_cast<std::size_t>(block)]);
    for (std::size_t v = first; v < first + n; ++v) {
      const auto one = activations.subspan(v * length, length);
      if (batch.ideal) {
        array.Exact(one, std::span(r.ideal).subspan(v * outputs, outputs));
      }
      if (batch.passes) {
        runner.Saliency(one, workspace, std::span(r.saliency).subspan(v * passes, passes),
                        std::span(r.boundaries).subspan(v * passes, passes));
      }
    }
    for (std::size_t i = first * outputs; i < (first + n) * outputs; ++i) {
      r.codes[i] = std::llround(r.values[i]);
    }
  });
  for (const ActionCounts& c : block_counts) {
    r.counts += c;
  }
  r.energy = ComputeEnergy(array.Shape(), array.Macro(), r.counts);
  return r;
}

}  // namespace cimchar::mac
