// cimchar export: write the characterized macro and the model on it in a consumer's own format
// (Accelergy/Timeloop, NeuroSim, aihwkit, ASiM, CrossSim, CSV, JSON).
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cimchar/calibration_options.h"
#include "cimchar/command.h"
#include "core/error.h"
#include "exporters/exporters.h"
#include "exporters/from_store.h"

namespace {

namespace po = boost::program_options;
namespace ex = cimchar::exporters;
namespace mac = cimchar::mac;

std::string FormatHelp() {
  return "Formats (files written inside --out, a folder; docs/exports.md has each in full):\n" +
         ex::ExportFormatsHelp() +
         "Consumer formats state the approximations the consumer forces, with their error "
         "measured on\nthe model, and list what cannot be derived under \"not_derived\".";
}

std::string FormatNames() {
  std::string names;
  for (const ex::ExportFormat& f : ex::ExportFormats()) {
    names += (names.empty() ? "" : " | ") + f.name;
  }
  return names;
}

int RunExport(const std::vector<std::string>& args) {
  std::string format_name;
  std::string out;
  std::string macro_name = "osa_hcim";
  ex::ViewOptions views;
  cimchar::tool::MacroArgs macro;
  po::options_description desc(
      "cimchar export --format NAME --out DIR (--lut DIR | --apath F --adc F ...) [options]\n\n"
      "Reads the characterized macro from the tables at one operating point (interpolated, never\n"
      "extrapolated), runs the behavioral model on it and writes what a consumer reads; csv and\n"
      "json write the tables themselves. Files are written to temporary names and renamed, so a\n"
      "failure leaves none half-written.\n\nOptions");
  desc.add_options()("help,h", "show this help and the formats")("format", po::value(&format_name),
                                                                 FormatNames().c_str())(
      "out", po::value(&out), "output folder (created if missing)")(
      "macro-name", po::value(&macro_name)->default_value(macro_name),
      "component prefix in the Accelergy tables")(
      "boundary", po::value(&views.reference_boundary)->default_value(views.reference_boundary),
      "HCIM B_D/A of the reference run (Accelergy means and action counts, ASiM's "
      "hybrid_levels)")("vectors",
                        po::value(&views.reference_vectors)->default_value(views.reference_vectors),
                        "uniform random input vectors per reference run")(
      "chips", po::value(&views.chips)->default_value(views.chips),
      "simulated chip instances behind each statistic (NeuroSim table, op error)")(
      "patterns", po::value(&views.patterns)->default_value(views.patterns),
      "random row patterns measuring the per-count table's approximation")(
      "seed", po::value(&views.seed)->default_value(views.seed), "seed of every model draw");
  desc.add(cimchar::tool::MacroOptions(macro));
  po::variables_map vm;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  po::store(po::command_line_parser(rest).options(desc).run(), vm);
  if (vm.count("help") != 0U) {
    std::cout << desc << "\n" << FormatHelp() << "\n";
    return 0;
  }
  po::notify(vm);
  if (format_name.empty() || out.empty()) {
    throw cimchar::UsageError("--format and --out are required (see cimchar export --help)");
  }
  const ex::ExportFormat& format = ex::FindExportFormat(format_name);
  const mac::Model model = cimchar::tool::BuildModel(vm, macro);
  if (model.macro.origin != "tables") {
    throw cimchar::UsageError(
        "cimchar export writes a characterized macro: give its tables with --lut DIR or "
        "--apath/--adc/--digital/--dac");
  }
  const ex::ExportModel exported =
      ex::ExportModelFor(format, model.macro, model.shape, views, macro_name);
  if (exported.provenance.cimchar_dirty) {
    std::cout << "note: cimchar was built from a dirty tree (" << exported.provenance.cimchar_commit
              << "): the export says so\n";
  }
  const auto written = ex::WriteExport(format, exported, out);
  for (const auto& [what, why] : exported.not_derived) {
    std::cout << "not derived: " << what << ": " << why << "\n";
  }
  for (const auto& path : written) {
    std::cout << "wrote " << path.string() << "\n";
  }
  return 0;
}

}  // namespace

CIMCHAR_COMMAND("export",
                "write the characterized macro and its model for Accelergy, NeuroSim, aihwkit, ...",
                RunExport);
