// cimchar plot KIND: figures of the characterization and of the behavioral model (gnuplot; PNG or
// SVG by the --out extension).
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "calib/read.h"
#include "cimchar/calibration_options.h"
#include "cimchar/command.h"
#include "cimchar/layer_options.h"
#include "core/error.h"
#include "exporters/from_store.h"
#include "lut/store.h"
#include "mac/compare.h"
#include "mac/setup.h"
#include "mac/sweep.h"
#include "mac/thresholds.h"
#include "network/bda_map.h"
#include "network/workload.h"
#include "report/image.h"
#include "report/plots.h"

namespace {

namespace po = boost::program_options;
namespace ex = cimchar::exporters;
namespace net = cimchar::network;
namespace report = cimchar::report;
namespace mac = cimchar::mac;
using cimchar::UsageError;

constexpr double kPico = 1e12;

struct PointArgs {
  std::string corner;
  double vdd_v = 0.0;
  double temp_c = 0.0;
};

void AddPointOptions(po::options_description& d, PointArgs& p) {
  d.add_options()("corner", po::value(&p.corner), "corner label (default: the only one)")(
      "vdd", po::value(&p.vdd_v), "supply, V (default: the only one)")(
      "temp", po::value(&p.temp_c), "temperature, degC (default: the only one)");
}

ex::GridPointRequest Point(const po::variables_map& vm, const PointArgs& p) {
  ex::GridPointRequest r;
  if (vm.count("corner") != 0U) {
    r.corner = p.corner;
  }
  if (vm.count("vdd") != 0U) {
    r.vdd_v = p.vdd_v;
  }
  if (vm.count("temp") != 0U) {
    r.temp_c = p.temp_c;
  }
  return r;
}

// Parses the options of one kind; returns false when --help was printed.
bool Parse(const std::vector<std::string>& args,
           const po::options_description& desc,
           po::variables_map& vm) {
  std::vector<std::string> rest(args.begin() + 2, args.end());
  po::store(po::command_line_parser(rest).options(desc).run(), vm);
  if (vm.count("help") != 0U) {
    std::cout << desc << "\n";
    return false;
  }
  po::notify(vm);
  if (vm.count("out") == 0U) {
    throw UsageError("--out FILE.png|FILE.svg is required");
  }
  return true;
}

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string f;
  while (std::getline(in, f, ',')) {
    fields.push_back(f);
  }
  return fields;
}

int PlotSnr(const std::vector<std::string>& args) {
  std::string csv, out, inputs = "uniform", boundaries = "5-10";
  cimchar::tool::MacroArgs macro;
  mac::EvalOptions eval{.samples = 1000};
  cimchar::tool::ChipArgs chips;
  int length = 0;
  po::options_description desc(
      "cimchar plot snr --out F.png [--csv SNR.csv | model options]\n\n"
      "SNR (and offset-removed SNR) and energy per MAC vs B_D/A on two y axes (paper Fig. 4b),\n"
      "from the CSV of cimchar snr --out, or by running the HCIM sweep");
  desc.add_options()("help,h", "show this help")("out", po::value(&out), "figure, .png or .svg")(
      "csv", po::value(&csv), "CSV written by cimchar snr --out")(
      "boundaries", po::value(&boundaries)->default_value(boundaries), "B_D/A range B1-B2");
  desc.add(cimchar::tool::EvalOptions(length, eval, inputs, chips));
  desc.add(cimchar::tool::MacroOptions(macro));
  po::variables_map vm;
  if (!Parse(args, desc, vm)) {
    return 0;
  }
  report::SnrEnergyPlot plot;
  if (!csv.empty()) {
    plot = report::SnrEnergyFromCsv(csv);
  } else {
    const net::Workload work = cimchar::tool::WorkloadOf(vm, macro, {}, length, chips);
    const mac::MacShape& shape = work.model.shape;
    const mac::Chips& chip_set = work.chips;
    cimchar::tool::PrintNotes(work.model.macro);
    const auto [first, last] = mac::ParseBoundaryRange(boundaries, shape);
    const auto points = mac::SweepBoundaries(
        chip_set, {}, first, last, cimchar::tool::Inputs(inputs, shape.activation_bits), eval);
    plot = report::SnrEnergyFromSweep(points);
  }
  report::PlotSnrEnergy(plot, out);
  std::cout << "wrote " << out << "\n";
  return 0;
}

int PlotHist(const std::vector<std::string>& args) {
  std::string lut, out, columns, title = "Monte Carlo histogram", label;
  PointArgs point;
  bool centered = false;
  double scale = 1e3;
  int bins = 0;
  po::options_description desc(
      "cimchar plot hist --lut F.h5 --columns C1,C2 --out F.png [options]\n\n"
      "Histograms of per-sample Monte Carlo records at one grid point: ADC transition levels,\n"
      "comparator offset, analog-path error (--centered: each column minus its mean)");
  desc.add_options()("help,h", "show this help")("out", po::value(&out), "figure, .png or .svg")(
      "lut", po::value(&lut), "run file")("columns", po::value(&columns),
                                          "record columns, comma-separated (default: all)")(
      "centered", po::bool_switch(&centered), "subtract each column's mean (error view)")(
      "scale", po::value(&scale)->default_value(scale), "multiplier before binning (1e3: V -> mV)")(
      "x-label", po::value(&label), "x axis label with units (default from --scale)")(
      "title", po::value(&title)->default_value(title), "figure title")(
      "bins", po::value(&bins)->default_value(bins), "bins (0: Freedman-Diaconis)");
  AddPointOptions(desc, point);
  po::variables_map vm;
  if (!Parse(args, desc, vm)) {
    return 0;
  }
  if (lut.empty()) {
    throw UsageError("--lut is required");
  }
  const auto store = cimchar::lut::Store::Open(lut);
  std::vector<std::string> names;
  if (columns.empty()) {
    for (const auto& c : store.spec().columns) {
      names.push_back(c.name);
    }
  } else {
    names = SplitCsvLine(columns);
  }
  report::HistogramPlot plot{
      .title = title,
      .x_label = label,
      .x_scale = scale,
      .bins = bins,
      .sets = ex::SampleSetsFromStore(store, names, Point(vm, point), centered)};
  if (plot.x_label.empty()) {
    const std::string unit = store.spec().columns.empty() ? "" : store.spec().columns[0].units;
    const std::string prefix = scale == 1e3 ? "m" : scale == 1e6 ? "u" : scale == 1.0 ? "" : "?";
    plot.x_label = std::string(centered ? "deviation from the mean" : "value") + " (" + prefix +
                   unit + (prefix == "?" ? " x " + std::to_string(scale) : "") + ")";
  }
  report::PlotHistogram(plot, out);
  std::cout << "wrote " << out << " (" << plot.sets.size() << " columns, "
            << (plot.sets.empty() ? 0 : plot.sets.front().samples.size()) << " samples each)\n";
  return 0;
}

int PlotDnl(const std::vector<std::string>& args) {
  std::string lut, out;
  cimchar::calib::Request request;
  po::options_description desc(
      "cimchar plot dnl --lut ADC.h5 --out F.png [--corner --vdd --temp]\n\n"
      "DNL and INL per code (end-point definition) of the characterized ADC's mean transitions");
  desc.add_options()("help,h", "show this help")("out", po::value(&out), "figure, .png or .svg")(
      "lut", po::value(&lut), "ADC table (adc.h5)")(
      "corner", po::value(&request.point.corner)->default_value(request.point.corner), "corner")(
      "vdd", po::value(&request.point.vdd_v)->default_value(request.point.vdd_v), "supply, V")(
      "temp", po::value(&request.point.temp_c)->default_value(request.point.temp_c),
      "temperature, degC");
  po::variables_map vm;
  if (!Parse(args, desc, vm)) {
    return 0;
  }
  if (lut.empty()) {
    throw UsageError("--lut is required");
  }
  const cimchar::calib::Macro macro = cimchar::calib::ReadMacro({.files = {{"adc", lut}}}, request);
  report::DnlInlPlot plot = ex::LinearityFromTransitions(macro.adc.transition_v);
  plot.title = "ADC DNL and INL (" + std::to_string(macro.geometry.adc_bits) + " bit, end-point, " +
               request.point.Describe() + ")";
  report::PlotDnlInl(plot, out);
  for (std::size_t i = 0; i < plot.codes.size(); ++i) {
    std::cout << "code " << plot.codes[i] << ": DNL " << plot.dnl_lsb[i] << " LSB, INL "
              << plot.inl_lsb[i] << " LSB\n";
  }
  std::cout << "wrote " << out << "\n";
  return 0;
}

int PlotBreakdown(const std::vector<std::string>& args) {
  std::string out, inputs = "scaled", candidates = "5,6,7,8,9,10", thresholds, thresholds_file;
  cimchar::tool::MacroArgs macro;
  mac::EvalOptions eval{.samples = 500};
  cimchar::tool::ChipArgs chips;
  int length = 0;
  int hcim_boundary = 8;
  int nq_full_scale = 0;
  po::options_description desc(
      "cimchar plot breakdown --out F.png [options]\n\n"
      "Energy per MAC by block (stacked) for DCIM, HCIM and OSA-HCIM (paper Fig. 6), priced\n"
      "with mac::ComputeEnergy on the same inputs; OSA thresholds from the Fig. 3(b) search\n"
      "(on a calibration set, seed + " +
      std::to_string(mac::kCalibrationSeedOffset) +
      ") unless given with --thresholds or --thresholds-file");
  desc.add_options()("help,h", "show this help")("out", po::value(&out), "figure, .png or .svg")(
      "hcim-boundary", po::value(&hcim_boundary)->default_value(hcim_boundary), "HCIM B_D/A")(
      "candidates", po::value(&candidates)->default_value(candidates), "OSA candidates B")(
      "thresholds", po::value(&thresholds), "OSA thresholds T (default: searched)")(
      "thresholds-file", po::value(&thresholds_file),
      "B, T and the N/Q full scale from the file cimchar thresholds --out wrote")(
      "nq-full-scale", po::value(&nq_full_scale)->default_value(nq_full_scale),
      "N/Q full scale the thresholds were found with (cimchar thresholds saves it; 0 = rows + 1)");
  desc.add(cimchar::tool::EvalOptions(length, eval, inputs, chips));
  desc.add(cimchar::tool::MacroOptions(macro));
  po::variables_map vm;
  if (!Parse(args, desc, vm)) {
    return 0;
  }
  const net::Workload work = cimchar::tool::WorkloadOf(vm, macro, {}, length, chips);
  const mac::MacShape& shape = work.model.shape;
  const mac::Chips& chip_set = work.chips;
  cimchar::tool::PrintNotes(work.model.macro);
  mac::RunOptions osa{.mode = mac::Mode::kOsaHcim};
  osa.ose.candidates = cimchar::tool::ParseList<int>("candidates", candidates);
  if (!thresholds_file.empty()) {
    cimchar::tool::ApplyThresholdsFile(vm, thresholds_file, osa.ose, nq_full_scale);
  }
  osa.ose.nq_full_scale = nq_full_scale;
  const auto generator = cimchar::tool::Inputs(inputs, shape.activation_bits);
  if (!thresholds.empty()) {
    osa.ose.thresholds = cimchar::tool::ParseList<std::int64_t>("thresholds", thresholds);
  } else if (thresholds_file.empty()) {
    osa.ose.thresholds =
        mac::CalibrateThresholds(chip_set.front(), osa,
                                 mac::DefaultLossConstraints(osa.ose.candidates.size()), generator,
                                 mac::CalibrationEval(eval))
            .thresholds;
  }
  const auto rows = mac::CompareModes(chip_set, osa, hcim_boundary, generator, eval);
  for (const auto& row : rows) {
    std::cout << row.name << ": " << row.result.energy.per_mac_j * kPico << " pJ/MAC, "
              << row.result.energy.tops_per_w_8b_norm << " TOPS/W (8b-normalized)\n";
  }
  report::PlotStackedBars(report::EnergyBreakdownPlot(rows), out);
  std::cout << "wrote " << out << "\n";
  return 0;
}

int PlotBdaMap(const std::vector<std::string>& args) {
  std::string image = "results/data/chelsea.pgm", out, thresholds;
  net::BdaMapOptions options;
  po::options_description desc(
      "cimchar plot bda-map --out F.png [--image results/data/chelsea.pgm] [options]\n\n"
      "The analogue of paper Fig. 7a: the grey image through a 3x3 edge layer (exact) and a\n"
      "3x3 x channels layer on the behavioral macro in OSA-HCIM mode; each output pixel's B_D/A\n"
      "from the saliency evaluator, drawn beside the image");
  desc.add_options()("help,h", "show this help")("out", po::value(&out), "figure, .png or .svg")(
      "image", po::value(&image)->default_value(image), "grey-scale PGM")(
      "seed", po::value(&options.seed)->default_value(options.seed),
      "random kernels, weights and chip")(
      "channels", po::value(&options.edge_channels)->default_value(options.edge_channels),
      "layer-1 channels (layer 2 has 9 x channels rows)")(
      "thresholds", po::value(&thresholds),
      "saliency thresholds T (default: equal-population levels of the image)");
  po::variables_map vm;
  if (!Parse(args, desc, vm)) {
    return 0;
  }
  if (!thresholds.empty()) {
    options.thresholds = cimchar::tool::ParseList<std::int64_t>("thresholds", thresholds);
  }
  report::BdaMapPlot plot;
  plot.image = report::ReadPgm(image);
  const net::BdaMapResult r = net::ComputeBdaMap(plot.image, options);
  plot.map = r.map;
  plot.title = "B_D/A per output pixel (OSA-HCIM, " + std::to_string(plot.image.width) + "x" +
               std::to_string(plot.image.height) + ")";
  plot.map_label = "B_D/A (output order)";
  report::PlotBdaMap(plot, out);
  std::cout << "thresholds:";
  for (const auto t : r.thresholds) {
    std::cout << " " << t;
  }
  std::cout << "\nB_D/A histogram (pixels):";
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    std::cout << " B=" << r.candidates[i] << ":" << r.pixels_per_candidate[i];
  }
  std::cout << "\nwrote " << out << "\n";
  return 0;
}

int RunPlot(const std::vector<std::string>& args) {
  static const std::map<std::string, int (*)(const std::vector<std::string>&)> kKinds = {
      {"snr", PlotSnr},
      {"hist", PlotHist},
      {"dnl", PlotDnl},
      {"breakdown", PlotBreakdown},
      {"bda-map", PlotBdaMap}};
  if (args.size() < 2 || args[1] == "--help" || args[1] == "-h") {
    std::cout << "cimchar plot KIND --out FILE.png|FILE.svg [options]   (KIND --help for more)\n"
                 "  snr        SNR and energy per MAC vs B_D/A (two y axes)\n"
                 "  hist       Monte Carlo histograms of a run file's per-sample records\n"
                 "  dnl        ADC DNL/INL per code from adc/transition_v\n"
                 "  breakdown  energy per MAC by block for DCIM, HCIM, OSA-HCIM\n"
                 "  bda-map    B_D/A map of a photograph (paper Fig. 7a analogue)\n";
    return args.size() < 2 ? 2 : 0;
  }
  const auto it = kKinds.find(args[1]);
  if (it == kKinds.end()) {
    throw UsageError("unknown plot kind '" + args[1] +
                     "'; kinds: snr, hist, dnl, breakdown, "
                     "bda-map");
  }
  return it->second(args);
}

}  // namespace

CIMCHAR_COMMAND("plot", "figures: snr, hist, dnl, breakdown, bda-map (PNG or SVG)", RunPlot);
