#pragma once

// How the processes of one distributed run talk to each other: an MPI communicator when an MPI
// launcher (mpirun, srun) started this process and cimchar was built with MPI, a single process
// otherwise. Records never travel through it (every rank journals its own samples on the shared
// file system); it carries the start-up agreement, progress and each rank's final summary.

#include <optional>
#include <string>
#include <vector>

namespace cimchar::distribute {

// What a rank sends to the root.
enum class Tag : int { kProgress = 1, kDone = 2 };

struct Message {
  int from = 0;
  Tag tag = Tag::kProgress;
  std::string bytes;
};

// The ranks of a run. Not thread-safe: call from one thread.
class Comm {
 public:
  virtual ~Comm() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool root() const { return rank() == 0; }
  // "rank 2 of 4 (node17)", for messages.
  virtual std::string Describe() const = 0;

  // Collective: every rank returns the root's `bytes`. Failures: Error when MPI fails.
  virtual std::string Broadcast(const std::string& bytes) = 0;
  // Collective: the root returns every rank's bytes in rank order, the others {}.
  // Failures: Error when MPI fails.
  virtual std::vector<std::string> Gather(const std::string& bytes) = 0;
  // Not on the root: queues a message to the root and returns at once. Failures: Error when MPI
  // fails.
  virtual void Send(Tag tag, std::string bytes) = 0;
  // On the root: the next message that has arrived, if any; never blocks. Failures: Error when
  // MPI fails.
  virtual std::optional<Message> Poll() = 0;
  // Waits until every message this rank queued has left it. Failures: Error when MPI fails.
  virtual void Flush() = 0;
  // Ends every rank of the run with exit code `code`; for a failure only this rank saw.
  [[noreturn]] virtual void Abort(int code) = 0;
  // The run was interrupted (a signal, a dead rank): this rank will leave without finalizing
  // MPI, which would wait for ranks that may be gone, until mpirun kills this one too (and
  // mpirun stops forwarding the output of a job it is tearing down).
  virtual void Abandon() {}
};

// What the environment says about how this process was started, known before MPI is
// initialised (e.g. so that only rank 0 prints).
struct Launch {
  bool by_mpi = false;  // an MPI launcher started it (mpirun, mpiexec, srun with PMI/PMIx)
  int rank = 0;
  int size = 1;  // 0 when the launcher does not say
};
Launch LaunchedBy();

// Whether this cimchar was built with MPI.
bool BuiltWithMpi();

// Refuses a launch a build cannot serve: an MPI launcher that started several ranks (or a rank
// other than 0) of a cimchar built without MPI, where every rank would run the whole sweep into
// the same file. Failures: UsageError saying what to install.
void CheckLaunch(const Launch& launch, bool built_with_mpi);

// This process's communicator. Under an MPI launcher (and built with MPI) the first call
// initialises MPI, which is finalized at exit; otherwise it is a single process. Call it after
// constructing the worker pool: the pool's spawner must be forked before MPI_Init.
// Failures: UsageError when an MPI launcher started several ranks but cimchar was built without
// MPI (every rank would run the whole sweep into the same file); Error when MPI cannot start.
Comm& World();

}  // namespace cimchar::distribute
