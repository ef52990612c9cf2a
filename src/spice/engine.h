#pragma once

#include <map>
#include <string>
#include <vector>

namespace cimchar::spice {

// What happened to one simulation. Outcomes are values, never exceptions.
enum class Outcome {
  kOk,             // analysis finished; vectors are filled
  kNoConvergence,  // "timestep too small", singular matrix, gmin/source stepping failed
  kTimeout,        // the per-job wall-time limit was hit; the run was stopped
  kFatal,          // ngspice died (ControlledExit, crash of the worker): the job is lost
  kDeckError,      // malformed deck: syntax, unknown model/subcircuit, missing include
};

// "ok", "no-convergence", "timeout", "fatal", "deck-error". Never null.
const char* OutcomeName(Outcome outcome);

// One simulation: a deck (netlist text, no .control block needed) plus the commands to run
// after loading it, and the vectors to copy out of the last plot.
struct Job {
  std::string deck;                   // full netlist text; first line is the title
  std::vector<std::string> commands;  // e.g. {"alter @m.x1.mn[delvto]=0.01", "tran 1e-12 1e-9"}
  std::vector<std::string> vectors;   // e.g. {"time", "v(out)", "i(vdd)"}; empty: none
  double timeout_s = 60.0;            // wall-time limit of the whole job
  // Keep the parsed circuit when `deck` is byte-identical to the deck loaded by the previous job
  // of the same engine (saves the parse/setup time in Monte Carlo loops). Contract: `commands`
  // must set every parameter any job on this deck changes (e.g. every `alter` of the loop), since
  // values altered by earlier jobs persist. Engines may ignore it (then they always reload).
  bool reuse_circuit = false;
};

struct RunResult {
  Outcome outcome = Outcome::kFatal;
  std::string message;           // cause, as ngspice reported it (names the deck line)
  std::vector<std::string> log;  // every stdout/stderr line ngspice printed for this job
  std::map<std::string, std::vector<double>> vectors;  // real part of each requested vector
  double analysis_s = 0.0;  // ngspice's own analysis time (rusage), seconds
  double wall_s = 0.0;      // wall time the engine spent on the job (load, commands, copy-out)

  bool ok() const { return outcome == Outcome::kOk; }
};

// Anything that runs jobs: the in-process ngspice session, a worker pool, or a fake engine in
// orchestration tests. Not thread-safe unless the implementation says so.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual RunResult Run(const Job& job) = 0;
  // False once the engine can run no more jobs (ngspice called ControlledExit): every later Run
  // returns kFatal. The owner replaces it (a worker process exits and is respawned).
  virtual bool Alive() const { return true; }
};

}  // namespace cimchar::spice
