#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lut/axis.h"
#include "lut/store.h"
#include "lut/table.h"

namespace cimchar::lut {

// What to distil from the per-sample records into tables over the grid axes.
struct ReduceRequest {
  std::string quantity{};              // e.g. "adc/transition_v"
  std::string units{};                 // SI units of the columns
  std::vector<std::string> columns{};  // one column, or one per entry of `column_axis`
  // With several columns: the trailing axis they span (e.g. a "code" axis, column c at index c).
  std::optional<Axis> column_axis{};
  // Optionally a second trailing axis after column_axis: the columns then span both, row-major
  // (column i * inner_axis.size() + j at (column_axis[i], inner_axis[j])).
  std::optional<Axis> inner_axis{};
};

// Mean and static (fixed-pattern) sigma across Monte Carlo samples.
struct Reduction {
  Table mean;                          // axes: grid axes, then column_axis, inner_axis if given
  Table static_sigma;                  // sample standard deviation (n - 1), same axes
  std::vector<uint64_t> ok_samples{};  // per grid point, samples that did not fail
};

// Reduces the ok records of each grid point: mean = sum / n, static sigma = sqrt(sum of squared
// deviations / (n - 1)), summed in (grid point, sample) order whatever order `records` is in, so
// the tables are bit-identical for any completion order. A grid point with no ok sample gets NaN
// mean and sigma, one with a single ok sample gets NaN sigma; such tables allow missing values.
// Failures: UsageError on an unknown column, a column/axis count mismatch, or records outside the
// spec. Thread-safety: pure.
Reduction ReduceSamples(const RunSpec& spec,
                        std::span<const Record> records,
                        const ReduceRequest& request);

}  // namespace cimchar::lut
