#pragma once

#include <filesystem>
#include <ostream>
#include <utility>
#include <vector>

#include "mac/evaluate.h"

namespace cimchar::mac {

// Parses "5-10" or "7" into an inclusive B_D/A range and checks it against `shape`.
// Failures: UsageError naming the text and the allowed range 0..a+w-1. Thread-safety: pure.
std::pair<int, int> ParseBoundaryRange(const std::string& text, const MacShape& shape);

// One point of an SNR-vs-B_D/A sweep with its error budget (rows as ErrorBudget returns them).
struct SweepPoint {
  Mode mode = Mode::kHcim;
  int boundary = 0;
  std::vector<BudgetRow> budget;
};

// DCIM as the reference point, then HCIM at every B_D/A in [first, last], each with the full
// error budget. Failures: as ErrorBudget / ParseBoundaryRange. Ownership: returns values.
// Thread-safety: reentrant; uses eval.threads threads.
std::vector<SweepPoint> SweepBoundaries(const Chips& chips,
                                        const RunOptions& base,
                                        int first,
                                        int last,
                                        const InputGenerator& inputs,
                                        const EvalOptions& eval);

// Human-readable table: SNR, offset-removed SNR, energy per MAC, TOPS/W, cycle counts and the
// SNR with each error source alone. Failures: none. Thread-safety: writes `out` only.
void PrintSweep(std::ostream& out, const MacShape& shape, const std::vector<SweepPoint>& points);

// CSV with one line per (point, budget row); written to a temporary file and renamed, so a
// failure leaves no partial file. Failures: cimchar::Error naming the path.
// Thread-safety: one writer per path.
void WriteSweepCsv(const std::filesystem::path& path, const std::vector<SweepPoint>& points);

}  // namespace cimchar::mac
