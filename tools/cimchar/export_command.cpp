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

constexpr const char* kFormatHelp =
    R"(Formats (files written inside --out, a folder; docs/exports.md has each in full):
  accelergy  ERT.yaml (pJ per action; components dmult, adder_tree, precharge, wordline, din,
             leakage, analog_line, dac, adc, nq, ose, accumulator, mac, mac_bda<B>; actions
             read/compute for Timeloop, and for exact pricing the data-dependent actions:
             dmult w0/w1_a0/w1_a1, adder_tree evaluate (code = inputs at 1), precharge
             row_cycle/lblb, wordline dwl/awl, accumulator accumulate/toggle, analog_line
             row_on/row_off and dac drive (code = DAC code)),
             ART.yaml (no area: an empty table Timeloop accepts), action_counts.yaml (the
             reference run: Accelergy's estimate of it is the model's energy),
             accelergy.meta.json (units, what each action is, provenance).
  neurosim   neurosim_output_noise.csv: output (ideal count of one analog op, one row per
             count 0 .. rows x (2^n - 1)), mean and std (counts); neurosim.meta.json: the
             NeuroSim options to use (--output_noise -1, --adc_precision, ...).
  aihwkit    aihwkit.json: rpu_config.forward (IOParameters: DAC step, ADC step and bound,
             noise, no bound/noise management) and rpu_config.mapping (tile = rows x columns).
  asim       asim.json: ASiMLinear/ASiMConv2d keyword arguments (bit-serial, hybrid_levels per
             B_D/A, noise equivalent to the model's op error).
  crosssim   crosssim.json: CrossSimParameters.from_json input (SAR ADC with the calibrated
             range); crosssim.meta.json: units, approximations, provenance.
  csv        <quantity>_<statistic>.csv per table ("name [units]" header) + tables.meta.json.
  json       tables.json: every table with axes, units, data and its file's provenance.
Consumer formats state the approximations the consumer forces, with their error measured on
the model, and list what cannot be derived under "not_derived".)";

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
  desc.add_options()("help,h", "show this help and the formats")(
      "format", po::value(&format_name),
      "accelergy | neurosim | aihwkit | asim | crosssim | csv | json")(
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
    std::cout << desc << "\n" << kFormatHelp << "\n";
    return 0;
  }
  po::notify(vm);
  if (format_name.empty() || out.empty()) {
    throw cimchar::UsageError("--format and --out are required (see cimchar export --help)");
  }
  const ex::ExportFormat format = ex::ParseExportFormat(format_name);
  const mac::Model model = cimchar::tool::BuildModel(vm, macro);
  if (model.macro.origin != "tables") {
    throw cimchar::UsageError(
        "cimchar export writes a characterized macro: give its tables with --lut DIR or "
        "--apath/--adc/--digital/--dac");
  }
  ex::ExportModel exported;
  if (format == ex::ExportFormat::kCsv || format == ex::ExportFormat::kJson) {
    exported.provenance = ex::ProvenanceOf(model.macro);
    exported.tables = ex::TablesOfMacro(model.macro);
  } else {
    exported = ex::ModelFromMacro(model.macro, model.shape, views, macro_name);
  }
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
