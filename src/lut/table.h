#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "lut/axis.h"

namespace cimchar::lut {

// Where to read a table: one coordinate per axis, by axis name.
using Coordinates = std::map<std::string, AxisValue, std::less<>>;

// An N-d lookup table after OpenSTA's Table: named axes, row-major double values (the last axis
// varies fastest), the quantity it holds and its SI units. Lookup interpolates multilinearly on
// numeric axes and matches categorical axes exactly. NaN marks a missing value (e.g. a grid point
// where every Monte Carlo sample failed) and is only accepted when the table says so. Immutable
// value type; a zero-axis table holds one scalar.
class Table {
 public:
  // Failures: UsageError on an unsafe quantity name (see CheckQuantityName), empty units, repeated
  // axis names, values.size() != product of axis sizes, an infinite value, or a NaN value when
  // `missing_allowed` is false. Ownership: takes the vectors by value. Thread-safety: pure.
  Table(std::string quantity,
        std::string units,
        std::vector<Axis> axes,
        std::vector<double> values,
        bool missing_allowed = false);

  const std::string& quantity() const { return quantity_; }
  const std::string& units() const { return units_; }
  const std::vector<Axis>& axes() const { return axes_; }
  const std::vector<double>& values() const { return values_; }
  bool missing_allowed() const { return missing_allowed_; }
  std::vector<std::size_t> shape() const;

  // The axis called `name`.
  // Failures: UsageError naming the table and its axes when there is none. Thread-safety: const.
  const Axis& axis(std::string_view name) const;

  // The stored value at a grid index (one entry per axis), bit-exactly.
  // Failures: UsageError on a wrong number of indices or an index out of range.
  // Thread-safety: const, safe to share.
  double At(std::span<const std::size_t> index) const;

  // The value at `point`, which must give exactly one coordinate per axis: multilinear
  // interpolation between grid values on numeric axes, exact match on categorical ones. A point on
  // the grid returns the stored value bit-exactly.
  // Failures: UsageError naming the table, axis, value and range for a coordinate outside an
  // axis (no extrapolation, no clamping), an unknown label, a missing or unknown axis name, or a
  // number given for a categorical axis (and vice versa); Error when an interpolation corner is a
  // missing (NaN) value. Thread-safety: const, safe to share.
  double Lookup(const Coordinates& point) const;

  bool operator==(const Table& other) const;  // bitwise on values (NaN == NaN)

 private:
  std::string quantity_;
  std::string units_;
  std::vector<Axis> axes_;
  std::vector<double> values_;
  bool missing_allowed_ = false;
};

// Checks a quantity name: one or more CheckName components separated by '/' ("adc/transition_v").
// Throws UsageError otherwise.
void CheckQuantityName(std::string_view quantity);

}  // namespace cimchar::lut
