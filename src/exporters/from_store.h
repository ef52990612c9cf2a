#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

// The operating point asked for. An unset member takes the only grid value of that axis; an
// axis with several values then needs it (UsageError naming the axis and its range).
struct OperatingPointRequest {
  std::optional<std::string> corner;  // global corner label, e.g. "tt"
  std::optional<double> vdd_v;        // supply, volts
  std::optional<double> temp_c;       // temperature, degrees Celsius (a kelvin axis is converted)
};

// How to read the stores into a model.
struct FromStoreOptions {
  OperatingPointRequest point;
  // The macro the tables belong to (rows, DAC/ADC widths, ADC window as line fractions).
  mac::MacShape shape;
  std::string macro_name = "osa_hcim";  // component prefix in Accelergy tables
  // Nominal ADC input window (low, high) in volts. When set, the ADC gain and offset are
  // measured against it; when not, the window is the end-point fit of the transitions (gain 1,
  // offset 0 by construction, and the export says so).
  std::optional<std::pair<double, double>> adc_window_v;
};

// The quantities (without the statistic) a format cannot be written without, e.g.
// {"adc/transition_v"} for neurosim; empty for csv/json (any table will do).
// Failures: none. Ownership: returns a value. Thread-safety: pure.
std::vector<std::string> RequiredQuantities(ExportFormat format);

// Builds the model one export needs from `stores` (every store's provenance is carried under
// "lutN.*" keys; every quantity used names its source file under "source.<quantity>").
// Failures: UsageError when a quantity `format` needs is in none of the stores (naming it and
// the recipe that writes it), when two stores hold the same quantity, when the operating point
// lies outside a table's axes (naming the value and the range) or is ambiguous, or when the
// ADC table has no 2^b - 1 transitions; cimchar::Error for inconsistent tables.
// Ownership: reads the stores, returns a value. Thread-safety: pure (stores are immutable).
ExportModel ModelFromStores(ExportFormat format,
                            const std::vector<lut::Store>& stores,
                            const FromStoreOptions& options);

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

// The ADC transfer at the operating point, read from `stores` (adc/transition_v, optionally
// adc/comparator_offset_v). Failures: as ModelFromStores when the ADC table is missing.
// Ownership: returns a value. Thread-safety: pure.
AdcModel AdcFromStores(const std::vector<lut::Store>& stores, const FromStoreOptions& options);

// Per-sample values of the given record columns at the grid point matching `point` exactly
// (unset members: the only value of the axis), one SampleSet per column, failed samples left
// out. With `centered`, each set has its mean removed (the Monte Carlo error around the mean).
// Failures: UsageError for an unknown column (listing the store's columns), a point off the
// grid (naming the axis, the value and the grid values), or no ok sample there.
// Ownership: returns a value. Thread-safety: pure.
std::vector<SampleSet> SampleSetsFromStore(const lut::Store& store,
                                           const std::vector<std::string>& columns,
                                           const OperatingPointRequest& point,
                                           bool centered);

}  // namespace cimchar::exporters
