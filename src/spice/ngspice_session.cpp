#include "spice/ngspice_session.h"

#include <ngspice/sharedspice.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <clocale>
#include <cstring>
#include <string_view>

#include "core/error.h"

namespace cimchar::spice {
namespace {

using Clock = std::chrono::steady_clock;

// Set once the process has constructed its one session; never cleared (see the class comment).
std::atomic<bool> g_session_constructed{false};

// C trampolines: recover the session from `user`, never let an exception cross into C.
int OnSendChar(char* text, int /*id*/, void* user) {
  try {
    static_cast<NgspiceSession*>(user)->OnOutput(text);
  } catch (...) {
  }
  return 0;
}

int OnSendStat(char* /*status*/, int /*id*/, void* /*user*/) { return 0; }

int OnControlledExit(int status, NG_BOOL /*unload*/, NG_BOOL quit, int /*id*/, void* user) {
  try {
    static_cast<NgspiceSession*>(user)->OnExit(status, quit);
  } catch (...) {
  }
  return 0;
}

// ngspice passes true when the background thread has finished, false when it starts.
int OnBackgroundThread(NG_BOOL finished, int /*id*/, void* user) {
  try {
    static_cast<NgspiceSession*>(user)->OnBackgroundRunning(!finished);
  } catch (...) {
  }
  return 0;
}

// Sets the C locale process-wide for its lifetime (ngspice parses numbers with the C library,
// and its background thread shares the global locale), restoring the previous one afterwards.
class CLocaleScope {
 public:
  CLocaleScope() {
    const char* current = std::setlocale(LC_ALL, nullptr);
    if (current != nullptr && std::strcmp(current, "C") != 0) {
      saved_ = current;
      std::setlocale(LC_ALL, "C");
    }
  }
  ~CLocaleScope() {
    if (!saved_.empty()) {
      std::setlocale(LC_ALL, saved_.c_str());
    }
  }
  CLocaleScope(const CLocaleScope&) = delete;
  CLocaleScope& operator=(const CLocaleScope&) = delete;

 private:
  std::string saved_;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Output lines arrive as "stdout <text>" or "stderr <text>".
bool IsStderr(const std::string& line) { return line.rfind("stderr ", 0) == 0; }
std::string_view Text(const std::string& line) {
  std::string_view v(line);
  if (v.rfind("stdout ", 0) == 0 || v.rfind("stderr ", 0) == 0) {
    v.remove_prefix(7);
  }
  return v;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (end < text.size() || !line.empty()) {
      lines.push_back(std::move(line));
    }
    start = end + 1;
  }
  return lines;
}

std::string CollapseSpaces(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
    } else {
      if (space) {
        out += ' ';
      }
      space = false;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

// Finds the deck line an ngspice message is about: "line no. N" / "line N", a deck line quoted
// in the message, or the .include/.lib line whose file the message names. 0: not found.
size_t LocateDeckLine(const std::vector<std::string>& deck_lines,
                      const std::vector<std::string>& messages) {
  for (const std::string& m : messages) {
    const std::string lower = Lower(m);
    for (std::string_view key : {"line no. ", "on line ", "line "}) {
      size_t pos = lower.find(key);
      if (pos == std::string::npos) {
        continue;
      }
      size_t number = 0;
      const char* first = lower.data() + pos + key.size();
      auto [ptr, ec] = std::from_chars(first, lower.data() + lower.size(), number);
      if (ec == std::errc() && ptr != first && number >= 1 && number <= deck_lines.size()) {
        return number;
      }
    }
  }
  for (const std::string& m : messages) {
    const std::string message = CollapseSpaces(m);
    for (size_t i = 1; i < deck_lines.size(); ++i) {
      const std::string line = CollapseSpaces(deck_lines[i]);
      if (line.size() < 4 || line[0] == '*') {
        continue;
      }
      if (line[0] == '.') {
        // .include FILE / .lib FILE SECTION: match on the file name.
        size_t space = line.find(' ');
        if (space == std::string::npos) {
          continue;
        }
        std::string_view directive(line.data(), space);
        if (directive != ".include" && directive != ".inc" && directive != ".lib") {
          continue;
        }
        std::string file = line.substr(space + 1);
        file = file.substr(0, file.find(' '));
        file.erase(std::remove(file.begin(), file.end(), '"'), file.end());
        if (!file.empty() && Contains(message, file)) {
          return i + 1;
        }
      } else if (Contains(message, line)) {
        return i + 1;
      }
    }
  }
  return 0;
}

std::string JoinStderr(const std::vector<std::string>& log, size_t first, size_t max_lines) {
  std::string out;
  size_t n = 0;
  for (size_t i = first; i < log.size() && n < max_lines; ++i) {
    if (!IsStderr(log[i])) {
      continue;
    }
    std::string_view text = Text(log[i]);
    if (text.empty()) {
      continue;
    }
    if (!out.empty()) {
      out += " | ";
    }
    out += text;
    ++n;
  }
  return out;
}

bool IsAnalysisCommand(const std::string& command) {
  std::string word = Lower(command.substr(0, command.find_first_of(" \t")));
  static const char* const kAnalyses[] = {"tran", "dc", "op",   "ac",    "run",    "noise",
                                          "pz",   "tf", "sens", "disto", "resume", "sp"};
  return std::any_of(std::begin(kAnalyses), std::end(kAnalyses),
                     [&](const char* a) { return word == a; });
}

bool IsConvergenceText(const std::string& lower) {
  for (std::string_view key :
       {"timestep too small", "singular matrix", "gmin stepping failed", "source stepping failed",
        "iteration limit", "convergence", "transient op failed"}) {
    if (Contains(lower, key)) {
      return true;
    }
  }
  return false;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

// Points the session's output sink at `sink` for its lifetime.
struct NgspiceSession::Capture {
  Capture(NgspiceSession* session, std::vector<std::string>* sink) : session_(session) {
    std::lock_guard<std::mutex> lock(session_->mutex_);
    previous_ = session_->sink_;
    session_->sink_ = sink;
  }
  ~Capture() {
    std::lock_guard<std::mutex> lock(session_->mutex_);
    session_->sink_ = previous_;
  }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  NgspiceSession* session_;
  std::vector<std::string>* previous_;
};

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kNoConvergence:
      return "no-convergence";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kFatal:
      return "fatal";
    case Outcome::kDeckError:
      return "deck-error";
  }
  return "unknown";
}

std::string NgspiceVersion() { return std::string("ngspice-") + NGSPICE_PACKAGE_VERSION; }

bool NgspiceSession::InitialisedInProcess() { return g_session_constructed.load(); }

NgspiceSession::NgspiceSession() : NgspiceSession(SessionOptions{}) {}

NgspiceSession::NgspiceSession(const SessionOptions& options) : options_(options) {
  if (g_session_constructed.exchange(true)) {
    throw Error("NgspiceSession: ngspice was already initialised in this process (pid " +
                std::to_string(getpid()) +
                "); libngspice holds global state and allows one session per process. Reuse that "
                "session, or run jobs in parallel through a WorkerPool (one session per worker).");
  }
  if (options_.omp_threads < 1) {
    throw Error("NgspiceSession: omp_threads must be >= 1, got " +
                std::to_string(options_.omp_threads));
  }
  CLocaleScope c_locale;
  std::vector<std::string> scratch;
  Capture capture(this, &scratch);
  if (ngSpice_Init(OnSendChar, OnSendStat, OnControlledExit, nullptr, nullptr, OnBackgroundThread,
                   this) != 0) {
    throw Error("NgspiceSession: ngSpice_Init failed; check that libngspice0 is installed");
  }
  for (const std::string& command : {std::string("set noaskquit"), std::string("set nomoremode"),
                                     std::string("unset interactive"),
                                     "set num_threads=" + std::to_string(options_.omp_threads)}) {
    if (Command(command) != 0 || exited_) {
      throw Error("NgspiceSession: ngspice rejected the set-up command '" + command +
                  "': " + JoinStderr(scratch, 0, 5));
    }
  }
}

NgspiceSession::~NgspiceSession() {
  if (exited_) {
    return;
  }
  CLocaleScope c_locale;
  std::vector<std::string> scratch;
  Capture capture(this, &scratch);
  Command("destroy all");
  if (circuit_loaded_) {
    Unload();
  }
}

void NgspiceSession::OnOutput(const char* line) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (sink_ != nullptr && line != nullptr) {
    sink_->emplace_back(line);
  }
}

void NgspiceSession::OnExit(int status, bool quit) {
  std::lock_guard<std::mutex> lock(mutex_);
  exited_ = true;
  exit_status_ = status;
  exit_was_quit_ = quit;
}

void NgspiceSession::OnBackgroundRunning(bool running) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    bg_running_ = running;
  }
  bg_cv_.notify_all();
}

int NgspiceSession::Command(const std::string& command) {
  std::string buffer = command;  // ngspice wants a mutable char*
  return ngSpice_Command(buffer.data());
}

bool NgspiceSession::RunCommand(const std::string& command, double deadline_s, bool* halt_failed) {
  if (!options_.background_analysis || !IsAnalysisCommand(command)) {
    Command(command);
    return true;
  }
  const auto start = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    bg_running_ = true;  // cleared by the callback when the background thread ends
  }
  if (Command("bg_" + command) != 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    bg_running_ = false;
    return true;  // the caller classifies from the log and the exit flag
  }
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(std::max(0.0, deadline_s)));
  std::unique_lock<std::mutex> lock(mutex_);
  int idle_checks = 0;
  bool seen_running = false;
  while (bg_running_) {
    const auto slice = std::min(deadline, Clock::now() + std::chrono::milliseconds(200));
    bg_cv_.wait_until(lock, slice, [this] { return !bg_running_; });
    if (!bg_running_) {
      break;
    }
    if (Clock::now() >= deadline) {
      lock.unlock();
      Command("bg_halt");
      lock.lock();
      bg_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return !bg_running_; });
      if (bg_running_ || ngSpice_running()) {
        *halt_failed = true;
      }
      return false;
    }
    // Guard against a lost callback: the thread is gone if ngspice says so twice in a row after
    // it was seen running, or for 5 s if it never was. Before it runs, "not running" may only
    // mean that the thread has not been scheduled yet (a busy machine), and reading the vectors
    // then would find no plot.
    const bool running = ngSpice_running();
    seen_running = seen_running || running;
    idle_checks = running ? 0 : idle_checks + 1;
    if (idle_checks >= (seen_running ? 2 : 25)) {
      bg_running_ = false;
    }
  }
  return true;
}

bool NgspiceSession::LoadDeck(const std::string& deck, RunResult& result) {
  std::vector<std::string> lines = SplitLines(deck);
  std::vector<char*> pointers;
  pointers.reserve(lines.size() + 1);
  for (std::string& line : lines) {
    pointers.push_back(line.data());
  }
  pointers.push_back(nullptr);

  const size_t first = result.log.size();
  int rc = 0;
  {
    Capture capture(this, &result.log);
    rc = ngSpice_Circ(pointers.data());
  }
  circuit_loaded_ = !exited_;

  std::vector<std::string> errors;
  bool titled = false;
  for (size_t i = first; i < result.log.size(); ++i) {
    const std::string lower = Lower(Text(result.log[i]));
    if (!IsStderr(result.log[i])) {
      titled = titled || lower.rfind("circuit:", 0) == 0;
      continue;
    }
    if (Contains(lower, "error") || Contains(lower, "can't find") ||
        Contains(lower, "could not find") || Contains(lower, "cannot")) {
      errors.emplace_back(Text(result.log[i]));
    }
  }
  if (rc == 0 && !exited_ && errors.empty() && titled) {
    return true;
  }

  result.outcome = Outcome::kDeckError;
  std::string cause = JoinStderr(result.log, first, 12);
  if (cause.empty()) {
    cause = rc != 0 ? "ngSpice_Circ returned " + std::to_string(rc)
                    : "no circuit was loaded (ngspice printed no error)";
  }
  // Quote the deck line the messages point at, with its number (1 = the title line).
  std::vector<std::string> messages;
  for (size_t i = first; i < result.log.size(); ++i) {
    if (IsStderr(result.log[i])) {
      messages.emplace_back(Text(result.log[i]));
    }
  }
  std::string message = "deck rejected by ngspice: " + cause;
  if (size_t line = LocateDeckLine(lines, messages); line > 0) {
    message += " [deck line " + std::to_string(line) + ": " + lines[line - 1] + "]";
  }
  if (exited_) {
    message += " (ngspice called ControlledExit while parsing: this session is dead)";
  }
  result.message = std::move(message);
  if (!exited_) {
    Unload();
  }
  return false;
}

void NgspiceSession::Unload() {
  std::vector<std::string> scratch;
  Capture capture(this, &scratch);
  Command("remcirc");
  circuit_loaded_ = false;
  loaded_deck_.clear();
  analysis_base_s_ = 0.0;
}

double NgspiceSession::ReadAnalysisTime() {
  std::vector<std::string> scratch;
  {
    Capture capture(this, &scratch);
    Command("rusage time");
  }
  static constexpr std::string_view kKey = "Total analysis time (seconds) =";
  for (const std::string& line : scratch) {
    std::string_view text = Text(line);
    size_t pos = text.find(kKey);
    if (pos == std::string_view::npos) {
      continue;
    }
    std::string value(text.substr(pos + kKey.size()));
    try {
      return std::stod(value);
    } catch (const std::exception&) {
      return 0.0;
    }
  }
  return 0.0;
}

RunResult NgspiceSession::Run(const Job& job) {
  const auto start = Clock::now();
  RunResult result;
  if (exited_) {
    result.outcome = Outcome::kFatal;
    result.message = "ngspice session is dead: ngspice called ControlledExit (status " +
                     std::to_string(exit_status_) + (exit_was_quit_ ? ", quit" : ", error") +
                     ") during " + exit_context_ +
                     "; it cannot run more jobs in this process. Start a new process (a "
                     "WorkerPool replaces its worker).";
    return result;
  }
  CLocaleScope c_locale;
  result.outcome = Outcome::kOk;

  const bool reuse = job.reuse_circuit && circuit_loaded_ && loaded_deck_ == job.deck;
  if (!reuse) {
    if (circuit_loaded_) {
      Unload();
    }
    exit_context_ = "loading a deck";
    if (!LoadDeck(job.deck, result)) {
      result.wall_s = Seconds(Clock::now() - start);
      return result;
    }
    if (job.reuse_circuit) {
      loaded_deck_ = job.deck;
    }
  }

  bool halt_failed = false;
  for (const std::string& command : job.commands) {
    const size_t first = result.log.size();
    exit_context_ = "command '" + command + "'";
    bool finished = true;
    {
      Capture capture(this, &result.log);
      const double remaining = job.timeout_s - Seconds(Clock::now() - start);
      finished = RunCommand(command, remaining, &halt_failed);
    }
    if (exited_) {
      result.outcome = Outcome::kFatal;
      result.message = "ngspice called ControlledExit (status " + std::to_string(exit_status_) +
                       (exit_was_quit_ ? ", quit" : ", error") + ") while running command '" +
                       command + "'";
      if (std::string err = JoinStderr(result.log, first, 6); !err.empty()) {
        result.message += ": " + err;
      }
      result.message += "; this session is dead";
      break;
    }
    if (!finished) {
      result.outcome = Outcome::kTimeout;
      result.message = "job exceeded its wall-time limit of " + std::to_string(job.timeout_s) +
                       " s in command '" + command + "'; stopped with bg_halt";
      break;
    }
    bool aborted = false;
    bool convergence = false;
    std::string first_error;
    for (size_t i = first; i < result.log.size(); ++i) {
      if (!IsStderr(result.log[i])) {
        continue;
      }
      const std::string lower = Lower(Text(result.log[i]));
      aborted = aborted || Contains(lower, "simulation(s) aborted") ||
                Contains(lower, "simulation interrupted");
      convergence = convergence || (IsConvergenceText(lower) && !Contains(lower, "note:"));
      if (first_error.empty() &&
          (lower.rfind("error", 0) == 0 || Contains(lower, "no such command"))) {
        first_error = Text(result.log[i]);
      }
    }
    if (aborted) {
      result.outcome = convergence ? Outcome::kNoConvergence : Outcome::kDeckError;
      result.message = "command '" + command + "' failed: " + JoinStderr(result.log, first, 8);
      if (result.message.size() > 2000) {
        result.message.resize(2000);
      }
      break;
    }
    if (!first_error.empty()) {
      result.outcome = Outcome::kDeckError;
      result.message = "command '" + command + "' failed: " + first_error;
      break;
    }
  }

  if (result.outcome == Outcome::kOk) {
    Capture capture(this, &result.log);
    for (const std::string& name : job.vectors) {
      std::string buffer = name;
      pvector_info info = ngGet_Vec_Info(buffer.data());
      if (info == nullptr) {
        const char* plot = ngSpice_CurPlot();
        result.outcome = Outcome::kDeckError;
        result.message =
            "vector '" + name + "' not found in plot '" + (plot != nullptr ? plot : "?") + "'";
        result.vectors.clear();
        break;
      }
      std::vector<double>& values = result.vectors[name];
      const size_t n = info->v_length > 0 ? static_cast<size_t>(info->v_length) : 0;
      values.resize(n);
      if (info->v_realdata != nullptr) {
        std::copy(info->v_realdata, info->v_realdata + n, values.begin());
      } else if (info->v_compdata != nullptr) {
        for (size_t i = 0; i < n; ++i) {
          values[i] = info->v_compdata[i].cx_real;
        }
      }
    }
  }

  if (!exited_ && !halt_failed) {
    const double total = ReadAnalysisTime();
    result.analysis_s = std::max(0.0, total - analysis_base_s_);
    analysis_base_s_ = total;
    std::vector<std::string> scratch;
    Capture capture(this, &scratch);
    if (!job.reuse_circuit || result.outcome != Outcome::kOk) {
      Command("destroy all");
      Unload();
    } else {
      // The circuit stays for the next job. Its current plot must stay too: destroying the
      // plot a loaded circuit last wrote makes ngspice's next transient of that circuit
      // diverge (measured on the SAR ADC bench: ngspice 39 ends the rerun early with other
      // waveforms). Every older plot goes, so at most one plot is kept.
      const char* current = ngSpice_CurPlot();
      const std::string keep = current != nullptr ? current : "";
      for (const std::string& plot : PlotNames()) {
        if (plot != keep && plot != "const") {
          Command("destroy " + plot);
        }
      }
    }
  }
  if (halt_failed) {
    std::lock_guard<std::mutex> lock(mutex_);
    exited_ = true;
    exit_context_ = "a job whose background thread did not stop after bg_halt";
    result.message += " (the background thread did not stop: this session is dead)";
  }
  result.wall_s = Seconds(Clock::now() - start);
  return result;
}

std::vector<std::string> NgspiceSession::PlotNames() {
  std::vector<std::string> names;
  if (exited_) {
    return names;
  }
  CLocaleScope c_locale;
  char** plots = ngSpice_AllPlots();
  for (size_t i = 0; plots != nullptr && plots[i] != nullptr; ++i) {
    names.emplace_back(plots[i]);
  }
  return names;
}

int NgspiceSession::CircuitCount() {
  if (exited_) {
    return 0;
  }
  CLocaleScope c_locale;
  std::vector<std::string> scratch;
  {
    Capture capture(this, &scratch);
    Command("setcirc");
  }
  int count = 0;
  bool listing = false;
  for (const std::string& line : scratch) {
    std::string_view text = Text(line);
    if (Contains(text, "List of circuits loaded")) {
      listing = true;
      continue;
    }
    if (!listing) {
      continue;
    }
    if (text.rfind("Current", 0) == 0) {
      text.remove_prefix(7);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
      text.remove_prefix(1);
    }
    if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.front()))) {
      ++count;
    }
  }
  return count;
}

}  // namespace cimchar::spice
