#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "spice/engine.h"

namespace cimchar::spice {

struct SessionOptions {
  // OpenMP threads ngspice may use inside one analysis (`set num_threads`). The Debian build
  // defaults to 2; one thread per process is the right choice when several workers share cores.
  int omp_threads = 1;
  // Run analysis commands (tran, dc, op, ...) on ngspice's background thread so a job that runs
  // past its wall-time limit can be stopped with `bg_halt` and reported as kTimeout. When false,
  // commands run on the caller's thread and only a worker pool can enforce the limit.
  bool background_analysis = true;
};

// The process's one ngspice instance (libngspice keeps global state). RAII: the constructor
// initialises ngspice with this object's callbacks; the destructor removes every circuit and
// plot it left behind.
//
// - One per process, ever: a second construction (even after the first was destroyed) throws
//   cimchar::Error, because libngspice cannot be re-initialised or unloaded when linked directly.
//   Parallel runs use a WorkerPool (one session per worker process).
// - Run never throws for a simulation outcome: deck errors, non-convergence, timeouts and
//   ngspice's ControlledExit are values in RunResult. After a ControlledExit (a syntax error in a
//   deck, `quit`, an internal ngspice error) the session is dead: Alive() is false and every
//   later Run returns kFatal saying so; recovery is a new process.
// - Every ngspice call runs with the C locale set process-wide (and restored afterwards), so do
//   not change the locale from other threads during Run.
// - Not thread-safe: one Run at a time.
class NgspiceSession : public Engine {
 public:
  NgspiceSession();
  explicit NgspiceSession(const SessionOptions& options);
  ~NgspiceSession() override;
  NgspiceSession(const NgspiceSession&) = delete;
  NgspiceSession& operator=(const NgspiceSession&) = delete;

  // Loads job.deck (unless job.reuse_circuit and the deck equals the loaded one), runs
  // job.commands in order, copies job.vectors (real parts) out of the current plot, then
  // destroys all plots and (unless reusing) removes the circuit.
  RunResult Run(const Job& job) override;
  bool Alive() const override { return !exited_; }

  // Names of the plots ngspice holds right now ("const" is always there). For leak checks.
  std::vector<std::string> PlotNames();
  // Number of circuits ngspice holds right now (parsed from `setcirc`). For leak checks.
  int CircuitCount();

  const SessionOptions& options() const { return options_; }

  // True once a session was constructed in this process (a forked child inherits it).
  static bool InitialisedInProcess();

  // Called from ngspice's threads through the C trampolines; not for use by callers.
  void OnOutput(const char* line);
  void OnExit(int status, bool quit);
  void OnBackgroundRunning(bool running);

 private:
  struct Capture;
  // Sends one command on the caller's thread; returns ngspice's return code.
  int Command(const std::string& command);
  // Runs one job command; true when it finished (false: wall-time limit hit, halted).
  bool RunCommand(const std::string& command, double deadline_s, bool* halt_failed);
  bool LoadDeck(const std::string& deck, RunResult& result);
  void Unload();
  double ReadAnalysisTime();

  SessionOptions options_;
  std::mutex mutex_;  // guards everything below that callbacks touch
  std::condition_variable bg_cv_;
  bool bg_running_ = false;
  std::vector<std::string>* sink_ = nullptr;  // where output lines go (job log or scratch)
  std::atomic<bool> exited_ = false;
  int exit_status_ = 0;
  bool exit_was_quit_ = false;
  std::string exit_context_;  // what was running when ngspice exited

  bool circuit_loaded_ = false;
  std::string loaded_deck_;
  double analysis_base_s_ = 0.0;  // analysis time already counted for the loaded circuit
};

// The ngspice version this library was built against, e.g. "ngspice-39", for provenance.
std::string NgspiceVersion();

}  // namespace cimchar::spice
