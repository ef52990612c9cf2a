#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "characterize/bench.h"
#include "characterize/recipe.h"
#include "distribute/run.h"
#include "lut/store.h"
#include "spice/worker_pool.h"

namespace cimchar::characterize {

// The producer name of characterization runs in their files (Provenance::producer).
inline constexpr const char* kProducer = "characterize";

struct RunOptions {
  int jobs = 1;                        // worker processes (per MPI rank)
  std::filesystem::path out;           // the HDF5 file (F.journal* next to it while running)
  bool resume = false;                 // continue an interrupted run of the same recipe
  bool progress = true;                // progress bar / lines on stderr (rank 0)
  lut::Shard shard;                    // --shard K/N: only these samples, into their own file
  spice::EngineFactory engine;         // empty: one NgspiceSession per worker (tests: a fake)
  std::shared_ptr<const Bench> bench;  // empty: MakeBench(recipe) (tests: a custom bench)
  double snapshot_every_s = 30.0;      // how often the HDF5 file is refreshed while running
  std::string interrupted_message;     // printed by rank 0 on stderr when the run is stopped
  // When set, each distinct deck is also written there as <bench>_<grid point>.cir with a
  // .control block holding sample 0's mismatch and the analysis, so `ngspice -b FILE`
  // reproduces that sample outside cimchar (for debugging a bench or a PDK).
  std::filesystem::path decks_dir;
};

using RunSummary = distribute::RunSummary;

// Runs a recipe's Monte Carlo characterization into options.out: every (grid point, sample)
// of options.shard is simulated on a worker pool with the sample's mismatch applied, measured
// by the bench, journaled at once, and finally reduced into tables (mean, static σ, dynamic σ);
// a shard's file holds its samples and no tables (cimchar merge joins the shards). Started by
// mpirun, every rank calls it alike and the samples are spread over the ranks
// (distribute::RunSamples). Deterministic: the file's data depend only on the recipe (not on
// ranks, jobs, order, shards or resumes).
// Ctrl-C (SIGINT/SIGTERM) stops cleanly: finished samples are kept, options.interrupted_message
// is printed, the HDF5 snapshot is refreshed and summary.interrupted is set.
// Throws cimchar::UsageError for bad recipes or a journal that belongs to another run, and
// cimchar::Error for I/O failures. Not thread-safe (installs signal handlers while running).
RunSummary RunCharacterization(const Recipe& recipe, const RunOptions& options);

// The tables of a characterization run from all its records (sorted by key), as
// RunCharacterization writes them at its end: mean and static σ across samples, the bench's
// dynamic σ. Failures: UsageError when a table cannot be built (names it).
std::vector<lut::QuantityTable> RunTables(const Recipe& recipe,
                                          const Bench& bench,
                                          const lut::RunSpec& spec,
                                          const std::vector<lut::Record>& records);

// RunTables for `cimchar merge` (a distribute::Finisher): rebuilds the recipe and the bench
// from provenance.recipe_text.
// Failures: Error when the recipe text does not rebuild the run `spec` describes.
std::vector<lut::QuantityTable> TablesOfRun(const lut::RunSpec& spec,
                                            const lut::Provenance& provenance,
                                            const std::vector<lut::Record>& records);

}  // namespace cimchar::characterize
