// cimchar network KIND: a quantized CNN through the behavioral macro (study: paper Fig. 7/8
// analogues; export-layer: one layer's real operands as a layer file for snr/compare/thresholds;
// check: the file's predictions reproduced by the integer reference and DCIM).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cimchar/calibration_options.h"
#include "cimchar/command.h"
#include "core/error.h"
#include "core/paths.h"
#include "mac/readout.h"
#include "mac/setup.h"
#include "mac/sweep.h"
#include "network/image_set.h"
#include "network/inference.h"
#include "network/layer_data.h"
#include "network/quantized_network.h"
#include "network/study.h"
#include "network/study_plots.h"
#include "report/atomic_file.h"

namespace {

namespace po = boost::program_options;
namespace mac = cimchar::mac;
namespace calib = cimchar::calib;
namespace net = cimchar::network;
using cimchar::UsageError;
using cimchar::tool::ParseList;

std::string DefaultNetwork() {
  return (cimchar::core::ProjectHome() / "tools/networks/fashion_mnist/network.h5").string();
}

// Options every kind shares: the network, the data set and the thread count.
struct Common {
  std::string network = DefaultNetwork();
  std::string data = net::kFashionMnistDir;
  int threads = 1;
};

void AddCommon(po::options_description& d, Common& c) {
  d.add_options()("net", po::value(&c.network)->default_value(c.network),
                  "quantized network file (format cimchar-qnet-1 or -2, tools/networks/README.md)")(
      "data", po::value(&c.data)->default_value(c.data),
      "Fashion-MNIST folder (Debian package dataset-fashion-mnist)")(
      "threads", po::value(&c.threads)->default_value(c.threads),
      "worker threads (results do not depend on it)");
}

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
  return true;
}

net::ImageSet CalibrationSplit(const Common& c, const net::QuantizedNetwork& q) {
  return net::ReadFashionMnist(c.data, "train", q.calibration_first, q.calibration_count);
}

int Study(const std::vector<std::string>& args) {
  Common common;
  cimchar::tool::MacroArgs macro;
  net::StudyOptions options;
  std::string boundaries = "5-10", candidates = "5,6,7,8,9,10", levels = "5.5,6.5,7.5,8.5,9.5";
  std::string saliency = mac::SaliencyKindName(options.saliency);
  std::string loss = net::OsaLossName(options.loss);
  bool no_oracle = false;
  std::string out_dir = "results/network";
  std::int64_t test_images = -1;
  std::int64_t map_image = 0;
  std::uint64_t chip_seed = 1;
  int chips = 5;
  net::ReadoutFit readout_fit;
  po::options_description desc(
      "cimchar network study [options]\n\n"
      "The paper's Fig. 8 on a real network: test accuracy against energy efficiency for DCIM,\n"
      "HCIM at every B_D/A and OSA-HCIM at several loss limits, every conv/linear layer tiled\n"
      "over the behavioral macro (calibrated from the characterized tables with --lut). OSA\n"
      "thresholds are found per layer on the network's calibration split (training images the\n"
      "network was not trained on) and evaluated on the test set, against --loss: mse (each\n"
      "layer's MAC-output MSE on exact activations) or task (the network's cross-entropy, each\n"
      "layer on the activations the earlier layers' thresholds produce). Per layer the N/Q full\n"
      "scale follows the data, and the loss limit of an OSA point at level x (B_k <= x <=\n"
      "B_(k+1)) is the layer's loss between the all-B_k and the all-B_(k+1) losses. The report\n"
      "ranks every saliency definition against the per-pass cost and gives each OSA point's\n"
      "oracle bound (its B_D/A mix with the passes ranked by their actual cost). Every point runs "
      "on\n"
      "--chips simulated chip instances (chip seeds --chip-seed, +1, ...; the thresholds are\n"
      "found on the first): accuracy is their mean with its 95 % interval. Writes to --out:\n"
      "study.txt (the report), study.csv, accuracy_vs_tops.png (Fig. 8), bda_map_layer0.png\n"
      "(Fig. 7a: B_D/A per pixel of the first layer for one test image) and\n"
      "bda_use_per_layer.png (Fig. 7b). With --readout ternary|binary each chip's per-column\n"
      "scale factors are fitted on the calibration split (--readout-vectors per layer, every\n"
      "analog op at each HCIM B_D/A and OSA candidate)");
  desc.add_options()("help,h", "show this help")("out", po::value(&out_dir)->default_value(out_dir),
                                                 "output folder")(
      "test-images", po::value(&test_images)->default_value(test_images),
      "test images to classify (-1: all 10000)")(
      "boundaries", po::value(&boundaries)->default_value(boundaries), "HCIM B_D/A range B1-B2")(
      "candidates", po::value(&candidates)->default_value(candidates), "OSA candidates B")(
      "levels", po::value(&levels)->default_value(levels),
      "OSA points in B_D/A units: the loss limit of level x between candidates B_k and B_(k+1) "
      "is l_k^(1-f) l_(k+1)^f, f = (x - B_k)/(B_(k+1) - B_k), l_m the all-B_m loss")(
      "ose-orders", po::value(&options.ose_orders)->default_value(options.ose_orders),
      "s: output orders the saliency evaluator computes digitally")(
      "saliency", po::value(&saliency)->default_value(saliency),
      "how the sign plane's 1-bit MACs enter S: unsigned, signed or magnitude")(
      "loss", po::value(&loss)->default_value(loss),
      "OSA threshold loss: mse (each layer's MAC-output MSE on exact activations), task (the "
      "network's cross-entropy, each layer behind the earlier layers' thresholds) or task-errors "
      "(its error rate)")(
      "calibration-images",
      po::value(&options.calibration_images)->default_value(options.calibration_images),
      "task loss: calibration images used (the first of the calibration split)")(
      "limit-spread", po::value(&options.limit_spread)->default_value(options.limit_spread),
      "B_D/A units: search step i (B_i vs B_(i+1)) stops at the loss at level min(x, max(x - "
      "spread, (B_i + B_(i+1))/2)), so a point uses the candidates from about x - spread up "
      "(0: every limit the level's, two candidates per point)")(
      "rank-passes", po::value(&options.rank_passes)->default_value(options.rank_passes),
      "calibration passes per layer sampled for the 'does S predict the loss' table")(
      "no-oracle", po::bool_switch(&no_oracle),
      "skip the oracle bound (each OSA point's mix with the passes ranked by their actual cost)")(
      "calibration-vectors",
      po::value(&options.calibration_vectors)->default_value(options.calibration_vectors),
      "input vectors per layer drawn from the calibration split")(
      "readout-vectors", po::value(&readout_fit.vectors)->default_value(readout_fit.vectors),
      "readouts fitted per column (ternary, binary): calibration input vectors per layer the "
      "scale factors are fitted on (0: keep the fit on uniform random operands)")(
      "nq-percentile", po::value(&options.nq_percentile)->default_value(options.nq_percentile),
      "percentile of the calibration 1-bit MAC counts that sets the N/Q full scale")(
      "compensate", po::bool_switch(&options.compensate),
      "add the expected value of the discarded orders")(
      "seed", po::value(&options.inference.seed)->default_value(options.inference.seed),
      "per-conversion noise of the test run")(
      "chips", po::value(&chips)->default_value(chips),
      "simulated chip instances every point runs on (each its own static errors)")(
      "chip-seed", po::value(&chip_seed)->default_value(chip_seed),
      "the first chip instance's seed (static errors)")(
      "map-image", po::value(&map_image)->default_value(map_image),
      "test image drawn in the B_D/A map");
  AddCommon(desc, common);
  desc.add(cimchar::tool::MacroOptions(macro));
  po::variables_map vm;
  if (!Parse(args, desc, vm)) {
    return 0;
  }
  options.inference.threads = common.threads;
  options.inference.progress = true;
  options.calibration_seed = options.inference.seed;
  options.hcim_boundaries = mac::ParseBoundaryRange(boundaries, mac::MacShape{});
  options.candidates = ParseList<int>("candidates", candidates);
  options.levels = ParseList<double>("levels", levels);
  options.saliency = mac::ParseSaliencyKind(saliency);
  options.oracle = !no_oracle;
  options.loss = net::ParseOsaLoss(loss);

  const net::QuantizedNetwork q = net::ReadNetwork(common.network);
  const mac::Model cal = cimchar::tool::BuildModel(vm, macro);
  const calib::OperatingPoint& point = macro.request.macro.point;
  const net::ImageSet test = net::ReadFashionMnist(common.data, "test", 0, test_images);
  const net::ImageSet cal_set = CalibrationSplit(common, q);
  std::cout << "calibration:\n";
  cimchar::tool::PrintNotes(cal.macro);
  readout_fit.images = &cal_set;
  readout_fit.seed = options.calibration_seed;
  readout_fit.threads = common.threads;
  for (int b = options.hcim_boundaries.first; b <= options.hcim_boundaries.second; ++b) {
    readout_fit.boundaries.push_back(b);
  }
  for (int b : options.candidates) {
    if (std::find(readout_fit.boundaries.begin(), readout_fit.boundaries.end(), b) ==
        readout_fit.boundaries.end()) {
      readout_fit.boundaries.push_back(b);
    }
  }
  const bool fits = mac::MakeReadout(cal.macro)->FitsColumns();
  const std::vector<net::MacNetwork> chip_set =
      net::ChipNetworks(q, cal.shape, cal.macro, chip_seed, chips, readout_fit);
  const net::MacNetwork& macros = chip_set.front();
  const net::Study study = net::RunStudy(chip_set, cal_set, test, options);

  std::filesystem::create_directories(out_dir);
  std::ostringstream report;
  report << "cimchar network study: " << test.Count() << " test images, seed "
         << options.inference.seed << ", " << chips << " chip instance(s) from chip seed "
         << chip_seed << ", operating point " << point.corner << " " << point.vdd_v << " V "
         << point.temp_c << " degC\n";
  for (const std::string& n : cal.macro.notes) {
    report << "  # " << n << "\n";
  }
  if (fits && readout_fit.vectors == 0) {
    report << "readout " << cal.macro.readout
           << ": per-column scale factors fitted on uniform random operands\n";
  } else if (fits) {
    report << "readout " << cal.macro.readout << ": each chip's per-column scale factors fitted on "
           << readout_fit.vectors << " calibration input vectors per layer (" << cal_set.source
           << "), every analog op at B_D/A";
    for (std::size_t k = 0; k < readout_fit.boundaries.size(); ++k) {
      report << (k == 0 ? " " : ", ") << readout_fit.boundaries[k];
    }
    report << "\n";
  }
  report << q.provenance << "\n";
  net::PrintStudy(report, study);
  std::cout << report.str();
  const std::filesystem::path dir(out_dir);
  cimchar::report::WriteFilesAtomically({{dir / "study.txt", report.str()}});
  net::WriteStudyCsv(dir / "study.csv", study);
  net::PlotAccuracyVsEfficiency(study, dir / "accuracy_vs_tops.png");
  // Fig. 7: the first layer of one test image, and the use per layer, at the OSA operating point.
  const net::StudyPoint* osa = net::OperatingOsaPoint(study);
  if (osa != nullptr) {
    const net::QuantLayer& first = q.layers.front();
    const std::vector<int> map = net::BoundaryMap(macros, osa->config, test.Image(map_image),
                                                  map_image, 0, options.inference);
    net::PlotLayerBoundaryMap(
        test, map_image, map, first.OutWidth(), first.OutHeight(), macros.Array(0).ColumnTiles(), 0,
        "Layer 0 B_D/A per output pixel, test image " + std::to_string(map_image) + " (" +
            osa->name + ", channels 0-" + std::to_string(cal.shape.columns - 1) + ")",
        dir / "bda_map_layer0.png");
    net::PlotBoundaryUsage(*osa, dir / "bda_use_per_layer.png");
  }
  std::cout << "wrote " << (dir / "study.txt").string() << ", study.csv, accuracy_vs_tops.png"
            << (osa != nullptr ? ", bda_map_layer0.png, bda_use_per_layer.png" : "") << "\n";
  return 0;
}

int ExportLayer(const std::vector<std::string>& args) {
  Common common;
  std::size_t layer = 1;
  std::int64_t vectors = 2000;
  std::string out;
  std::uint64_t seed = 1;
  po::options_description desc(
      "cimchar network export-layer --layer L --out FILE.h5|PREFIX [options]\n\n"
      "Writes one layer of the network with real operands: its exact input vectors (im2col\n"
      "patches) on the calibration split and its weights, as one HDF5 layer file (FILE.h5) or two\n"
      ".npy files (PREFIX_activations.npy, PREFIX_weights.npy) — the files cimchar snr, compare\n"
      "and thresholds read with --layer / --activations and --weights");
  desc.add_options()("help,h", "show this help")("layer", po::value(&layer)->default_value(layer),
                                                 "layer index (0 = first)")(
      "vectors", po::value(&vectors)->default_value(vectors), "input vectors, drawn at random")(
      "seed", po::value(&seed)->default_value(seed), "which vectors are drawn")(
      "out", po::value(&out), "FILE.h5, or a prefix for two .npy files");
  AddCommon(desc, common);
  po::variables_map vm;
  if (!Parse(args, desc, vm)) {
    return 0;
  }
  if (out.empty()) {
    throw UsageError("--out FILE.h5 or --out PREFIX is required");
  }
  const net::QuantizedNetwork q = net::ReadNetwork(common.network);
  if (layer >= q.layers.size()) {
    throw UsageError("--layer " + std::to_string(layer) + ": the network has layers 0.." +
                     std::to_string(q.layers.size() - 1));
  }
  const net::ImageSet cal_set = CalibrationSplit(common, q);
  auto inputs = net::ReferenceLayerInputs(q, cal_set, vectors, seed, common.threads);
  const net::QuantLayer& l = q.layers[layer];
  net::LayerData data;
  data.length = l.Length();
  data.outputs = l.outputs;
  data.vectors = static_cast<std::int64_t>(inputs[layer].size()) / l.Length();
  data.inputs = std::make_shared<const std::vector<std::int32_t>>(std::move(inputs[layer]));
  data.weights = l.weights;
  data.activation_bits = l.activation_bits;
  data.weight_bits = l.weight_bits;
  data.signed_weights = l.signed_weights;
  data.description = q.name + " " + l.name + ": " + std::to_string(data.vectors) +
                     " exact input vectors from " + cal_set.source;
  const std::filesystem::path path(out);
  if (path.extension() == ".h5") {
    net::WriteLayerHdf5(path, data);
    std::cout << "wrote " << out << " (" << data.description << ")\n";
  } else {
    net::WriteLayerNpy(path, data);
    std::cout << "wrote " << out << "_activations.npy and " << out << "_weights.npy ("
              << data.description << ")\n";
  }
  return 0;
}

int Check(const std::vector<std::string>& args) {
  Common common;
  cimchar::tool::MacroArgs macro;
  std::int64_t test_images = -1;
  po::options_description desc(
      "cimchar network check [options]\n\n"
      "Checks that a network file runs exactly: its integer reference (computed here) and DCIM on\n"
      "the behavioral macro (every layer tiled over the macro, all orders digital) must both give\n"
      "the predictions the file stores, image for image. Prints the accuracies, the mismatches\n"
      "and the time of each pass over the test images. Exit status 1 on any mismatch");
  desc.add_options()("help,h", "show this help")(
      "test-images", po::value(&test_images)->default_value(test_images),
      "first test images to check (-1: all 10000)");
  AddCommon(desc, common);
  desc.add(cimchar::tool::MacroOptions(macro));
  po::variables_map vm;
  if (!Parse(args, desc, vm)) {
    return 0;
  }
  const net::QuantizedNetwork q = net::ReadNetwork(common.network);
  const net::ImageSet test = net::ReadFashionMnist(common.data, "test", 0, test_images);
  if (static_cast<std::size_t>(test.Count()) > q.reference_predictions.size()) {
    throw UsageError(q.path + " stores " + std::to_string(q.reference_predictions.size()) +
                     " reference predictions; cannot check " + std::to_string(test.Count()) +
                     " test images");
  }
  const mac::Model cal = cimchar::tool::BuildModel(vm, macro);
  std::cout << q.path << " (" << q.name << "): " << q.layers.size() << " layers, "
            << q.MacsPerImage() << " MACs per image, " << test.Count() << " test images, "
            << common.threads << " thread(s)\n";
  // Compares a pass's predictions with the file's; prints one line with the wall time and the
  // process's CPU time (all threads) since (t0, c0); returns the mismatches.
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  std::clock_t c0 = std::clock();
  auto report = [&](const std::string& what, const std::vector<std::uint8_t>& pred) {
    const double wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu_s = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    std::int64_t correct = 0;
    std::int64_t differ = 0;
    std::int64_t first = -1;
    for (std::int64_t n = 0; n < test.Count(); ++n) {
      const auto i = static_cast<std::size_t>(n);
      correct += pred[i] == test.labels[i];
      if (pred[i] != q.reference_predictions[i]) {
        first = differ++ == 0 ? n : first;
      }
    }
    const std::string verdict = differ == 0
                                    ? "every prediction as the file"
                                    : std::to_string(differ) +
                                          " predictions differ from the file, first at test "
                                          "image " +
                                          std::to_string(first);
    std::printf("  %-24s %6lld/%lld correct; %s; %.1f s wall, %.1f s CPU\n", what.c_str(),
                static_cast<long long>(correct), static_cast<long long>(test.Count()),
                verdict.c_str(), wall_s, cpu_s);
    std::fflush(stdout);
    return differ;
  };
  std::int64_t differ =
      report("integer reference", net::ReferencePredictions(q, test, common.threads));
  const net::MacNetwork macros(q, cal.shape, cal.macro, 1);
  mac::RunOptions dcim;
  dcim.mode = mac::Mode::kDcim;
  t0 = Clock::now();
  c0 = std::clock();
  const net::InferenceResult r =
      net::RunNetwork(macros, net::UniformConfig("DCIM", dcim, q.layers.size()), test,
                      {.threads = common.threads, .progress = true});
  differ += report("DCIM on the macro model", r.predictions);
  return differ == 0 ? 0 : 1;
}

int RunNetworkCommand(const std::vector<std::string>& args) {
  static const std::map<std::string, int (*)(const std::vector<std::string>&)> kKinds = {
      {"study", Study}, {"export-layer", ExportLayer}, {"check", Check}};
  if (args.size() < 2 || args[1] == "--help" || args[1] == "-h") {
    std::cout << "cimchar network KIND [options]   (KIND --help for more)\n"
                 "  study         accuracy vs TOPS/W of DCIM, HCIM and OSA-HCIM on the test set\n"
                 "                (paper Fig. 8), B_D/A map and use per layer (Fig. 7)\n"
                 "  export-layer  one layer's real input vectors and weights as a layer file\n"
                 "  check         the integer reference and DCIM on the macro reproduce the\n"
                 "                file's predictions (and how long a pass takes)\n";
    return args.size() < 2 ? 2 : 0;
  }
  const auto it = kKinds.find(args[1]);
  if (it == kKinds.end()) {
    throw UsageError("unknown network kind '" + args[1] + "'; kinds: study, export-layer, check");
  }
  return it->second(args);
}

}  // namespace

CIMCHAR_COMMAND("network",
                "a quantized CNN on the macro model: accuracy vs TOPS/W (Fig. 8), B_D/A maps",
                RunNetworkCommand);
