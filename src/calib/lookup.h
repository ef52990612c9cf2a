#pragma once

// What the role readers (calib/read.cpp, calib/readouts/*.cpp) share to take a quantity from a
// characterization store at the macro's operating point: the expected axes, the tables a macro
// needs or may have, the lookup that never extrapolates, and the bench parameters a run
// recorded. Internal to src/calib.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "calib/macro.h"
#include "lut/store.h"
#include "lut/table.h"

namespace cimchar::calib {

// A number as the notes print it ("0.0125"). Failures: none.
std::string Num(double v);

// A table over the grid axes (corner, vdd, temp) in `units`, and a bench axis after them when
// `bench_axis` is not empty. Failures: none.
lut::TableExpectation Expect(const std::string& units, std::string_view bench_axis = {});

// The table `quantity`/`stat` of `store`, checked against `expected`. Failures: Error naming the
// file and the table when the store has none; what Store::ReadTable throws.
const lut::Table& Need(const lut::Store& store,
                       std::string_view quantity,
                       lut::Statistic stat,
                       const lut::TableExpectation& expected);
// As Need, or nullptr when the store has no such table.
const lut::Table* Optional(const lut::Store& store,
                           std::string_view quantity,
                           lut::Statistic stat,
                           const lut::TableExpectation& expected);

// The grid coordinates of an operating point. Failures: none.
lut::Coordinates At(const OperatingPoint& p);

// Table::Lookup with the file named in a refusal; the table never extrapolates. Failures:
// UsageError naming the file for a point outside the table's axes.
double Look(const lut::Store& store, const lut::Table& table, const lut::Coordinates& where);
// As Look, or `fallback` when `table` is null or the value is not finite.
double LookOr(const lut::Store& store,
              const lut::Table* table,
              const lut::Coordinates& where,
              double fallback);
// A single-valued quantity's mean at the operating point. Failures: as Need and Look.
double Scalar(const lut::Store& store,
              std::string_view quantity,
              const std::string& units,
              const lut::Coordinates& at);

// A resolved bench parameter ("apath.rows") from the store's recipe provenance.
std::optional<std::string> Parameter(const lut::Store& store, std::string_view key);
// As Parameter, as an integer. Failures: UsageError when the store does not state it (naming
// what to rerun), Error when it is not an integer.
int IntParameter(const lut::Store& store, std::string_view key);

// A geometry field the caller asked for must equal the tables'. Failures: UsageError naming the
// option, both values and the file.
void Agree(const char* option,
           const std::optional<int>& asked,
           int table,
           const char* what,
           const std::filesystem::path& file);

}  // namespace cimchar::calib
