// cimchar snr: SNR and energy per MAC vs B_D/A with the error budget (paper Fig. 4b).
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cimchar/calibration_options.h"
#include "cimchar/command.h"
#include "cimchar/layer_options.h"
#include "core/error.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"
#include "mac/options.h"
#include "mac/readout.h"
#include "mac/setup.h"
#include "mac/sweep.h"
#include "network/workload.h"
#include "report/plots.h"

namespace {

namespace po = boost::program_options;
namespace mac = cimchar::mac;
namespace net = cimchar::network;

int RunSnr(const std::vector<std::string>& args) {
  cimchar::tool::MacroArgs macro;
  mac::RunOptions run;
  mac::EvalOptions eval;
  std::string boundaries = "5-10";
  std::string inputs = "uniform";
  std::string out_csv;
  std::string out_plot;
  cimchar::tool::ChipArgs chips{.chips = mac::kFigureChips};
  eval.samples = mac::kFigureSamples;
  int length = 0;
  po::options_description desc("cimchar snr [options]");
  desc.add_options()("help,h", "show this help")(
      "boundaries", po::value(&boundaries)->default_value(boundaries), "B_D/A range, B1-B2")(
      "compensate", po::bool_switch(&run.compensate_discard),
      "add the expected value of the discarded orders")(
      "out", po::value(&out_csv), "write every row of the sweep and budget to this CSV")(
      "plot", po::value(&out_plot), "draw SNR and energy per MAC vs B_D/A (.png or .svg)");
  desc.add(cimchar::tool::EvalOptions(length, eval, inputs, chips));
  desc.add(cimchar::tool::MacroOptions(macro));
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
  const net::Workload work = cimchar::tool::WorkloadOf(vm, macro, layer_args, length, chips);
  const mac::Model& model = work.model;
  const mac::MacShape& shape = model.shape;
  const auto& layer = work.layer;
  const mac::Chips& chip_set = work.chips;
  const auto [first, last] = mac::ParseBoundaryRange(boundaries, shape);
  const mac::InputGenerator generator =
      layer ? net::LayerInputs(*layer) : cimchar::tool::Inputs(inputs, shape.activation_bits);
  if (layer && vm["samples"].defaulted()) {
    // every one of the layer's vectors at least once (sample n is vector n mod vectors)
    eval.samples = std::max(eval.samples, layer->vectors);
  }
  if (layer) {
    std::cout << "layer: " << layer->description << "\n";
  }
  const auto points = mac::SweepBoundaries(chip_set, run, first, last, generator, eval);
  std::cout << "macro:\n";
  cimchar::tool::PrintNotes(model.macro);
  std::cout << eval.samples << " vectors, seed " << eval.seed << ", over " << chip_set.Count()
            << " chip instance(s)"
            << "\n";
  mac::PrintSweep(std::cout, shape, points);
  if (mac::MakeReadout(model.macro)->FitsColumns()) {
    std::cout << "  readout " << model.macro.readout
              << ": each column's values are fitted with every error on; a run with static "
                 "errors off (the 'alone' columns) reads a nominal column's values, fitted "
                 "without them\n";
  }
  for (const mac::SweepPoint& p : points) {
    cimchar::tool::NoteWideInterval(
        std::cout, p.budget.front().result,
        std::string(mac::ModeName(p.mode)) + " B=" + std::to_string(p.boundary));
  }
  if (!out_csv.empty()) {
    mac::WriteSweepCsv(out_csv, points);
    std::cout << "wrote " << out_csv << "\n";
  }
  if (!out_plot.empty()) {
    cimchar::report::PlotSnrEnergy(cimchar::report::SnrEnergyFromSweep(points), out_plot);
    std::cout << "wrote " << out_plot << "\n";
  }
  return 0;
}

}  // namespace

CIMCHAR_COMMAND("snr", "SNR and energy per MAC vs B_D/A with the error budget", RunSnr);
