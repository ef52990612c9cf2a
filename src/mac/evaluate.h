#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mac/energy.h"
#include "mac/mac_model.h"
#include "mac/options.h"
#include "mac/random.h"

namespace cimchar::mac {

// Fills the input vector of sample `sample` (0, 1, ...), drawing any randomness from `rng`, the
// stream of that sample only. Thread-safety: called concurrently from several threads; must not
// keep state between calls.
using InputGenerator =
    std::function<void(std::int64_t sample, Rng& rng, std::span<std::int32_t> activations)>;

// Uniform random activations over 0..2^a-1 (every bit 1 with probability 1/2): the DESIGN.md
// default distribution, eight activations per 64-bit draw. Failures: UsageError for a outside 1..8.
// Thread-safety: pure.
InputGenerator UniformInputs(int activation_bits);

// Feature-map-like activations whose saliency varies from vector to vector: each vector draws a
// peak level 2^(a*(1+u)/2) (u uniform) and a zero fraction in [0.2, 0.8]; non-zero rows are uniform
// below the peak. Failures: as UniformInputs. Thread-safety: pure.
InputGenerator ScaledInputs(int activation_bits);

// A fixed data set of `vectors` input vectors of `length` activations each (row-major, shared, not
// copied): sample n is vector n mod vectors, so evaluating `vectors` samples visits each once.
// Failures: UsageError when the sizes disagree, the set is empty or an activation is outside
// 0..2^a-1 (naming the vector, the position and the value). Thread-safety: pure.
InputGenerator DataInputs(std::shared_ptr<const std::vector<std::int32_t>> data,
                          int length,
                          int activation_bits);

// Uniform random weights for `shape` (signed or unsigned), row-major length x outputs.
// Failures: UsageError from ValidateShape. Ownership: returns a value. Thread-safety: pure.
std::vector<std::int32_t> RandomWeights(const MacShape& shape,
                                        int length,
                                        int outputs,
                                        std::uint64_t seed);

struct EvalOptions {
  std::int64_t samples = 2000;  // input vectors
  std::uint64_t seed = 1;       // inputs and per-conversion noise; results depend on it only
  int threads = 1;              // any count gives identical results
};

// Runs `fn(block)` for blocks 0..blocks-1 on `threads` threads (fn must write only its own
// block's slots). Failures: rethrows the first exception of any block. Thread-safety: fn is
// called concurrently.
void ParallelBlocks(std::int64_t blocks, int threads, const std::function<void(std::int64_t)>& fn);

// Samples per block of the deterministic reduction: partial sums are formed per block and added
// in block order, so the thread count never changes a result.
inline constexpr std::int64_t kSamplesPerBlock = 64;

// The evaluation set of SNR figures by default (cimchar snr and compare, the Python module's
// snr_sweep and compare): enough chip instances and vectors that each SNR's 95 % interval over
// the chips is at most kFigureIntervalDb wide. At tt, 0.6 V, 144 rows, B_D/A 5..10 on uniform
// inputs the intervals are 0.4-0.5 dB wide and the sweep takes about 2 s of one core
// (`cimchar snr --lut results/lut`).
inline constexpr int kFigureChips = 400;
inline constexpr std::int64_t kFigureSamples = 20000;
inline constexpr double kFigureIntervalDb = 0.5;

struct SnrResult {
  std::int64_t samples = 0;
  std::int64_t values = 0;  // samples x outputs
  double mean_ideal = 0.0;
  double var_ideal = 0.0;
  double mean_error = 0.0;             // E[y_model - y_ideal]
  double mse = 0.0;                    // E[(y_model - y_ideal)^2]
  double error_var = 0.0;              // mse - mean_error^2
  double snr_db = 0.0;                 // 10 log10(var_ideal / mse); +inf when mse == 0
  double snr_offset_removed_db = 0.0;  // 10 log10(var_ideal / error_var)
  // Over how many chip instances the figures are an expectation, and the 95 % interval of
  // snr_db and snr_offset_removed_db (bootstrap over the chips; NaN for one chip).
  int chips = 1;
  double snr_lo_db = std::numeric_limits<double>::quiet_NaN();
  double snr_hi_db = std::numeric_limits<double>::quiet_NaN();
  double snr_offset_removed_lo_db = std::numeric_limits<double>::quiet_NaN();
  double snr_offset_removed_hi_db = std::numeric_limits<double>::quiet_NaN();
  ActionCounts counts;
  EnergyBreakdown energy;
};

// The chip instances a figure is an expectation over: chip k has its own weights and its own
// static errors. Thread-safety: immutable after construction.
class Chips {
 public:
  // `count` chips of `macro` for a layer of `length` x `outputs`: chip k's weights are
  // RandomWeights(shape, length, outputs, first_seed + k) and its chip seed is first_seed + k.
  // Failures: UsageError for count < 1 and as MacArray.
  static Chips Random(const MacShape& shape,
                      const calib::Macro& macro,
                      int length,
                      int outputs,
                      int count,
                      std::uint64_t first_seed);
  // `count` chips of `macro` all programmed with the same `weights` (length x outputs, e.g. a
  // layer's own), differing in their static errors only: chip k's seed is first_seed + k.
  // Failures: UsageError for count < 1 and as MacArray.
  static Chips Programmed(const MacShape& shape,
                          const calib::Macro& macro,
                          std::span<const std::int32_t> weights,
                          int length,
                          int outputs,
                          int count,
                          std::uint64_t first_seed);
  // Given arrays (e.g. one chip with the layer's own weights). Failures: UsageError when empty.
  explicit Chips(std::vector<MacArray> arrays);

  int Count() const { return static_cast<int>(arrays_.size()); }
  const MacArray& operator[](int k) const { return arrays_[static_cast<std::size_t>(k)]; }
  const MacArray& front() const { return arrays_.front(); }

 private:
  std::vector<MacArray> arrays_;
};

// SNR as DESIGN.md defines it, with the action counts and the energy they cost. Sample n draws
// its inputs from stream (seed, n, 1); the samples of block b (kSamplesPerBlock each) draw their
// noise in order from stream (seed, b, 2).
// Failures: UsageError for invalid options, samples < 1 or threads < 1. Ownership: returns a
// value. Thread-safety: reentrant; the array is only read.
SnrResult EvaluateSnr(const MacArray& array,
                      const RunOptions& options,
                      const InputGenerator& inputs,
                      const EvalOptions& eval);

// The SNR as an expectation over `chips`: eval.samples vectors are spread over the chips (chip k
// draws its inputs and noise from seed eval.seed + k x 0x9E3779B97F4A7C15, so one chip is exactly
// EvaluateSnr on its array), the moments pooled, and the 95 % intervals bootstrapped over the
// chips. Failures: as EvaluateSnr. Thread-safety: reentrant.
SnrResult EvaluateSnr(const Chips& chips,
                      const RunOptions& options,
                      const InputGenerator& inputs,
                      const EvalOptions& eval);

struct BudgetRow {
  std::string name;
  ErrorSwitches switches;
  SnrResult result;
};

// The error budget of one configuration: every source on ("all"), each one turned off in turn,
// and each alone. All rows use the same inputs and noise streams, so differences are paired.
// Failures: as EvaluateSnr. Thread-safety: as EvaluateSnr.
std::vector<BudgetRow> ErrorBudget(const Chips& chips,
                                   const RunOptions& options,
                                   const InputGenerator& inputs,
                                   const EvalOptions& eval);

}  // namespace cimchar::mac
