#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "mac/evaluate.h"
#include "mac/mac_model.h"
#include "mac/options.h"

namespace cimchar::mac {

// Default percentile of SaliencyFullScale: the top 1 % of the counts saturate the N/Q unit.
inline constexpr double kSaliencyFullScalePercentile = 99.0;

// Loss of a precision assignment: choice[p] is the candidate index (0 = B[0], most precise) of
// array pass p of the calibration set. Must be deterministic. Thread-safety: called from one
// thread.
using LossFn = std::function<double(std::span<const int> choice)>;

struct ThresholdResult {
  std::vector<std::int64_t> thresholds;  // T[0..b-2], non-increasing
  std::vector<double> losses;            // loss after step i (T[0..i] set, the rest at B[i+1])
  std::vector<bool> met;                 // losses[i] <= L[i]
};

// The paper's Fig. 3(b) search. Step i places T[i] between B[i] and B[i+1]: passes with
// S >= T[i] (not already taken by T[0..i-1]) run at B[i], all others at B[i+1]; T[i] is the
// largest saliency value (fewest passes at the more precise B[i]) whose loss is <= L[i], found by
// bisection over the distinct saliency values of the calibration set (the loss grows with T[i]).
// When even T[i] = min S misses L[i], T[i] = min S and met[i] is false.
// Failures: UsageError for fewer than 2 candidates, constraints.size() != candidates - 1,
// constraints not non-decreasing, or an empty saliency set. Ownership: returns a value.
// Thread-safety: calls `loss` from the calling thread only.
ThresholdResult FindThresholds(std::span<const std::int64_t> saliency,
                               int candidates,
                               std::span<const double> constraints,
                               const LossFn& loss);

// The choice vector FindThresholds evaluates: thresholds T[0..used-1] applied, every pass below
// them at candidate `used`. Failures: none. Thread-safety: pure.
std::vector<int> AssignCandidates(std::span<const std::int64_t> saliency,
                                  std::span<const std::int64_t> thresholds,
                                  std::size_t used);

// The N/Q full scale F that follows the data's range (OseOptions::nq_full_scale): the
// `percentile` (0..100] of the non-zero 1-bit MAC counts the saliency evaluator sees on
// `eval.samples` vectors of `inputs` (every row tile, column and (i, j) pair of the s saliency
// orders), at least 1. When no count is non-zero, rows + 1. Failures: UsageError for invalid
// options, samples < 1 or a percentile outside (0, 100]. Thread-safety: reentrant; uses
// eval.threads threads; the result does not depend on their number.
int SaliencyFullScale(const MacArray& array,
                      const RunOptions& options,
                      const InputGenerator& inputs,
                      const EvalOptions& eval,
                      double percentile = kSaliencyFullScalePercentile);

// A calibration set for the default loss: per-pass saliency and per-(pass, candidate, column)
// model errors of the row-tile partial sums, and the ideal outputs.
//
// pass_cost(m, passes): for each pass of `passes` (indices into saliency, candidates m and m+1
// existing), the loss increase when that pass alone moves from B[m] to B[m+1], every other pass
// at B[m] — how much going coarse on that pass costs, the quantity a saliency should predict.
using PassCostFn =
    std::function<std::vector<double>(std::size_t m, std::span<const std::size_t> passes)>;
struct LossData {
  std::vector<std::int64_t> saliency;  // per array pass: (sample, row tile, column tile)
  LossFn loss;                         // relative MAC-output MSE: sum e^2 / sum y^2
  PassCostFn pass_cost;
};

// Builds the default loss on `eval.samples` input vectors: each candidate B runs as OSA-HCIM
// forced to B (same saliency orders, so the OSE orders stay digital), with the switches and the
// compensation of `options`. Sample n uses inputs (seed, n, 1); candidate m draws the noise of
// block b (kSamplesPerBlock samples) in order from stream (seed, b, 2, m).
// Failures: UsageError for invalid options or candidates. Ownership: the returned loss owns its
// tables. Thread-safety: building uses eval.threads threads; the loss is single-threaded.
LossData MakeRelativeMseLoss(const MacArray& array,
                             const RunOptions& options,
                             const InputGenerator& inputs,
                             const EvalOptions& eval);

// The seed offset of a calibration set drawn from the same input source as the set it
// calibrates for (compare's and plot breakdown's threshold search and N/Q full scale), so that
// the two are different vectors and noise.
inline constexpr std::uint64_t kCalibrationSeedOffset = 1000;

// `eval` for such a calibration set: the same options, the seed offset by
// kCalibrationSeedOffset. Failures: none. Thread-safety: pure.
inline EvalOptions CalibrationEval(const EvalOptions& eval) {
  EvalOptions calibration = eval;
  calibration.seed = eval.seed + kCalibrationSeedOffset;
  return calibration;
}

}  // namespace cimchar::mac
