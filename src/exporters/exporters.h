#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "exporters/atomic_file.h"
#include "exporters/export_model.h"

namespace cimchar::exporters {

// The consumers cimchar exports to. Files written per format (inside the output folder):
//   accelergy: ERT.yaml, ART.yaml (Accelergy 0.4 reference tables; energy in pJ, area in um^2)
//   neurosim:  neurosim_adc_noise.csv (output,mean,std) + neurosim_adc_noise.meta.json
//   aihwkit:   aihwkit.json (IOParameters keyword arguments + notes)
//   asim:      asim.json (ASiM layer keyword arguments + notes)
//   crosssim:  crosssim.json (SarADCParameters attributes + notes)
//   csv:       one <quantity>.csv per table + tables.meta.json
//   json:      tables.json
// Every file carries (or sits next to a file carrying) the LUT provenance; quantities a consumer
// needs but cimchar could not derive are listed under "not_derived" with the reason.
enum class ExportFormat { kAccelergy, kNeuroSim, kAihwkit, kAsim, kCrossSim, kCsv, kJson };

// The command-line name of each format, in the order above. Thread-safe.
std::vector<std::string> ExportFormatNames();
// The command-line name of `format`. Thread-safe.
std::string ExportFormatName(ExportFormat format);
// Parses a command-line name; throws cimchar::UsageError listing the known names. Thread-safe.
ExportFormat ParseExportFormat(const std::string& name);

// Renders the files of one export in memory, named relative to the output folder; nothing is
// written. Throws cimchar::UsageError when `model` lacks what the format needs (naming the
// field), cimchar::Error for non-finite values. Thread-safe (reads `model` only).
std::vector<PendingFile> RenderExport(ExportFormat format, const ExportModel& model);

// Renders, then writes the export into folder `out_dir` (created with its parents if missing)
// with every file written to a temporary file and renamed into place; on any failure no file
// of this export is left half-written and cimchar::Error names the path. Returns the paths
// written. Thread-safe for distinct output folders.
std::vector<std::filesystem::path> WriteExport(ExportFormat format,
                                               const ExportModel& model,
                                               const std::filesystem::path& out_dir);

}  // namespace cimchar::exporters
