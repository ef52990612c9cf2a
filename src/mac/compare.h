#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "mac/evaluate.h"
#include "mac/thresholds.h"

namespace cimchar::mac {

// Default loss constraints for candidates B: relative MAC-output MSE limits L[i] growing
// tenfold per step from 1e-5 (the most precise pair) — a setting that keeps the error of the
// dynamic mode near the error of a fixed B_D/A in the middle of the range.
std::vector<double> DefaultLossConstraints(std::size_t candidates);

// Thresholds for `options.ose.candidates` from the Fig. 3(b) search on `eval.samples` vectors of
// `inputs` (the calibration set; the caller evaluates on other seeds). Failures: as
// FindThresholds / MakeRelativeMseLoss. Thread-safety: reentrant.
ThresholdResult CalibrateThresholds(const MacArray& array,
                                    const RunOptions& options,
                                    const std::vector<double>& constraints,
                                    const InputGenerator& inputs,
                                    const EvalOptions& eval);

// One mode of the comparison.
struct CompareRow {
  std::string name;  // "DCIM", "HCIM B=8", "OSA-HCIM"
  RunOptions options;
  SnrResult result;
};

// DCIM, HCIM at `hcim_boundary` and OSA-HCIM with `osa.ose` on the same inputs and noise.
// Failures: as EvaluateSnr. Thread-safety: reentrant.
std::vector<CompareRow> CompareModes(const Chips& chips,
                                     const RunOptions& osa,
                                     int hcim_boundary,
                                     const InputGenerator& inputs,
                                     const EvalOptions& eval);

// The table: TOPS/W (8b-normalized), energy relative to DCIM (as efficiency gain), SNR, the
// energy breakdown by block in percent, and the paper's figures beside ours. Failures: none.
void PrintComparison(std::ostream& out, const MacShape& shape, const std::vector<CompareRow>& rows);

}  // namespace cimchar::mac
