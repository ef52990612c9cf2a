#include "lut/table.h"

#include <cmath>
#include <cstring>
#include <set>

#include "core/error.h"

namespace cimchar::lut {

void CheckQuantityName(std::string_view quantity) {
  if (quantity.empty()) {
    throw UsageError("a quantity needs a name (e.g. \"adc/transition_v\")");
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = quantity.find('/', start);
    const std::string_view part = quantity.substr(start, slash - start);
    try {
      CheckName(part, "quantity");
    } catch (const UsageError&) {
      throw UsageError("quantity name '" + std::string(quantity) +
                       "' is not usable: use '/'-separated parts of printable ASCII");
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
}

Table::Table(std::string quantity,
             std::string units,
             std::vector<Axis> axes,
             std::vector<double> values,
             bool missing_allowed)
    : quantity_(std::move(quantity)),
      units_(std::move(units)),
      axes_(std::move(axes)),
      values_(std::move(values)),
      missing_allowed_(missing_allowed) {
  CheckQuantityName(quantity_);
  if (units_.empty()) {
    throw UsageError("table '" + quantity_ + "' has no units: give its SI unit (\"1\" if none)");
  }
  std::set<std::string_view> names;
  std::size_t count = 1;
  for (const auto& axis : axes_) {
    if (!names.insert(axis.name()).second) {
      throw UsageError("table '" + quantity_ + "' repeats the axis '" + axis.name() + "'");
    }
    count *= axis.size();
  }
  if (values_.size() != count) {
    throw UsageError("table '" + quantity_ + "' has " + std::to_string(values_.size()) +
                     " values but its axes span " + std::to_string(count) + " grid points");
  }
  for (std::size_t i = 0; i < values_.size(); ++i) {
    if (std::isinf(values_[i]) || (std::isnan(values_[i]) && !missing_allowed_)) {
      throw UsageError("table '" + quantity_ + "' has a non-finite value at flat index " +
                       std::to_string(i) + " and does not allow missing values");
    }
  }
}

std::vector<std::size_t> Table::shape() const {
  std::vector<std::size_t> dims;
  dims.reserve(axes_.size());
  for (const auto& axis : axes_) {
    dims.push_back(axis.size());
  }
  return dims;
}

const Axis& Table::axis(std::string_view name) const {
  for (const auto& axis : axes_) {
    if (axis.name() == name) {
      return axis;
    }
  }
  std::string names;
  for (const auto& axis : axes_) {
    names += (names.empty() ? "" : ", ") + axis.name();
  }
  throw UsageError("table '" + quantity_ + "' has no axis '" + std::string(name) +
                   "' (axes: " + (names.empty() ? "none" : names) + ")");
}

double Table::At(std::span<const std::size_t> index) const {
  if (index.size() != axes_.size()) {
    throw UsageError("table '" + quantity_ + "' has " + std::to_string(axes_.size()) +
                     " axes, got " + std::to_string(index.size()) + " indices");
  }
  std::size_t flat = 0;
  for (std::size_t a = 0; a < axes_.size(); ++a) {
    if (index[a] >= axes_[a].size()) {
      throw UsageError("table '" + quantity_ + "': index " + std::to_string(index[a]) +
                       " is out of range for axis '" + axes_[a].name() + "' of size " +
                       std::to_string(axes_[a].size()));
    }
    flat = flat * axes_[a].size() + index[a];
  }
  return values_[flat];
}

double Table::Lookup(const Coordinates& point) const {
  for (const auto& [name, value] : point) {
    bool known = false;
    for (const auto& axis : axes_) {
      known = known || axis.name() == name;
    }
    if (!known) {
      (void)axis(name);  // throws, naming the axes
    }
  }
  std::vector<Bracket> brackets(axes_.size());
  std::vector<std::size_t> moving;  // axes with a non-zero fraction
  for (std::size_t a = 0; a < axes_.size(); ++a) {
    const Axis& ax = axes_[a];
    const auto it = point.find(ax.name());
    if (it == point.end()) {
      throw UsageError("lookup in table '" + quantity_ + "' gives no coordinate for axis '" +
                       ax.name() + "' " + ax.RangeText());
    }
    try {
      if (const auto* number = std::get_if<double>(&it->second)) {
        brackets[a] = ax.Locate(*number);
      } else {
        brackets[a] = {.lower = ax.IndexOf(std::get<std::string>(it->second)), .fraction = 0.0};
      }
    } catch (const UsageError& e) {
      throw UsageError("lookup in table '" + quantity_ + "': " + e.what());
    }
    if (brackets[a].fraction != 0.0) {
      moving.push_back(a);
    }
  }
  // Multilinear interpolation over the 2^k corners of the axes that move; axes on a grid value
  // contribute one index, so a grid point reads exactly one stored value.
  double result = 0.0;
  const std::size_t corners = std::size_t{1} << moving.size();
  std::vector<std::size_t> index(axes_.size());
  for (std::size_t corner = 0; corner < corners; ++corner) {
    double weight = 1.0;
    for (std::size_t a = 0; a < axes_.size(); ++a) {
      index[a] = brackets[a].lower;
    }
    for (std::size_t m = 0; m < moving.size(); ++m) {
      const std::size_t a = moving[m];
      if ((corner >> m) & 1U) {
        index[a] += 1;
        weight *= brackets[a].fraction;
      } else {
        weight *= 1.0 - brackets[a].fraction;
      }
    }
    const double value = At(index);
    if (std::isnan(value)) {
      std::string where;
      for (std::size_t a = 0; a < axes_.size(); ++a) {
        where += (a ? ", " : "") + axes_[a].name() + " = " + axes_[a].Describe(index[a]);
      }
      throw Error(
          "table '" + quantity_ + "' has no value at " + where +
          " (every sample failed there, or a spread needs two samples and fewer succeeded); the "
          "lookup needs it");
    }
    if (corners == 1) {
      return value;
    }
    result += weight * value;
  }
  return result;
}

bool Table::operator==(const Table& other) const {
  return quantity_ == other.quantity_ && units_ == other.units_ && axes_ == other.axes_ &&
         missing_allowed_ == other.missing_allowed_ && values_.size() == other.values_.size() &&
         (values_.empty() ||
          std::memcmp(values_.data(), other.values_.data(), values_.size() * sizeof(double)) == 0);
}

}  // namespace cimchar::lut
