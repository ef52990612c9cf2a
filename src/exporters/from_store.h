#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "calib/macro.h"
#include "exporters/export_model.h"
#include "exporters/exporters.h"
#include "exporters/plots.h"
#include "lut/store.h"
#include "mac/options.h"

// The adapter from characterization run files (lut::Store, quantities as characterization/
// README.md states them) to the exporters' ExportModel, and the per-sample and per-code data the
// plots draw. Values are looked up at one operating point with lut::Table::Lookup (multilinear,
// never extrapolated). A quantity none of the files holds stays unset, so the export lists it as
// "not derived"; nothing is filled in from defaults.

namespace cimchar::exporters {

// A grid point asked for by the histogram plots: an unset member takes the only grid value of
// that axis; an axis with several values then needs it (UsageError naming the axis and range).
struct GridPointRequest {
  std::optional<std::string> corner;  // global corner label, e.g. "tt"
  std::optional<double> vdd_v;        // supply, volts
  std::optional<double> temp_c;       // temperature, degrees Celsius (a kelvin axis is converted)
};

// The export view of a characterized macro (src/calib): ADC transitions and per-code
// statistics, the analog chain as a line over MAC units, the energy of each action, the
// provenance of every table (file, its SHA-256, recipe, seed, commit) and the macro's notes.
// Operand widths come from `shape`. Failures: none beyond the macro's own validity.
// Ownership: returns a value. Thread-safety: pure.
ExportModel ModelFromMacro(const calib::Macro& macro,
                           const mac::MacShape& shape,
                           const std::string& macro_name = "osa_hcim");

// The macro's provenance as flat text attributes ("lut0.file", "lut0.file_sha256", ...).
// Failures: none. Thread-safety: pure.
std::map<std::string, std::string> MacroProvenance(const calib::Macro& macro);

// Every table of `store` (each quantity and statistic, named "<quantity>/<statistic>") with its
// axes and units, for the csv and json exports.
// Failures: none beyond what Store::Open checked. Ownership: returns copies. Thread-safety: pure.
std::vector<TableView> TableViewsFromStore(const lut::Store& store);

// The provenance of `store` as flat text attributes, each key prefixed with `prefix`
// ("lut0." -> "lut0.file", "lut0.recipe", "lut0.master_seed", "lut0.input_sha256.<file>", ...).
// Failures: none. Ownership: returns a value. Thread-safety: pure.
std::map<std::string, std::string> StoreProvenance(const lut::Store& store,
                                                   const std::string& prefix);

// DNL and INL of the interior codes 1 .. 2^b - 2 from mean transition levels (end-point
// definition: LSB = (T_last - T_first) / (2^b - 2); INL is the deviation of each code's lower
// transition from the end-point line). Failures: UsageError for fewer than 3 transitions or
// non-increasing ones. Ownership: returns a value. Thread-safety: pure.
DnlInlPlot LinearityFromTransitions(const std::vector<double>& transitions_v);

// Per-sample values of the given record columns at the grid point matching `point` exactly
// (unset members: the only value of the axis), one SampleSet per column, failed samples left
// out. With `centered`, each set has its mean removed (the Monte Carlo error around the mean).
// Failures: UsageError for an unknown column (listing the store's columns), a point off the
// grid (naming the axis, the value and the grid values), or no ok sample there.
// Ownership: returns a value. Thread-safety: pure.
std::vector<SampleSet> SampleSetsFromStore(const lut::Store& store,
                                           const std::vector<std::string>& columns,
                                           const GridPointRequest& point,
                                           bool centered);

}  // namespace cimchar::exporters
