#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace cimchar::core {

// Progress of a long run: a bar redrawn in place on a terminal (done/total, rate, ETA,
// failures), plain lines at most every `line_period` otherwise (logs, CI). Writes to `out`
// (stderr by default). Not thread-safe: call from the thread that collects results.
class Progress {
 public:
  Progress(std::string label,
           std::size_t total,
           std::size_t already_done = 0,
           std::FILE* out = stderr,
           std::chrono::seconds line_period = std::chrono::seconds(10));
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // One more item finished (failed or not).
  void Step(bool failed);
  // `done` more items finished elsewhere (other processes), `failed` of them failed.
  void Advance(std::size_t done, std::size_t failed);
  // Ends the bar with a final line.
  void Finish();

  std::size_t done() const { return done_; }
  std::size_t failed() const { return failed_; }
  double elapsed_s() const;

 private:
  void Draw(bool final);

  std::string label_;
  std::size_t total_;
  std::size_t start_done_;
  std::size_t done_;
  std::size_t failed_ = 0;
  std::FILE* out_;
  bool tty_;
  bool finished_ = false;
  std::chrono::seconds line_period_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1h02m", "3m20s", "12s".
std::string FormatDuration(double seconds);

}  // namespace cimchar::core
