#include "core/progress.h"

#include <unistd.h>

#include <cmath>

namespace cimchar::core {

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) {
    return "?";
  }
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", s);
  }
  return buf;
}

Progress::Progress(std::string label,
                   std::size_t total,
                   std::size_t already_done,
                   std::FILE* out,
                   std::chrono::seconds line_period)
    : label_(std::move(label)),
      total_(total),
      start_done_(already_done),
      done_(already_done),
      out_(out),
      tty_(out != nullptr && isatty(fileno(out)) != 0),
      line_period_(line_period),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  Draw(false);
}

Progress::~Progress() {
  if (!finished_) {
    Finish();
  }
}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::Step(bool failed) { Advance(1, failed ? 1 : 0); }

void Progress::Advance(std::size_t done, std::size_t failed) {
  done_ += done;
  failed_ += failed;
  const auto now = std::chrono::steady_clock::now();
  const auto period = tty_ ? std::chrono::milliseconds(200)
                           : std::chrono::duration_cast<std::chrono::milliseconds>(line_period_);
  if (now - last_draw_ >= period || done_ == total_) {
    Draw(false);
    last_draw_ = now;
  }
}

void Progress::Finish() {
  finished_ = true;
  Draw(true);
}

void Progress::Draw(bool final) {
  if (out_ == nullptr) {
    return;
  }
  const double t = elapsed_s();
  const double rate = t > 0 ? static_cast<double>(done_ - start_done_) / t : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : NAN;
  const double frac = total_ > 0 ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  char stats[160];
  std::snprintf(stats, sizeof stats, "%zu/%zu  %.2f/s  ETA %s  failed %zu", done_, total_, rate,
                final ? "-" : FormatDuration(eta).c_str(), failed_);
  if (tty_) {
    constexpr int kWidth = 30;
    const int fill = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<std::size_t>(fill), '#');
    bar.resize(kWidth, '.');
    std::fprintf(out_, "\r%s [%s] %3.0f%%  %s\033[K", label_.c_str(), bar.c_str(), 100 * frac,
                 stats);
    if (final) {
      std::fprintf(out_, "  (%s)\n", FormatDuration(t).c_str());
    }
  } else {
    std::fprintf(out_, "%s: %3.0f%%  %s%s\n", label_.c_str(), 100 * frac, stats,
                 final ? ("  done in " + FormatDuration(t)).c_str() : "");
  }
  std::fflush(out_);
}

}  // namespace cimchar::core
