#include "lut/axis.h"

#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>
#include <system_error>

#include "core/error.h"

namespace cimchar::lut {

std::string FormatNumber(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (result.ec != std::errc()) {
    return "?";
  }
  return std::string(buffer, result.ptr);
}

void CheckName(std::string_view name, std::string_view what) {
  bool ok = !name.empty() && name != "." && name != "..";
  for (const char c : name) {
    if (c == '/' || c < 0x21 || c > 0x7e) {
      ok = false;
    }
  }
  if (!ok) {
    throw UsageError(std::string(what) + " name '" + std::string(name) +
                     "' is not usable: use printable ASCII without spaces or '/'");
  }
}

Axis Axis::Numeric(std::string name, std::string units, std::vector<double> values) {
  CheckName(name, "axis");
  if (units.empty()) {
    throw UsageError("numeric axis '" + name + "' has no units: give its SI unit (\"1\" if none)");
  }
  if (values.empty()) {
    throw UsageError("numeric axis '" + name + "' has no values");
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw UsageError("numeric axis '" + name + "' has a non-finite value at index " +
                       std::to_string(i));
    }
    if (i > 0 && !(values[i] > values[i - 1])) {
      throw UsageError("numeric axis '" + name + "' is not strictly increasing at index " +
                       std::to_string(i) + " (" + FormatNumber(values[i - 1]) + " then " +
                       FormatNumber(values[i]) + ")");
    }
  }
  Axis axis;
  axis.name_ = std::move(name);
  axis.units_ = std::move(units);
  axis.numeric_ = true;
  axis.values_ = std::move(values);
  return axis;
}

Axis Axis::Categorical(std::string name, std::vector<std::string> labels) {
  CheckName(name, "axis");
  if (labels.empty()) {
    throw UsageError("categorical axis '" + name + "' has no labels");
  }
  std::set<std::string_view> seen;
  for (const auto& label : labels) {
    if (label.empty()) {
      throw UsageError("categorical axis '" + name + "' has an empty label");
    }
    if (!seen.insert(label).second) {
      throw UsageError("categorical axis '" + name + "' repeats the label '" + label + "'");
    }
  }
  Axis axis;
  axis.name_ = std::move(name);
  axis.numeric_ = false;
  axis.labels_ = std::move(labels);
  return axis;
}

std::string Axis::RangeText() const {
  if (numeric_) {
    return "[" + FormatNumber(values_.front()) + ", " + FormatNumber(values_.back()) + "] " +
           units_;
  }
  std::string text = "{";
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    text += (i ? ", " : "") + labels_[i];
  }
  return text + "}";
}

Bracket Axis::Locate(double value) const {
  if (!numeric_) {
    throw UsageError("axis '" + name_ + "' is categorical " + RangeText() +
                     ": give a label, not the number " + FormatNumber(value));
  }
  if (std::isnan(value) || value < values_.front() || value > values_.back()) {
    throw UsageError("operating point " + name_ + " = " + FormatNumber(value) + " " + units_ +
                     " is outside the axis range " + RangeText() +
                     " (no extrapolation: widen the characterized range)");
  }
  // First grid value >= value.
  std::size_t hi = 0;
  {
    std::size_t lo = 0;
    std::size_t n = values_.size();
    while (lo < n) {
      const std::size_t mid = lo + (n - lo) / 2;
      if (values_[mid] < value) {
        lo = mid + 1;
      } else {
        n = mid;
      }
    }
    hi = lo;
  }
  if (values_[hi] == value) {
    return {.lower = hi, .fraction = 0.0};
  }
  const std::size_t lower = hi - 1;  // value > front, so hi >= 1
  return {.lower = lower, .fraction = (value - values_[lower]) / (values_[hi] - values_[lower])};
}

std::size_t Axis::IndexOf(std::string_view label) const {
  if (numeric_) {
    throw UsageError("axis '" + name_ + "' is numeric " + RangeText() + ": give a number, not '" +
                     std::string(label) + "'");
  }
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    if (labels_[i] == label) {
      return i;
    }
  }
  throw UsageError("operating point " + name_ + " = '" + std::string(label) +
                   "' is not a label of the axis " + RangeText());
}

std::string Axis::Describe(std::size_t index) const {
  if (numeric_) {
    return FormatNumber(values_.at(index)) + " " + units_;
  }
  return labels_.at(index);
}

}  // namespace cimchar::lut
