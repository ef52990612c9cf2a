#pragma once

// Which process runs which sample. Shards split a run between scheduler jobs that never talk
// (each writes its own file, `cimchar merge` joins them); ranks split what is left of a run (or
// of a shard) between the processes of one MPI job. Both deal samples round-robin by flat index
// (grid_point * samples_per_point + sample), so every part gets its share of every grid point,
// and neither changes a result: a sample's deviations depend only on the seed and its index.

#include <string>
#include <vector>

#include "lut/store.h"

namespace cimchar::distribute {

// Parses "K/N" (1 <= K <= N) as given to --shard. Failures: UsageError naming the text.
lut::Shard ParseShard(const std::string& text);

// The samples rank `rank` of `ranks` runs: pending[j] for every j = rank (mod ranks), in order.
// `pending` is the run's (or shard's) unfinished samples in key order, the same on every rank.
// Failures: none. Thread-safe.
std::vector<lut::SampleKey> Deal(const std::vector<lut::SampleKey>& pending, int rank, int ranks);

}  // namespace cimchar::distribute
