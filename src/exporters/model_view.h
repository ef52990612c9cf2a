#pragma once

// What the behavioral model gives, in the units the consumers of the exports share. Every figure
// here comes from the model itself (mac::MacArray / MacRunner / ComputeEnergy on the
// characterized macro), never from a second formula, so an export cannot disagree with it.
//
// Op units: one analog op of one column applies the n analog activation bits of every row (its
// subword s, 0 .. 2^n - 1, driving the DAC's top n bits) and is worth u = sum over rows of W x s,
// 0 .. rows x (2^n - 1); n is the macro's analog window. The consumers' own normalizations (a
// fraction of the column, one row at full scale = 1) are fixed multiples of u.

#include <cstdint>
#include <utility>
#include <vector>

#include "calib/macro.h"
#include "mac/energy.h"
#include "mac/options.h"

namespace cimchar::exporters {

// How much of the model the views simulate. The statistics are Monte Carlo over simulated chip
// instances: every instance is one column with its own static errors (as mac::MacArray draws
// them) converting with fresh per-conversion noise.
struct ViewOptions {
  int reference_boundary = 8;            // HCIM B_D/A of the reference run
  std::int64_t reference_vectors = 256;  // uniform random input vectors per reference run
  int chips = 4096;                      // chip instances per statistic
  int patterns = 64;                     // random row patterns checking the per-count table
  std::uint64_t seed = 1;                // every draw of the views derives from it
};

// Checks `options`. Failures: UsageError naming the field and its allowed range.
void ValidateViewOptions(const mac::MacShape& shape, const ViewOptions& options);

// The noiseless transfer of one analog op and its noise, in op units.
struct OpTransfer {
  int window_bits = 0;  // n
  int adc_bits = 0;     // b
  int rows = 0;
  double full_scale = 0.0;          // rows x (2^n - 1)
  double units_per_fraction = 0.0;  // op units per ideal fraction of the DAC's full scale
  std::vector<double> transitions;  // 2^b - 1: u where the noiseless code steps from k-1 to k
  std::vector<double> levels;       // 2^b: the value u each code is read back as
  double lsb = 0.0;                 // end-point LSB: (last - first transition) / (2^b - 2)
  // Per-conversion noise (line thermal noise and comparator noise in quadrature), op units,
  // at each transition (2^b - 1 values).
  std::vector<double> dynamic_sigma;
  // Fixed-pattern spread at each transition, op units: the line's static sigma, the spread that
  // moves a column's transitions together (the SAR's comparator offset) and the transition's own
  // deviation, in quadrature.
  std::vector<double> static_sigma;
  // Parts of the static spread, op units, at each transition (ReadoutThresholds).
  std::vector<double> line_static_sigma;
  std::vector<double> comparator_offset_sigma;
  std::vector<double> transition_own_sigma;
  // The model's noiseless code for every integer u = 0 .. full scale, realized as every row
  // W = 1 with the subwords as equal as possible (see CountTableOf).
  std::vector<int> codes_by_count;

  // RMS over the transitions of a per-transition figure. Failures: none.
  static double Rms(const std::vector<double>& values);
};

// The model's noiseless transfer (error switches off) and its noise at the transitions, from the
// thresholds of the macro's readout (exporters/readouts/). Failures: UsageError from the model
// for an invalid shape or macro, or for a readout whose values are each column's own (no shared
// transfer). Thread-safety: pure.
OpTransfer OpTransferOf(const calib::Macro& macro, const mac::MacShape& shape);

// Mean and standard deviation of the value one analog op is read back as, for every ideal
// count u = 0 .. full scale, over chip instances and conversions (static and dynamic errors
// together). Count u is realized as every row W = 1 with the subwords as equal as possible
// (u = rows q + r: r rows at q + 1, the rest at q), whose line voltage is exactly the uniform-code
// transfer the model reads codes back through. Random patterns with the model's default input
// statistics (W and every activation bit 1 with probability 1/2) then measure how far a table
// indexed by the count alone is from the model: their mean and sigma against the table's.
struct CountTable {
  std::vector<double> mean;   // index = count, op units
  std::vector<double> sigma;  // index = count, op units
  int chips = 0;
  std::uint64_t seed = 0;
  int patterns = 0;                // random patterns checked
  double pattern_mean_rms = 0.0;   // RMS over patterns of (pattern mean - table mean), op units
  double pattern_mean_max = 0.0;   // largest |pattern mean - table mean|, op units
  double pattern_sigma_rms = 0.0;  // RMS of (pattern sigma - table sigma), op units
};
CountTable CountTableOf(const calib::Macro& macro,
                        const mac::MacShape& shape,
                        const ViewOptions& options);

// The error of one analog op (value read back - ideal u) over the model's default inputs (W and
// every activation bit 1 with probability 1/2), chip instances and conversions, op units: one
// random pattern on each of options.chips chip instances.
struct OpError {
  double mean = 0.0;
  double sigma = 0.0;
  std::int64_t ops = 0;
};
OpError OpErrorOf(const calib::Macro& macro,
                  const mac::MacShape& shape,
                  const ViewOptions& options);

// The model's noiseless code (error switches off) for options.chips random row patterns with
// its default input statistics, as (ideal count u, code) pairs: what a consumer that sees only
// the count gets wrong. Failures: as the model. Thread-safety: pure.
std::vector<std::pair<std::int64_t, int>> NoiselessPatternsOf(const calib::Macro& macro,
                                                              const mac::MacShape& shape,
                                                              const ViewOptions& options);

// Where the 1-bit MACs of one multi-bit MAC run at one B_D/A (HCIM), counted over the weight
// bit i and activation bit j pairs, as the model's plan (mac::MacRunner::DomainOf) has them.
struct BoundarySplit {
  int boundary = 0;
  int digital = 0;
  int analog = 0;
  int discarded = 0;
};
// One entry per B_D/A 0 .. mac::MaxBoundary(shape). Failures: as mac::MacRunner.
// Thread-safety: pure.
std::vector<BoundarySplit> SplitsOf(const calib::Macro& macro, const mac::MacShape& shape);

// The model run on uniform random inputs at one HCIM boundary: its action counts and the energy
// mac::ComputeEnergy prices them with.
struct ReferenceRun {
  int boundary = 0;
  std::int64_t vectors = 0;
  std::uint64_t seed = 0;
  mac::ActionCounts counts;
  mac::EnergyBreakdown energy;
};
// One run per boundary 0 .. mac::MaxBoundary(shape), `options.reference_vectors` vectors each,
// on one chip instance of one array (rows x columns, uniform random weights). Failures: as
// mac::EvaluateSnr. Thread-safety: pure.
std::vector<ReferenceRun> ReferenceRunsOf(const calib::Macro& macro,
                                          const mac::MacShape& shape,
                                          const ViewOptions& options);

}  // namespace cimchar::exporters
