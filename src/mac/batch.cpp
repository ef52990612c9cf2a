#include "mac/batch.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "mac/random.h"

namespace cimchar::mac {

BatchResult RunBatch(const MacArray& array,
                     const RunOptions& options,
                     std::span<const std::int32_t> activations,
                     std::int64_t vectors,
                     const BatchOptions& batch) {
  const auto length = static_cast<std::size_t>(array.Length());
  if (vectors < 1 || activations.size() / length != static_cast<std::size_t>(vectors) ||
      activations.size() % length != 0) {
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
    MacRunner::Workspace workspace;
    const std::int64_t end = std::min(vectors, (block + 1) * kSamplesPerBlock);
    for (std::int64_t n = block * kSamplesPerBlock; n < end; ++n) {
      const auto at = static_cast<std::size_t>(n);
      const std::span<const std::int32_t> act = activations.subspan(at * length, length);
      Rng noise(StreamSeed(batch.seed, static_cast<std::uint64_t>(n), 2));
      const std::span<double> out(r.values.data() + at * outputs, outputs);
      if (batch.ideal) {
        array.Exact(act, std::span<std::int64_t>(r.ideal.data() + at * outputs, outputs));
      }
      runner.Run(act, noise, workspace, out, &block_counts[static_cast<std::size_t>(block)]);
      if (batch.passes) {
        runner.Saliency(act, workspace, std::span(r.saliency.data() + at * passes, passes),
                        std::span(r.boundaries.data() + at * passes, passes));
      }
      for (std::size_t c = 0; c < outputs; ++c) {
        r.codes[at * outputs + c] = std::llround(out[c]);
      }
    }
  });
  for (const ActionCounts& c : block_counts) {
    r.counts += c;
  }
  r.energy = ComputeEnergy(array.Shape(), array.Macro(), r.counts);
  return r;
}

}  // namespace cimchar::mac
