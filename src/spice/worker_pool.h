#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "spice/engine.h"
#include "spice/ngspice_session.h"

namespace cimchar::spice {

struct PoolOptions {
  int workers = 2;            // worker processes, each owning one engine
  SessionOptions session;     // for the default factory (one NgspiceSession per worker)
  double kill_grace_s = 5.0;  // a worker busy longer than job.timeout_s + this is SIGKILLed
};

// Builds the engine of one worker; called in the worker process right after fork.
using EngineFactory = std::function<std::unique_ptr<Engine>()>;

// Runs jobs on N worker processes, each owning one engine (by default an NgspiceSession), fed
// over a socketpair with a compact binary protocol. A worker that crashes (signal, exit() inside
// ngspice, ControlledExit) costs only the job it held, reported kFatal with the signal or exit
// status; a job running past job.timeout_s + kill_grace_s has its worker killed and is reported
// kTimeout. Either way the worker is replaced and the pool goes on. Results do not depend on the
// number of workers (each job runs alone on a freshly loaded deck, unless job.reuse_circuit).
//
// Processes: the constructor forks one small spawner process, and every worker (the first ones
// and each replacement) is forked by the spawner, never by this process. So whatever this
// process does after constructing the pool (start threads, initialise MPI, install signal
// handlers) never reaches a worker, and no fork happens after it. Still:
// - construct the pool before this process initialises ngspice (the default factory throws
//   cimchar::Error otherwise) and before it initialises MPI: the spawner is a copy of the
//   process as it is at construction;
// - the spawner ignores SIGINT and SIGTERM (it must outlive a Ctrl-C to reap and replace the
//   workers); workers start with the default action for them, so a Ctrl-C stops both this
//   process and its workers;
// - the spawner dies with this process and the workers with the spawner (PR_SET_PDEATHSIG);
//   neither runs this process's exit handlers.
// SIGPIPE is avoided per call (MSG_NOSIGNAL), EINTR is retried, every worker is reaped.
// Not thread-safe: one Stream/RunAll/Run at a time. The destructor closes the pipes, waits
// briefly for the workers to exit, then kills the ones left.
class WorkerPool : public Engine {
 public:
  explicit WorkerPool(const PoolOptions& options = {});
  // Workers run engines built by `factory` (e.g. a fake engine in orchestration tests).
  WorkerPool(const PoolOptions& options, EngineFactory factory);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  using ResultCallback = std::function<void(size_t index, RunResult&& result)>;

  // Runs every job; calls on_done(index into jobs, result) on the calling thread as each one
  // completes (completion order, not job order). Returns when all are done. If on_done throws,
  // the busy workers are replaced (their jobs dropped) and the exception propagates.
  // Throws cimchar::Error only when a worker cannot be forked.
  void RunAll(const std::vector<Job>& jobs, const ResultCallback& on_done);

  // The next job to run and the caller's id for it; false when there is none right now (the
  // source is asked again after every completion, so a result may give rise to new jobs).
  using JobSource = std::function<bool(Job& job, std::uint64_t& id)>;
  using StreamCallback = std::function<void(std::uint64_t id, RunResult&& result)>;

  // Runs jobs pulled from `next` whenever a worker is free, until `next` has none and no job is
  // running; calls on_done(id, result) as each completes and on_tick() at least every tick_s
  // seconds while jobs run (and after a signal interrupted the wait), all on the calling
  // thread. If next, on_done or on_tick throws, the busy workers are replaced (their jobs
  // dropped) and the exception propagates. Throws cimchar::Error when a worker cannot be started.
  void Stream(const JobSource& next,
              const StreamCallback& on_done,
              const std::function<void()>& on_tick = {},
              double tick_s = 0.5);

  // Runs one job on one worker.
  RunResult Run(const Job& job) override;

  int size() const { return static_cast<int>(workers_.size()); }
  // How many workers were replaced after a crash, a kill or a dead engine (for logs and tests).
  int replaced_workers() const { return replaced_workers_; }

 private:
  struct Worker {
    pid_t pid = -1;
    int fd = -1;  // parent's end of the socketpair
    bool busy = false;
    std::uint64_t job = 0;  // the caller's id of the job it holds
    double timeout_s = 0.0;
    double limit_s = 0.0;
    std::chrono::steady_clock::time_point started;
    std::string inbox;  // bytes received, not yet a whole frame
  };

  void StartSpawner();
  void Shutdown();
  void Spawn(Worker& worker);
  // Ends a worker (killing it if asked), reaps it, returns how it ended ("killed by signal ...").
  std::string Retire(Worker& worker, bool kill_first);
  void Replace(Worker& worker, bool kill_first, std::string* how_it_ended = nullptr);

  PoolOptions options_;
  EngineFactory factory_;
  std::vector<Worker> workers_;
  pid_t spawner_pid_ = -1;
  int spawner_fd_ = -1;  // requests to the spawner, replies (and worker sockets) back
  int replaced_workers_ = 0;
};

}  // namespace cimchar::spice
