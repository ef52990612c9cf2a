// cimchar thresholds: the saliency thresholds T for candidates B and loss limits L (Fig. 3b).
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cimchar/calibration_options.h"
#include "cimchar/command.h"
#include "cimchar/layer_options.h"
#include "core/error.h"
#include "mac/compare.h"
#include "mac/mac_model.h"
#include "mac/setup.h"
#include "mac/thresholds.h"
#include "mac/thresholds_file.h"
#include "network/workload.h"

namespace {

namespace po = boost::program_options;
namespace mac = cimchar::mac;
namespace net = cimchar::network;
using cimchar::tool::ParseList;

int RunThresholds(const std::vector<std::string>& args) {
  cimchar::tool::MacroArgs macro;
  mac::RunOptions run;
  run.mode = mac::Mode::kOsaHcim;
  mac::EvalOptions eval;
  std::string inputs = "scaled";
  std::string losses, candidates = "5,6,7,8,9,10";
  std::string out = "results/thresholds.txt";
  cimchar::tool::ChipArgs chips;
  int length = 0;
  int nq_full_scale = -1;
  po::options_description desc(
      "cimchar thresholds [options]\n\n"
      "Finds the saliency thresholds T[0..b-2] for candidates B[0..b-1] by the paper's Fig. 3(b)\n"
      "search: T[i] is the largest saliency whose loss stays <= L[i]. The loss is the relative\n"
      "MAC-output MSE (sum e^2 / sum y^2) of the row-tile partial sums on --samples vectors.\n"
      "Prints T with the loss reached at each step and saves them with B and the N/Q full scale\n"
      "(the file compare and plot breakdown read with --thresholds-file)");
  desc.add_options()("help,h", "show this help")(
      "candidates", po::value(&candidates)->default_value(candidates), "candidates B, increasing")(
      "losses", po::value(&losses), "loss limits L, non-decreasing (default 1e-5 x 10^i)")(
      "ose-orders", po::value(&run.ose.orders)->default_value(run.ose.orders),
      "s: output orders the saliency evaluator computes digitally")(
      "nq-full-scale", po::value(&nq_full_scale)->default_value(nq_full_scale),
      "count the N/Q unit maps to its top level: -1 follows the data (99th percentile of the "
      "counts on these vectors), 0 = rows + 1; saved with T")(
      "compensate", po::bool_switch(&run.compensate_discard),
      "add the expected value of the discarded orders")("out", po::value(&out)->default_value(out),
                                                        "where to save T");
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
  run.ose.candidates = ParseList<int>("candidates", candidates);
  const std::vector<double> limits = losses.empty()
                                         ? mac::DefaultLossConstraints(run.ose.candidates.size())
                                         : ParseList<double>("losses", losses);
  const auto generator =
      layer ? net::LayerInputs(*layer) : cimchar::tool::Inputs(inputs, shape.activation_bits);
  if (layer && vm["samples"].defaulted()) {
    eval.samples = layer->vectors * chip_set.Count();
  }
  const mac::MacArray& array = chip_set.front();
  std::cout << "macro:\n";
  cimchar::tool::PrintNotes(model.macro);
  if (layer) {
    std::cout << "layer: " << layer->description << "\n";
  }
  run.ose.nq_full_scale =
      nq_full_scale >= 0 ? nq_full_scale : mac::SaliencyFullScale(array, run, generator, eval);
  const mac::ThresholdResult found = mac::CalibrateThresholds(array, run, limits, generator, eval);
  const mac::ThresholdsFile file{
      .description = "cimchar thresholds: " + std::to_string(eval.samples) + " " +
                     (layer ? "layer" : inputs) + " vectors, seed " + std::to_string(eval.seed) +
                     ", over " + std::to_string(chip_set.Count()) + " chip instance(s)",
      .candidates = run.ose.candidates,
      .loss_limits = limits,
      .nq_full_scale = run.ose.nq_full_scale,
      .found = found};
  std::cout << mac::FormatThresholdsFile(file);
  mac::WriteThresholdsFile(out, file);
  std::cout << "wrote " << out << " (use: cimchar compare --nq-full-scale " << run.ose.nq_full_scale
            << " --thresholds ";
  for (std::size_t i = 0; i < found.thresholds.size(); ++i) {
    std::cout << (i ? "," : "") << found.thresholds[i];
  }
  std::cout << ")\n";
  return 0;
}

}  // namespace

CIMCHAR_COMMAND("thresholds",
                "saliency thresholds T for candidates B and loss limits L",
                RunThresholds);
