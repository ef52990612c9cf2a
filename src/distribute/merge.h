#pragma once

// Joins the files of a sharded run (--shard K/N, one scheduler job each) into the file one
// process would have written.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lut/store.h"

namespace cimchar::distribute {

// Computes a finished run's tables from all its records (sorted by key), as the run itself
// would have at its end. `spec` is the whole run's (shard 1/1).
using Finisher =
    std::function<std::vector<lut::QuantityTable>(const lut::RunSpec& spec,
                                                  const lut::Provenance& provenance,
                                                  const std::vector<lut::Record>& records)>;

struct MergeSummary {
  std::size_t files = 0;
  std::uint64_t samples = 0;
  std::uint64_t failed = 0;
  double read_s = 0;    // opening and checking the shards
  double finish_s = 0;  // the tables
  double write_s = 0;   // the merged file
};

// Merges `shards` into `out`. Checks that every file is a run file of the same run (grid,
// samples, columns, recipe text, seed, netlist and model hashes, ngspice and cimchar versions,
// producer; created_utc excepted), that no sample is in two files and that every sample is in
// one, then computes the tables with finishers.at(provenance.producer) and writes `out`
// atomically: the datasets equal those of the same run done by one process (created_utc is the
// earliest shard's). Shards may come from different K/N splits as long as they cover the run
// exactly once.
// Failures: UsageError when there are no shards, `out` is one of them or has a journal, files
// belong to different runs (names both files and the field), samples overlap (names the files
// and the first sample) or are missing (names the missing shards and the first samples), or
// no finisher knows the producer; Error on unreadable files, naming them.
MergeSummary MergeShards(const std::filesystem::path& out,
                         const std::vector<std::filesystem::path>& shards,
                         const std::map<std::string, Finisher>& finishers);

}  // namespace cimchar::distribute
