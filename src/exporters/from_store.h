#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "calib/macro.h"
#include "exporters/export_model.h"
#include "exporters/exporters.h"
#include "lut/store.h"
#include "mac/options.h"
#include "report/plots.h"

// The exporters' input from the characterized macro (src/calib, read at one operating point by
// calib::ReadMacro: interpolated, never extrapolated): the model's views and the energy of every
// action (ModelFromMacro), or the provenance and the tables of the macro's files as they are
// (TablesOfMacro); ExportModelFor picks what a format reads. Also the per-sample and per-code
// data the plots draw from run files. What a consumer reads that cimchar cannot derive is listed
// under not_derived, never filled in from defaults.

namespace cimchar::exporters {

// A grid point asked for by the histogram plots: an unset member takes the only grid value of
// that axis; an axis with several values then needs it (UsageError naming the axis and range).
struct GridPointRequest {
  std::optional<std::string> corner;  // global corner label, e.g. "tt"
  std::optional<double> vdd_v;        // supply, volts
  std::optional<double> temp_c;       // temperature, degrees Celsius (a kelvin axis is converted)
};

// The export model of a characterized macro (src/calib) and the behavioral model on it: the
// provenance of every table (file, its SHA-256, recipe, seed, commit, clean or dirty), the
// model's views (exporters/model_view.h: the transfer of one analog op, the per-count table, the
// per-op error, the reference runs) and the energy of every action as Accelergy components.
// The views of the op transfer (op, counts, op_error, noiseless_patterns) are left empty for a
// readout whose values are each column's own (exporters/readouts/). Operand widths come from
// `shape`. csv/json tables are added by TablesOfMacro.
// Failures: UsageError from the model for an invalid shape or view options. Ownership: returns
// a value. Thread-safety: pure.
ExportModel ModelFromMacro(const calib::Macro& macro,
                           const mac::MacShape& shape,
                           const ViewOptions& views = {},
                           const std::string& macro_name = "osa_hcim");

// What `format` is rendered from (its ExportInput): ModelFromMacro, or the provenance and the
// tables of `macro` (ProvenanceOf, TablesOfMacro). Failures: UsageError when the format holds one
// transfer shared by every column and the macro's readout has none (CheckReadoutFits); as those.
// Thread-safety: pure.
ExportModel ExportModelFor(const ExportFormat& format,
                           const calib::Macro& macro,
                           const mac::MacShape& shape,
                           const ViewOptions& views = {},
                           const std::string& macro_name = "osa_hcim");

// The provenance of `macro` and of the binary running now. Failures: none. Thread-safety: pure.
Provenance ProvenanceOf(const calib::Macro& macro);

// Every table of every file the macro was read from (each quantity and statistic, named
// "<quantity>/<statistic>"), with its axes, units that say what they count (TableUnits) and the
// file's provenance. Failures: Error for a file that can no longer be read. Thread-safety: pure.
std::vector<TableView> TablesOfMacro(const calib::Macro& macro);

// Every table of `store`, each carrying `source` as its provenance. Failures: none beyond what
// Store::Open checked. Ownership: returns copies. Thread-safety: pure.
std::vector<TableView> TableViewsFromStore(const lut::Store& store,
                                           const calib::TableSource& source);

// What the values of a table or an axis named `name` with the file's units `file_units` are
// counted in: the file's units when it has some, and for dimensionless ones ("1") the schema's
// meaning: "LSB" for quantities named *_lsb, "code" for DAC/ADC code axes, "fraction" for
// activity, "index" for check and batch axes. Failures: none. Thread-safety: pure.
std::string TableUnits(const std::string& name, const std::string& file_units);

// DNL and INL of the interior codes 1 .. 2^b - 2 from mean transition levels (end-point
// definition: LSB = (T_last - T_first) / (2^b - 2); INL is the deviation of each code's lower
// transition from the end-point line). Failures: UsageError for fewer than 3 transitions or
// non-increasing ones. Ownership: returns a value. Thread-safety: pure.
report::DnlInlPlot LinearityFromTransitions(const std::vector<double>& transitions_v);

// Per-sample values of the given record columns at the grid point matching `point` exactly
// (unset members: the only value of the axis), one report::SampleSet per column, failed samples
// left out. With `centered`, each set has its mean removed (the Monte Carlo error around the mean).
// Failures: UsageError for an unknown column (listing the store's columns), a point off the
// grid (naming the axis, the value and the grid values), or no ok sample there.
// Ownership: returns a value. Thread-safety: pure.
std::vector<report::SampleSet> SampleSetsFromStore(const lut::Store& store,
                                                   const std::vector<std::string>& columns,
                                                   const GridPointRequest& point,
                                                   bool centered);

}  // namespace cimchar::exporters
