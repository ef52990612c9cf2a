// cimchar export: write a calibrated model from characterization run files in a consumer's own
// format (Accelergy, NeuroSim, aihwkit, ASiM, CrossSim, CSV, JSON).
#include <cmath>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cimchar/calibration_options.h"
#include "cimchar/command.h"
#include "core/error.h"
#include "exporters/exporters.h"
#include "exporters/from_store.h"
#include "lut/store.h"

namespace {

namespace po = boost::program_options;
namespace ex = cimchar::exporters;
namespace mac = cimchar::mac;

constexpr const char* kFormatHelp = R"(Formats (files written inside --out, a folder):
  accelergy  ERT.yaml: ERT.version, ERT.tables[].name "<macro>.<component>",
               actions[].name, actions[].arguments, actions[].energy (pJ per action);
             ART.yaml: ART.tables[].name, area (um^2; not derived: cimchar has no layouts).
             Components: adder_tree.evaluate (ones), dmult.multiply (w, a),
             analog_line.analog_op (code), dac_row.drive (code), adc.convert,
             accumulator.accumulate (toggled_bits), precharge_row.precharge,
             precharge_lblb.restore, dwl_row.pulse, awl_row.pulse, din_row.toggle,
             leakage_row.cycle, leakage_column.cycle, ose.evaluate, nq.normalize.
             Needs at least one energy table.
  neurosim   neurosim_adc_noise.csv: output (code), mean (LSB), std (LSB, static and dynamic
             in quadrature); neurosim_adc_noise.meta.json. Needs adc/transition_v.
  aihwkit    aihwkit.json: IOParameters out_bound, out_res, out_noise, out_nonlinearity,
             out_scale (aihwkit output units). Needs adc/transition_v and apath/line_v.
  asim       asim.json: module_kwargs wbit, xbit, adc_prec, nrow, act_enc, rand_noise_sigma,
             non_linear_sigma (% of the column range). Needs adc/transition_v, apath/line_v.
  crosssim   crosssim.json: SarADCParameters bits, sigma_comparator (fraction of the ADC
             window), sigma_capacitor, gain_db, group_size. Needs adc/transition_v and
             adc/comparator_offset_v.
  csv        <quantity>_<statistic>.csv per table ("name [units]" header, axis columns then
             the value) + tables.meta.json. Every table, every grid point.
  json       tables.json: tables[].quantity, units, axes[] (name, units, values|labels),
             shape, data (row-major, null = failed sample).
Every export carries the provenance of each LUT (lutN.file, recipe, master_seed,
input_sha256.*, ngspice_version, cimchar_commit) and lists under "not_derived" what the LUTs
could not give. docs/exports.md has the details.)";

int RunExport(const std::vector<std::string>& args) {
  std::string format_name;
  std::string out;
  std::string macro_name = "osa_hcim";
  cimchar::tool::MacroArgs macro;
  po::options_description desc(
      "cimchar export --format NAME --out DIR (--lut DIR | --apath F --adc F ...) [options]\n\n"
      "Reads the characterized macro from the tables at one operating point (interpolated, never\n"
      "extrapolated) and writes it in a consumer's format; csv and json write the tables\n"
      "themselves. Files are written to temporary names and renamed, so a failure leaves none\n"
      "half-written.\n\nOptions");
  desc.add_options()("help,h", "show this help and the formats")(
      "format", po::value(&format_name),
      "accelergy | neurosim | aihwkit | asim | crosssim | csv | json")(
      "out", po::value(&out), "output folder (created if missing)")(
      "macro-name", po::value(&macro_name)->default_value(macro_name),
      "component prefix in the Accelergy tables");
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
  ex::ExportModel exported = ex::ModelFromMacro(model.macro, model.shape, macro_name);
  if (format == ex::ExportFormat::kCsv || format == ex::ExportFormat::kJson) {
    for (const auto& source : model.macro.sources) {
      const auto store = cimchar::lut::Store::Open(source.file);
      for (auto& view : ex::TableViewsFromStore(store)) {
        exported.tables.push_back(std::move(view));
      }
    }
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
                "write a calibrated model for Accelergy, NeuroSim, aihwkit, ... ",
                RunExport);
