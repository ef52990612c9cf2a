#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "exporters/export_model.h"
#include "mac/energy.h"
#include "report/atomic_file.h"

namespace cimchar::exporters {

// The consumers cimchar exports to, and the files written per format (inside the output folder;
// docs/exports.md names the consumer's code each file was checked against):
//   accelergy: ERT.yaml (energy per action, pJ), ART.yaml (no areas), action_counts.yaml (the
//              reference run's counts), accelergy.meta.json (units, components, provenance)
//   neurosim:  neurosim_output_noise.csv (output,mean,std per ideal count), neurosim.meta.json
//   aihwkit:   aihwkit.json (IOParameters and MappingParameter keyword arguments, approximations)
//   asim:      asim.json (ASiMLinear / ASiMConv2d keyword arguments, split per B_D/A)
//   crosssim:  crosssim.json and crosssim_quantizer.json (CrossSimParameters.from_json inputs:
//              SAR ADC, quantizer ADC), crosssim.meta.json
//   csv:       one <quantity>_<statistic>.csv per table + tables.meta.json
//   json:      tables.json
// Every export carries (or sits next to a file carrying) the provenance: the exporting binary's
// commit (marked dirty when it was built from a dirty tree) and, per table, its file, SHA-256,
// recipe, seed and commit. Quantities a consumer reads that cimchar cannot derive are listed
// under "not_derived", approximations a consumer forces under "approximations" with their
// measured error.
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
std::vector<report::PendingFile> RenderExport(ExportFormat format, const ExportModel& model);

// Renders, then writes the export into folder `out_dir` (created with its parents if missing)
// with every file written to a temporary file and renamed into place; on any failure no file
// of this export is left half-written and cimchar::Error names the path. Returns the paths
// written. Thread-safe for distinct output folders.
std::vector<std::filesystem::path> WriteExport(ExportFormat format,
                                               const ExportModel& model,
                                               const std::filesystem::path& out_dir);

// An Accelergy action-count file (top key action_counts, version 0.4) for what the model counted
// in `counts`, naming the components of `model` ("<macro>.<component>"): with the ERT of the same
// model, Accelergy's energy estimate of it equals mac::ComputeEnergy of `counts`. Failures: none.
// Thread-safety: pure.
std::string AccelergyActionCounts(const mac::ActionCounts& counts, const ExportModel& model);

}  // namespace cimchar::exporters
