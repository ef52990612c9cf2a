#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "exporters/export_model.h"
#include "report/atomic_file.h"

namespace cimchar::exporters {

// The consumers cimchar exports to, one format each (its files are in its help and in
// docs/exports.md, which names the consumer's code each file was checked against). Every export
// carries (or sits next to a file carrying) the provenance: the exporting binary's commit
// (marked dirty when it was built from a dirty tree) and, per table, its file, SHA-256, recipe,
// seed and commit. Quantities a consumer reads that cimchar cannot derive are listed under
// "not_derived", approximations a consumer forces under "approximations" with their measured
// error.

// What a format is rendered from: the model's views of the characterized macro (ModelFromMacro)
// or the characterized tables as they are (TablesOfMacro).
enum class ExportInput { kModel, kTables };

// The files of one export, rendered in memory and named relative to the output folder; nothing
// is written. Failures: UsageError when the model lacks what the format needs (naming the
// field), Error for non-finite values. Thread-safety: reads the model only.
using RenderFn = std::function<std::vector<report::PendingFile>(const ExportModel& model)>;

// One export format, registered in exporters.cpp; each lives in its own file under formats/.
struct ExportFormat {
  std::string name;  // the command-line name
  std::string help;  // the files it writes, for cimchar export --help (lines end in '\n')
  ExportInput input = ExportInput::kModel;
  RenderFn render;
  // What of the consumer holds one op transfer shared by every column, when the format renders
  // from it (the readouts whose values are per column are refused: CheckReadoutFits); empty
  // when the format does not.
  std::string shared_transfer;
};

// Every format, in the order cimchar export --help lists them. Thread-safe.
const std::vector<ExportFormat>& ExportFormats();

// The format named `name`. Failures: UsageError listing the known names. Thread-safe.
const ExportFormat& FindExportFormat(const std::string& name);

// Every format's name and files as cimchar export --help prints them. Thread-safe.
std::string ExportFormatsHelp();

// Renders, then writes the export into folder `out_dir` (created with its parents if missing)
// with every file written to a temporary file and renamed into place; on any failure no file
// of this export is left half-written and cimchar::Error names the path. Returns the paths
// written. Thread-safe for distinct output folders.
std::vector<std::filesystem::path> WriteExport(const ExportFormat& format,
                                               const ExportModel& model,
                                               const std::filesystem::path& out_dir);

}  // namespace cimchar::exporters
