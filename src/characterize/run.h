#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "characterize/bench.h"
#include "characterize/recipe.h"
#include "spice/worker_pool.h"

namespace cimchar::characterize {

struct RunOptions {
  int jobs = 1;                        // worker processes
  std::filesystem::path out;           // the HDF5 file (F.journal next to it while running)
  bool resume = false;                 // continue an interrupted run of the same recipe
  bool progress = true;                // progress bar / lines on stderr
  std::string resume_hint;             // the command that resumes this run, printed on Ctrl-C
  spice::EngineFactory engine;         // empty: one NgspiceSession per worker (tests: a fake)
  std::shared_ptr<const Bench> bench;  // empty: MakeBench(recipe) (tests: a custom bench)
  double snapshot_every_s = 30.0;      // how often the HDF5 file is refreshed while running
  // When set, each distinct deck is also written there as <bench>_<grid point>.cir with a
  // .control block holding sample 0's mismatch and the analysis, so `ngspice -b FILE`
  // reproduces that sample outside cimchar (for debugging a bench or a PDK).
  std::filesystem::path decks_dir;
};

struct RunSummary {
  std::uint64_t grid_points = 0;
  std::uint64_t samples_total = 0;
  std::uint64_t samples_run = 0;      // simulated by this invocation
  std::uint64_t samples_resumed = 0;  // already in the journal when it started
  std::uint64_t failed = 0;
  std::uint64_t retried = 0;  // non-convergent samples re-run with relaxed options
  std::map<std::string, std::uint64_t> failures_by_reason;
  double wall_s = 0;
  double analysis_s = 0;  // ngspice's own analysis time, summed over samples
  bool interrupted = false;
};

// Runs a recipe's Monte Carlo characterization into options.out: every (grid point, sample)
// is simulated on a worker pool with the sample's mismatch applied, measured by the bench,
// journaled at once, and finally reduced into tables (mean, static σ, dynamic σ).
// Deterministic: the file's data depend only on the recipe (not on jobs, order or resumes).
// Ctrl-C (SIGINT/SIGTERM) stops cleanly: finished samples are kept, the HDF5 snapshot is
// refreshed, summary.interrupted is set (the caller tells how to resume).
// Throws cimchar::UsageError for bad recipes or a journal that belongs to another run, and
// cimchar::Error for I/O failures. Not thread-safe (installs signal handlers while running).
RunSummary RunCharacterization(const Recipe& recipe, const RunOptions& options);

}  // namespace cimchar::characterize
