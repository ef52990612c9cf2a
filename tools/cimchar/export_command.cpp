// cimchar export: write a calibrated model from characterization run files in a consumer's own
// format (Accelergy, NeuroSim, aihwkit, ASiM, CrossSim, CSV, JSON).
#include <cmath>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cimchar/command.h"
#include "core/error.h"
#include "exporters/exporters.h"
#include "exporters/from_store.h"
#include "lut/store.h"

namespace {

namespace po = boost::program_options;
namespace ex = cimchar::exporters;

constexpr const char* kFormatHelp = R"(Formats (files written inside --out, a folder):
  accelergy  ERT.yaml: ERT.version, ERT.tables[].name "<macro>.<component>",
               actions[].name, actions[].arguments, actions[].energy (pJ per action);
             ART.yaml: ART.tables[].name, area (um^2; not derived: cimchar has no layouts).
             Components: digital_column.mac_1b_cycle (activity_pct), analog_line.analog_op
             (fraction_pct), adc.convert, dac_row.drive (code), precharge_row.precharge.
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

std::pair<double, double> ParseWindow(const std::string& text) {
  const auto comma = text.find(',');
  try {
    if (comma != std::string::npos) {
      std::size_t used_lo = 0;
      std::size_t used_hi = 0;
      const std::string lo_text = text.substr(0, comma);
      const std::string hi_text = text.substr(comma + 1);
      const double lo = std::stod(lo_text, &used_lo);
      const double hi = std::stod(hi_text, &used_hi);
      if (used_lo == lo_text.size() && used_hi == hi_text.size()) {
        return {lo, hi};
      }
    }
  } catch (const std::exception&) {
  }
  throw cimchar::UsageError("--adc-window '" + text + "': expected LOW,HIGH in volts");
}

int RunExport(const std::vector<std::string>& args) {
  std::vector<std::string> luts;
  std::string format_name;
  std::string out;
  std::string corner;
  double vdd_v = std::nan("");
  double temp_c = std::nan("");
  std::string adc_window;
  ex::FromStoreOptions options;
  po::options_description desc(
      "cimchar export --lut F.h5 [--lut G.h5 ...] --format NAME --out DIR [options]\n\n"
      "Reads characterization run files, evaluates the model at one operating point (tables\n"
      "interpolated, never extrapolated) and writes it in a consumer's format. The files are\n"
      "written to temporary names and renamed, so a failure leaves none half-written.\n\n"
      "Options");
  desc.add_options()("help,h", "show this help and the formats")(
      "lut", po::value(&luts)->composing(), "a run file (repeat for several recipes)")(
      "format", po::value(&format_name),
      "accelergy | neurosim | aihwkit | asim | crosssim | "
      "csv | json")("out", po::value(&out), "output folder (created if missing)")(
      "corner", po::value(&corner), "process corner label (default: the table's only one)")(
      "vdd", po::value(&vdd_v), "supply, V (default: the table's only one)")(
      "temp", po::value(&temp_c), "temperature, degC (default: the table's only one)")(
      "adc-window", po::value(&adc_window),
      "nominal ADC input window LOW,HIGH in V (measures gain and offset against it)")(
      "macro-name", po::value(&options.macro_name)->default_value(options.macro_name),
      "component prefix in the Accelergy tables")(
      "rows", po::value(&options.shape.rows)->default_value(options.shape.rows), "rows per array")(
      "columns", po::value(&options.shape.columns)->default_value(options.shape.columns),
      "columns per array")(
      "abits",
      po::value(&options.shape.activation_bits)->default_value(options.shape.activation_bits),
      "activation bits")(
      "wbits", po::value(&options.shape.weight_bits)->default_value(options.shape.weight_bits),
      "weight bits")("dac-bits",
                     po::value(&options.shape.dac_bits)->default_value(options.shape.dac_bits),
                     "activation bits per analog op")(
      "adc-bits", po::value(&options.shape.adc_bits)->default_value(options.shape.adc_bits),
      "ADC resolution of the macro")(
      "window", po::value(&options.shape.analog_window)->default_value(options.shape.analog_window),
      "analog window (output orders)")(
      "adc-hi",
      po::value(&options.shape.adc_range_hi_frac)->default_value(options.shape.adc_range_hi_frac),
      "top of the ADC window, fraction of the line full scale");
  po::variables_map vm;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  po::store(po::command_line_parser(rest).options(desc).run(), vm);
  if (vm.count("help") != 0U) {
    std::cout << desc << "\n" << kFormatHelp << "\n";
    return 0;
  }
  po::notify(vm);
  if (luts.empty() || format_name.empty() || out.empty()) {
    throw cimchar::UsageError("--lut, --format and --out are required (see cimchar export --help)");
  }
  const ex::ExportFormat format = ex::ParseExportFormat(format_name);
  if (vm.count("corner") != 0U) {
    options.point.corner = corner;
  }
  if (vm.count("vdd") != 0U) {
    options.point.vdd_v = vdd_v;
  }
  if (vm.count("temp") != 0U) {
    options.point.temp_c = temp_c;
  }
  if (!adc_window.empty()) {
    options.adc_window_v = ParseWindow(adc_window);
  }
  std::vector<cimchar::lut::Store> stores;
  for (const auto& path : luts) {
    stores.push_back(cimchar::lut::Store::Open(path));
    if (!stores.back().complete()) {
      std::cerr << "cimchar export: warning: " << path
                << " is a snapshot of an unfinished run (resume it to finish)\n";
    }
  }
  const ex::ExportModel model = ex::ModelFromStores(format, stores, options);
  const auto written = ex::WriteExport(format, model, out);
  for (const auto& [what, why] : model.not_derived) {
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
