#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mac/thresholds.h"

// The file `cimchar thresholds --out` writes and compare, plot breakdown and tools/run read:
// plain text, one "key = values" line each after a '#' line saying what the thresholds were
// found on:
//   # cimchar thresholds: 2000 scaled vectors, seed 1, over 10 chip instance(s)
//   candidates = 5 6 7 8 9 10          B, increasing
//   losses_limit = 2e-05 5e-05 ...     L, one per threshold (6 significant digits)
//   nq_full_scale = 30                 the N/Q full scale the search ran with
//   thresholds = 169 13 0 0 0          T, one fewer than B
//   loss_reached = 1.63506e-05 ...     the loss after each step (6 significant digits)
//   met = yes yes yes yes yes          whether each L held

namespace cimchar::mac {

struct ThresholdsFile {
  std::string description;          // what they were found on: the '#' line without "# "
  std::vector<int> candidates;      // B
  std::vector<double> loss_limits;  // L
  int nq_full_scale = 0;
  ThresholdResult found;  // T, the loss reached at each step, whether each L held
};

// The file's text. Failures: none. Thread-safety: pure.
std::string FormatThresholdsFile(const ThresholdsFile& file);

// Writes the text to `path`, creating its folder. Failures: Error naming the path.
// Thread-safety: one writer per path.
void WriteThresholdsFile(const std::filesystem::path& path, const ThresholdsFile& file);

// Reads a file FormatThresholdsFile wrote. Failures: Error naming the path for a file that
// cannot be read; UsageError naming the path and the line or key for a line that is not
// "key = values", an unknown key, a value that is not a number (or yes/no), a missing
// candidates, nq_full_scale or thresholds line, or a threshold count other than candidates - 1.
// Thread-safety: pure.
ThresholdsFile ReadThresholdsFile(const std::filesystem::path& path);

}  // namespace cimchar::mac
