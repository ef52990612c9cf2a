// cimchar compare: DCIM vs HCIM (fixed B_D/A) vs OSA-HCIM, efficiency, SNR and energy by block.
#include <algorithm>
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
#include "network/layer_data.h"
#include "network/workload.h"

namespace {

namespace po = boost::program_options;
namespace mac = cimchar::mac;
namespace net = cimchar::network;
using cimchar::tool::ParseList;

int RunCompare(const std::vector<std::string>& args) {
  cimchar::tool::MacroArgs macro;
  mac::RunOptions run;
  run.mode = mac::Mode::kOsaHcim;
  mac::EvalOptions eval;
  std::string inputs = "scaled";
  std::string thresholds, thresholds_file, losses, candidates = "5,6,7,8,9,10";
  cimchar::tool::ChipArgs chips{.chips = mac::kFigureChips};
  eval.samples = mac::kFigureSamples;
  int length = 0;
  int hcim_boundary = 8;
  std::int64_t calibration_samples = 2000;
  int nq_full_scale = -1;
  po::options_description desc(
      "cimchar compare [options]\n\n"
      "DCIM (all digital), HCIM (fixed B_D/A) and OSA-HCIM (B_D/A per vector from the saliency\n"
      "evaluator) on the same inputs and chip: SNR, energy per MAC, TOPS/W (1 MAC = 2 OPs,\n"
      "8b-normalized), efficiency gain vs DCIM beside the paper's (1.56x, 1.95x) and the energy\n"
      "by block (paper Fig. 6: ADC 17 %). Without --thresholds or --thresholds-file, T is found\n"
      "by the Fig. 3(b) search on a calibration set (seed + " +
      std::to_string(mac::kCalibrationSeedOffset) +
      ") with the loss limits --losses.\n"
      "With a layer file, its first half of vectors is the calibration set and the second half\n"
      "is compared");
  desc.add_options()("help,h", "show this help")(
      "hcim-boundary", po::value(&hcim_boundary)->default_value(hcim_boundary),
      "B_D/A of the HCIM row")("candidates", po::value(&candidates)->default_value(candidates),
                               "OSA-HCIM candidates B, increasing")(
      "thresholds", po::value(&thresholds), "thresholds T (one fewer than B); default: found")(
      "thresholds-file", po::value(&thresholds_file),
      "B, T and the N/Q full scale from the file cimchar thresholds --out wrote")(
      "losses", po::value(&losses),
      "loss limits L for the threshold search (relative MSE; default 1e-5 x 10^i)")(
      "calibration-samples", po::value(&calibration_samples)->default_value(calibration_samples),
      "input vectors of the threshold calibration set")(
      "ose-orders", po::value(&run.ose.orders)->default_value(run.ose.orders),
      "s: output orders the saliency evaluator computes digitally")(
      "nq-full-scale", po::value(&nq_full_scale)->default_value(nq_full_scale),
      "count the N/Q unit maps to its top level: -1 follows the data (99th percentile of the "
      "calibration set's counts), 0 = rows + 1")("compensate",
                                                 po::bool_switch(&run.compensate_discard),
                                                 "add the expected value of the discarded orders");
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
  if (!thresholds_file.empty()) {
    cimchar::tool::ApplyThresholdsFile(vm, thresholds_file, run.ose, nq_full_scale);
  }
  mac::InputGenerator generator, cal_generator;
  mac::EvalOptions cal_eval = mac::CalibrationEval(eval);
  cal_eval.samples = calibration_samples;
  if (layer) {
    if (layer->vectors < 2) {
      throw cimchar::UsageError(
          "compare --layer needs at least 2 input vectors (a calibration "
          "and a test half)");
    }
    const std::int64_t half = layer->vectors / 2;
    cal_generator = net::LayerInputs(net::SliceVectors(*layer, 0, half));
    generator = net::LayerInputs(net::SliceVectors(*layer, half, layer->vectors - half));
    cal_eval.samples = vm["calibration-samples"].defaulted() ? half : calibration_samples;
    if (vm["samples"].defaulted()) {
      // every compared vector at least once (sample n is vector n mod vectors)
      eval.samples = std::max(eval.samples, layer->vectors - half);
    }
    std::cout << "layer: " << layer->description << " (calibration: the first " << half
              << " vectors; compared: the other " << layer->vectors - half << ")\n";
  } else {
    generator = cimchar::tool::Inputs(inputs, shape.activation_bits);
    cal_generator = generator;
  }
  const mac::MacArray& array = chip_set.front();
  std::cout << "macro:\n";
  cimchar::tool::PrintNotes(model.macro);
  run.ose.nq_full_scale = nq_full_scale >= 0
                              ? nq_full_scale
                              : mac::SaliencyFullScale(array, run, cal_generator, cal_eval);
  std::cout << "N/Q full scale: " << run.ose.nq_full_scale
            << (nq_full_scale >= 0 ? "" : " (99th percentile of the calibration counts)") << "\n";
  if (!thresholds.empty()) {
    run.ose.thresholds = ParseList<std::int64_t>("thresholds", thresholds);
  } else if (thresholds_file.empty()) {
    const std::vector<double> limits = losses.empty()
                                           ? mac::DefaultLossConstraints(run.ose.candidates.size())
                                           : ParseList<double>("losses", losses);
    const mac::ThresholdResult found =
        mac::CalibrateThresholds(array, run, limits, cal_generator, cal_eval);
    run.ose.thresholds = found.thresholds;
    std::cout << "thresholds T found on " << cal_eval.samples << " calibration vectors:";
    for (std::size_t i = 0; i < found.thresholds.size(); ++i) {
      std::cout << " " << found.thresholds[i] << (found.met[i] ? "" : "(L missed)");
    }
    std::cout << "\n";
  }
  const auto rows = mac::CompareModes(chip_set, run, hcim_boundary, generator, eval);
  std::cout << eval.samples << " " << (layer ? "layer" : inputs) << " vectors, seed " << eval.seed
            << ", over " << chip_set.Count() << " chip instance(s)"
            << "\n";
  mac::PrintComparison(std::cout, shape, rows);
  mac::PrintEnergySources(std::cout, model.macro);
  for (const mac::CompareRow& r : rows) {
    cimchar::tool::NoteWideInterval(std::cout, r.result, r.name);
  }
  return 0;
}

}  // namespace

CIMCHAR_COMMAND("compare", "DCIM vs HCIM vs OSA-HCIM: TOPS/W, SNR, energy by block", RunCompare);
