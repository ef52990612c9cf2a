// cimchar snr: SNR and energy per MAC vs B_D/A with the error budget (paper Fig. 4b).
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cimchar/calibration_options.h"
#include "cimchar/command.h"
#include "cimchar/layer_options.h"
#include "core/error.h"
#include "exporters/plots.h"
#include "mac/calibration.h"
#include "mac/evaluate.h"
#include "mac/lut_calibration.h"
#include "mac/mac_model.h"
#include "mac/options.h"
#include "mac/sweep.h"

namespace {

namespace po = boost::program_options;
namespace mac = cimchar::mac;

int RunSnr(const std::vector<std::string>& args) {
  mac::MacShape shape;
  mac::RunOptions run;
  mac::EvalOptions eval;
  mac::CalibrationChoice calibration;
  std::string boundaries = "5-10";
  std::string inputs = "uniform";
  std::string out_csv;
  std::string out_plot;
  std::uint64_t chip_seed = 1;
  int length = shape.rows;
  po::options_description desc("cimchar snr [options]");
  desc.add_options()("help,h", "show this help")(
      "abits", po::value(&shape.activation_bits)->default_value(shape.activation_bits),
      "activation bits (1-8, unsigned)")(
      "wbits", po::value(&shape.weight_bits)->default_value(shape.weight_bits),
      "weight bits (1-8)")("signed", po::bool_switch(&shape.signed_weights),
                           "two's complement weights")(
      "rows", po::value(&shape.rows)->default_value(shape.rows), "rows per array")(
      "columns", po::value(&shape.columns)->default_value(shape.columns), "columns per array")(
      "length", po::value(&length)->default_value(length),
      "dot-product length (tiled over arrays when longer than --rows)")(
      "adc-bits", po::value(&shape.adc_bits)->default_value(shape.adc_bits), "ADC resolution")(
      "window", po::value(&shape.analog_window)->default_value(shape.analog_window),
      "analog window W (orders)")(
      "dac-bits", po::value(&shape.dac_bits)->default_value(shape.dac_bits), "DAC resolution")(
      "adc-lo", po::value(&shape.adc_range_lo_frac)->default_value(shape.adc_range_lo_frac),
      "ADC range low end, fraction of line full scale")(
      "adc-hi", po::value(&shape.adc_range_hi_frac)->default_value(shape.adc_range_hi_frac),
      "ADC range high end, fraction of line full scale")(
      "boundaries", po::value(&boundaries)->default_value(boundaries), "B_D/A range, B1-B2")(
      "compensate", po::bool_switch(&run.compensate_discard),
      "add the expected value of the discarded orders")(
      "inputs", po::value(&inputs)->default_value(inputs), "uniform | scaled")(
      "samples", po::value(&eval.samples)->default_value(eval.samples), "input vectors")(
      "seed", po::value(&eval.seed)->default_value(eval.seed), "inputs and dynamic noise")(
      "chip-seed", po::value(&chip_seed)->default_value(chip_seed),
      "simulated chip instance (static errors)")(
      "threads", po::value(&eval.threads)->default_value(eval.threads),
      "worker threads (results do not depend on it)")(
      "out", po::value(&out_csv), "write every row of the sweep and budget to this CSV")(
      "plot", po::value(&out_plot), "draw SNR and energy per MAC vs B_D/A (.png or .svg)");
  desc.add(cimchar::tool::CalibrationOptions(calibration));
  cimchar::tool::LayerArgs layer_args;
  desc.add(cimchar::tool::LayerOptions(layer_args));
  po::variables_map vm;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  po::store(po::command_line_parser(rest).options(desc).run(), vm);
  if (vm.count("help") != 0U) {
    std::cout << desc << "\n";
    return 0;
  }
  po::notify(vm);
  const auto layer = cimchar::tool::LoadLayerIfGiven(layer_args, vm, shape);
  mac::ValidateShape(shape);
  const mac::LutCalibration cal = mac::ResolveCalibration(calibration, shape);
  shape = cal.shape;
  const auto [first, last] = mac::ParseBoundaryRange(boundaries, shape);
  const mac::InputGenerator generator =
      layer                 ? cimchar::tool::LayerInputs(*layer)
      : inputs == "uniform" ? mac::UniformInputs(shape.activation_bits)
      : inputs == "scaled"
          ? mac::ScaledInputs(shape.activation_bits)
          : throw cimchar::UsageError("--inputs '" + inputs + "': expected uniform or scaled");
  if (layer && vm["samples"].defaulted()) {
    eval.samples = layer->vectors;  // each of the layer's vectors once
  }
  const int outputs = layer ? layer->outputs : shape.columns;
  length = layer ? layer->length : length;
  const auto weights =
      layer ? layer->weights : mac::RandomWeights(shape, length, shape.columns, chip_seed);
  const mac::MacArray array(shape, cal.calibration, weights, length, outputs, chip_seed);
  if (layer) {
    std::cout << "layer: " << layer->description << "\n";
  }
  const auto points = mac::SweepBoundaries(array, run, first, last, generator, eval);
  std::cout << "calibration:\n";
  cimchar::tool::PrintNotes(cal);
  std::cout << eval.samples << " vectors, seed " << eval.seed << ", chip seed " << chip_seed
            << "\n";
  mac::PrintSweep(std::cout, shape, points);
  if (!out_csv.empty()) {
    mac::WriteSweepCsv(out_csv, points);
    std::cout << "wrote " << out_csv << "\n";
  }
  if (!out_plot.empty()) {
    cimchar::exporters::PlotSnrEnergy(cimchar::exporters::SnrEnergyFromSweep(points), out_plot);
    std::cout << "wrote " << out_plot << "\n";
  }
  return 0;
}

}  // namespace

CIMCHAR_COMMAND("snr", "SNR and energy per MAC vs B_D/A with the error budget", RunSnr);
