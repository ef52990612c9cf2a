#pragma once

// A sample-indexed run spread over MPI ranks (or run by one process): each rank simulates its
// share of the samples on its own worker pool and journals them in its own journal part; rank 0
// shows one progress for the whole run, keeps the HDF5 snapshot current and writes the final
// file. The file does not depend on the number of ranks or workers, on completion order, on
// shards or on resumes: each sample is a pure function of the run definition and its index.
//
// Whoever has a run of samples (characterization, validation dies, ...) describes it with a
// RunSpec and a Provenance and implements SampleTask; RunSamples does the rest: worker pool,
// MPI, dealing, journals, resume, progress, Ctrl-C, tables.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lut/store.h"
#include "spice/engine.h"
#include "spice/worker_pool.h"

namespace cimchar::distribute {

// What a sample needs next: more simulations, or nothing (it is finished).
struct Step {
  std::vector<spice::Job> jobs;       // run these, then Continue is called with their results
  std::optional<lut::Record> record;  // or: the sample's record (ok, or failed with a reason)
  bool retry = false;                 // the jobs re-run a simulation (relaxed options)
};

// One kind of sample-indexed run. Called on every rank, from one thread; a rank only sees the
// samples it runs. Samples are simulated as steps: Begin's jobs, then Continue with their
// results, which returns either the record or the next jobs (e.g. a retry, or a second stage
// that needs the first stage's results).
class SampleTask {
 public:
  virtual ~SampleTask() = default;
  // The first simulations of a sample (at least one). Failures: Error ends this rank's run.
  virtual std::vector<spice::Job> Begin(const lut::SampleKey& key) = 0;
  // The results of the sample's latest jobs, in their order; `round` counts the earlier
  // Continue calls for this sample. Failures: Error ends this rank's run (a simulation or
  // measurement that fails belongs in a failed record instead).
  virtual Step Continue(const lut::SampleKey& key,
                        int round,
                        std::vector<spice::RunResult>&& results) = 0;
  // The tables of the finished run from all its records (sorted by key). Called on rank 0 only,
  // and not for a shard (its file holds samples only; the merge computes the tables).
  virtual std::vector<lut::QuantityTable> Tables(const std::vector<lut::Record>& records) const = 0;
};

struct RunOptions {
  std::filesystem::path out;       // the HDF5 file (journal parts next to it while running)
  bool resume = false;             // continue an interrupted run (under any number of ranks)
  int jobs = 1;                    // worker processes per rank
  spice::EngineFactory engine;     // empty: one NgspiceSession per worker (tests: a fake)
  bool progress = true;            // rank 0: progress bar / lines on stderr
  std::string label = "run";       // the progress label
  double snapshot_every_s = 30.0;  // rank 0: how often the HDF5 file is refreshed
  double report_every_s = 1.0;     // other ranks: how often they send progress to rank 0
  // Rank 0 prints it on stderr the moment the run is stopped, before anything else (under
  // mpirun the job may be killed soon after): how to resume.
  std::string interrupted_message;
};

struct RunSummary {
  std::uint64_t grid_points = 0;
  std::uint64_t samples_total = 0;    // samples of the file (the shard's when sharded)
  std::uint64_t samples_run = 0;      // simulated by this invocation, all ranks
  std::uint64_t samples_resumed = 0;  // already journaled when it started
  std::uint64_t failed = 0;           // of samples_run
  std::uint64_t retried = 0;          // steps marked retry, all ranks
  std::map<std::string, std::uint64_t> failures_by_reason;  // reason up to its first ':'
  double wall_s = 0;
  double analysis_s = 0;  // ngspice's own analysis time, summed over samples and ranks
  bool interrupted = false;
  int ranks = 1;
  int rank = 0;
  // Rank 0: time spent on the other ranks (start-up agreement, their messages, reading their
  // journal parts) and time it waited for them after finishing its own samples.
  double coordination_s = 0;
  double waited_s = 0;
};

// Runs `spec` (shard included) into options.out with `task`. Every rank calls it with the same
// spec, provenance and options (the same command line). Constructs the worker pool first, then
// joins the MPI run (World()), so no worker is forked after MPI_Init.
// On rank 0 the summary covers the whole run; on the others, what that rank did.
// Ctrl-C / SIGTERM stop every rank cleanly (summary.interrupted): the journals keep every
// finished sample, rank 0 prints options.interrupted_message and refreshes the HDF5 snapshot.
// Failures: UsageError / Error thrown on every rank alike when the run cannot start (a journal
// of another run, --resume without one, a rank that cannot see the output folder ...); a
// failure only one rank of several sees (an I/O error) is printed by that rank, which then
// aborts the whole MPI job. Not thread-safe (installs signal handlers while running).
RunSummary RunSamples(const lut::RunSpec& spec,
                      const lut::Provenance& provenance,
                      SampleTask& task,
                      const RunOptions& options);

}  // namespace cimchar::distribute
