#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cimchar::lut {

// A coordinate along one axis: a number (SI units of the axis) or a label of a categorical axis.
using AxisValue = std::variant<double, std::string>;

// Where a lookup lands on one numeric axis: the lower grid index and the fraction toward the next
// one (0 on a grid point, so exact hits read a single stored value).
struct Bracket {
  std::size_t lower = 0;
  double fraction = 0.0;
};

// One named axis of a table, after OpenSTA's TableAxis: either numeric (strictly increasing, finite
// values in SI units) or categorical (distinct labels, e.g. process corners "tt", "ff"). Immutable
// value type.
class Axis {
 public:
  // A numeric axis. `units` is the SI unit string ("V", "K", "1" for dimensionless).
  // Failures: UsageError on an empty/unsafe name, empty units, no values, a non-finite value or
  // values that are not strictly increasing. Thread-safety: pure function.
  static Axis Numeric(std::string name, std::string units, std::vector<double> values);

  // A categorical axis; its units are empty.
  // Failures: UsageError on an empty/unsafe name, no labels, an empty or repeated label.
  // Thread-safety: pure function.
  static Axis Categorical(std::string name, std::vector<std::string> labels);

  const std::string& name() const { return name_; }
  const std::string& units() const { return units_; }
  bool numeric() const { return numeric_; }
  std::size_t size() const { return numeric_ ? values_.size() : labels_.size(); }
  // Grid values of a numeric axis (empty for a categorical one).
  const std::vector<double>& values() const { return values_; }
  // Labels of a categorical axis (empty for a numeric one).
  const std::vector<std::string>& labels() const { return labels_; }

  // The bracket of `value` on a numeric axis. No extrapolation, no clamping.
  // Failures: UsageError naming the axis, the value and the range when `value` is NaN or outside
  // [front, back], or when the axis is categorical. Thread-safety: const, safe to share.
  Bracket Locate(double value) const;

  // The index of `label` on a categorical axis.
  // Failures: UsageError naming the axis and its labels when the label is unknown or the axis is
  // numeric. Thread-safety: const, safe to share.
  std::size_t IndexOf(std::string_view label) const;

  // The grid coordinate at `index` as a printable string ("1.2 V", "tt").
  // Failures: std::out_of_range when index >= size(). Thread-safety: const.
  std::string Describe(std::size_t index) const;

  // The axis range as text: "[0.6, 1.2] V" or "{tt, ff}".
  // Failures: none. Thread-safety: const.
  std::string RangeText() const;

  bool operator==(const Axis&) const = default;

 private:
  Axis() = default;
  std::string name_;
  std::string units_;
  bool numeric_ = true;
  std::vector<double> values_;
  std::vector<std::string> labels_;
};

// Checks that `name` can name an axis, a column or one path component of a quantity: non-empty,
// printable ASCII without '/', not "." or "..". Throws UsageError naming `what` otherwise.
void CheckName(std::string_view name, std::string_view what);

// Formats a double so that it reads back to the same value ("%.17g" trimmed to the shortest
// round-tripping form).
std::string FormatNumber(double value);

}  // namespace cimchar::lut
