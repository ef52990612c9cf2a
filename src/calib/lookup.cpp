#include "calib/lookup.h"

#include <cmath>
#include <sstream>
#include <vector>

#include "calib/read.h"
#include "calib/schema.h"
#include "core/error.h"

namespace cimchar::calib {

namespace fs = std::filesystem;

namespace {

std::vector<lut::AxisExpectation> GridAxes() {
  return {{std::string(schema::kCornerAxis), ""},
          {std::string(schema::kVddAxis), "V"},
          {std::string(schema::kTempAxis), "degC"}};
}

bool Has(const lut::Store& store, std::string_view quantity, lut::Statistic stat) {
  for (const lut::QuantityInfo& q : store.Quantities()) {
    if (q.quantity == quantity && q.statistic == stat) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string Num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

lut::TableExpectation Expect(const std::string& units, std::string_view bench_axis) {
  lut::TableExpectation e{.units = units, .axes = GridAxes()};
  if (!bench_axis.empty()) {
    e.axes.push_back({std::string(bench_axis), "1"});
  }
  return e;
}

const lut::Table& Need(const lut::Store& store,
                       std::string_view quantity,
                       lut::Statistic stat,
                       const lut::TableExpectation& expected) {
  if (!Has(store, quantity, stat)) {
    throw Error("'" + store.path().string() + "' has no table " + std::string(quantity) + "/" +
                lut::StatisticName(stat) +
                ", which the characterized macro needs (characterization/README.md lists the "
                "contract); rerun the recipe that writes it");
  }
  return store.ReadTable(quantity, stat, expected);
}

const lut::Table* Optional(const lut::Store& store,
                           std::string_view quantity,
                           lut::Statistic stat,
                           const lut::TableExpectation& expected) {
  return Has(store, quantity, stat) ? &store.ReadTable(quantity, stat, expected) : nullptr;
}

lut::Coordinates At(const OperatingPoint& p) {
  return {{std::string(schema::kCornerAxis), p.corner},
          {std::string(schema::kVddAxis), p.vdd_v},
          {std::string(schema::kTempAxis), p.temp_c}};
}

double Look(const lut::Store& store, const lut::Table& table, const lut::Coordinates& where) {
  try {
    return table.Lookup(where);
  } catch (const UsageError& e) {
    throw UsageError("'" + store.path().string() + "': " + e.what() +
                     " (the macro is interpolated inside the characterized grid and never "
                     "extrapolated: choose a point inside it or characterize a wider grid)");
  }
}

double LookOr(const lut::Store& store,
              const lut::Table* table,
              const lut::Coordinates& where,
              double fallback) {
  if (table == nullptr) {
    return fallback;
  }
  const double v = Look(store, *table, where);
  return std::isfinite(v) ? v : fallback;
}

std::optional<std::string> Parameter(const lut::Store& store, std::string_view key) {
  return ResolvedParameter(store.provenance().recipe_text, key);
}
int IntParameter(const lut::Store& store, std::string_view key) {
  const auto v = Parameter(store, key);
  if (!v) {
    throw UsageError("'" + store.path().string() + "' does not state " + std::string(key) +
                     " (a table made by an older cimchar): rerun cimchar characterize " +
                     std::string(key.substr(0, key.find('.'))));
  }
  try {
    return std::stoi(*v);
  } catch (const std::exception&) {
    throw Error("'" + store.path().string() + "': " + std::string(key) + " = '" + *v +
                "' is not an integer");
  }
}

void Agree(const char* option,
           const std::optional<int>& asked,
           int table,
           const char* what,
           const fs::path& file) {
  if (asked && *asked != table) {
    throw UsageError("--" + std::string(option) + " " + std::to_string(*asked) +
                     " disagrees with '" + file.string() + "', which was measured for " +
                     std::to_string(table) + " " + what +
                     "; a table describes one circuit: characterize that circuit (" + what + " = " +
                     std::to_string(*asked) + ") or drop --" + option);
  }
}

double Scalar(const lut::Store& store,
              std::string_view quantity,
              const std::string& units,
              const lut::Coordinates& at) {
  return Look(store, Need(store, quantity, lut::Statistic::kMean, Expect(units)), at);
}

}  // namespace cimchar::calib
