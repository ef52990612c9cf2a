#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "calib/macro.h"
#include "exporters/model_view.h"
#include "mac/energy.h"
#include "mac/options.h"

// Plain inputs of the exporters: the characterized macro's provenance and the model's views
// (exporters/model_view.h), held as values so the writers are pure functions of them. Quantities
// a consumer reads that cimchar cannot derive are listed under not_derived with the reason,
// never filled in.

namespace cimchar::exporters {

// Where the model was evaluated: the project's one operating-point type.
using OperatingPoint = calib::OperatingPoint;

// Provenance every export carries: the binary that wrote it and every table it read.
struct Provenance {
  std::string cimchar_version;
  std::string cimchar_commit;  // full hash, "-dirty" when tracked files differed at build time
  bool cimchar_dirty = false;
  std::string origin;  // "tables" or "analytic"
  std::vector<calib::TableSource> tables;
  std::vector<std::string> notes;  // the macro's notes: which table gave what, defaults used
};

// Whether a commit string names a build from a dirty tree ("...-dirty"). Failures: none.
bool IsDirtyCommit(const std::string& commit);

// One action of one component priced for Accelergy: `energy_j` per action; `code` set for the
// data-dependent rows (the DAC code the action applies).
struct PricedAction {
  std::string action;
  std::optional<int> code;
  double energy_j = 0.0;
};

// A block of the macro as an Accelergy / Timeloop component.
struct Component {
  std::string name;  // e.g. "adc"; the ERT names it "<macro>.<name>"
  std::string unit;  // what one `read` is, e.g. "one conversion of one column's ADC"
  std::string how;   // where its energy comes from (measured, composed, or the reference run)
  std::vector<PricedAction> actions;
};

// An axis of a table: numeric values or text labels (exactly one of the two non-empty).
struct TableAxis {
  std::string name;
  std::string units;  // what the values are counted in ("V", "degC", "code", "fraction", ...)
  std::vector<double> values;
  std::vector<std::string> labels;

  std::size_t Size() const { return values.empty() ? labels.size() : values.size(); }
};

// An N-d table as exported: data is row-major (last axis fastest). Non-finite entries mean
// "no value" (a failed sample) and are written as null / an empty CSV field.
struct TableView {
  std::string quantity;    // "<quantity>/<statistic>", e.g. "adc/transition_v/mean"
  std::string units;       // what the values are counted in ("V", "J", "LSB", ...)
  std::string file_units;  // the units attribute in the HDF5 file
  std::vector<TableAxis> axes;
  std::vector<double> data;
  std::string description;    // optional one-line meaning
  calib::TableSource source;  // the file it came from
};

// Everything one export needs.
struct ExportModel {
  Provenance provenance;
  OperatingPoint operating_point;
  std::string macro_name = "osa_hcim";  // component prefix in the Accelergy tables
  std::string readout = "sar";          // the column readout (mac::Readouts(), readouts.h)
  mac::MacShape shape;                  // the macro's geometry and the operands of the views
  OpTransfer op;
  CountTable counts;
  OpError op_error;
  std::vector<std::pair<std::int64_t, int>> noiseless_patterns;  // (count, model code)
  ViewOptions views;
  std::vector<Component> components;
  std::vector<ReferenceRun> reference_runs;  // one per B_D/A 0 .. MaxBoundary
  std::vector<BoundarySplit> splits;         // one per B_D/A 0 .. MaxBoundary
  std::vector<TableView> tables;             // for the csv and json exports
  std::map<std::string, std::string> not_derived;

  // The reference run at views.reference_boundary. Failures: Error when absent.
  const ReferenceRun& Reference() const;
};

}  // namespace cimchar::exporters
