#pragma once

// What the export formats share: the checks every consumer format makes, the provenance and
// header documents their files carry. Internal to src/exporters (formats/*.cpp).

#include <string>
#include <vector>

#include "calib/macro.h"
#include "exporters/document.h"
#include "exporters/export_model.h"

namespace cimchar::exporters::formats {

// Throws UsageError: `format` cannot be written because the model lacks `what`.
[[noreturn]] void Missing(const std::string& format, const std::string& what);

// Throws UsageError naming `field` when `value` is not finite.
void RequireFinite(const std::string& format, const std::string& field, double value);

// A table file's provenance (role, file, SHA-256, commit, seed, ...; the recipe text when asked).
Document SourceDoc(const calib::TableSource& t, bool with_recipe);

// The provenance of an export: the exporting binary and every table it read.
Document ProvenanceDoc(const Provenance& p);

// The model's not_derived entries whose key starts with `prefix` (all of them for "").
Document NotDerived(const ExportModel& model, const std::string& prefix = "");

// The header every JSON file of a consumer export shares.
Document Header(const ExportModel& model, const std::string& consumer, const std::string& followed);

// Checks shared by the consumer formats: provenance, a finite operating point, a readout the
// format can hold (CheckReadoutFits), the views of the op transfer when the readout has one.
// Failures: UsageError naming what is missing.
void CheckModel(const std::string& format, const ExportModel& model);

}  // namespace cimchar::exporters::formats
