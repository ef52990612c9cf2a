// cimchar validate: the table-calibrated model against the SPICE column on held-out Monte Carlo
// dies, compared as distributions (src/validate/validate.h).
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/program_options.hpp>

#include "characterize/recipe.h"
#include "cimchar/command.h"
#include "core/error.h"
#include "distribute/comm.h"
#include "validate/validate.h"

namespace {

namespace po = boost::program_options;
namespace validate = cimchar::validate;

constexpr const char* kMethod = R"(
Method. The SPICE side is a characterization run of the column recipe (default
characterization/column.ini; its keys can be overridden like `cimchar characterize`'s, e.g.
--samples 20 --column.batches 7 --vdd 0.6): every die (Monte Carlo sample of the recipe's own
seed, never the tables') runs the whole column in ngspice (HCIMA units holding the weights, one
DAC per row, A_MULT, the line, the SAR ADC) on fixed input vectors (per row W ~ Bernoulli(1/2),
a uniform DAC code: a full analog window of uniform operands). The run is stored in
OUT/column.h5 through the same pipeline as every table (resumable; reused when complete and
written by the same commit). --spice FILE compares with a complete column run made elsewhere
instead (e.g. merged from `cimchar characterize --shard` runs, or by an earlier build: the report
names the commit that made it); its recipe must be the one given here.
The model side is the characterized macro read from --lut at the column's operating point,
converting the same vectors on --chips simulated chip instances, dynamic noise off on both sides
(ngspice 39 has no device noise in transient analysis).
Compared as distributions: error = code - ideal code; pooled error sigma (ratio, target
0.9-1.1), per-instance mean and sigma, SNR with its 95 % bootstrap interval (difference target
within 1 dB), and a two-sample test on the error histograms: their chi-square distance, with a
p-value from exchanging whole instances (dies, chips) between the sides (target p >= 0.01).
Beside the codes, a diagnostic without target: the line voltage SPICE sampled in front of the ADC
against the model's mean line (baseline plus one table step per row with W = 1), per vector over
the dies (OUT/lines.csv), which tells a line that is off from a converter that is.
)";

int RunValidate(const std::vector<std::string>& args) {
  validate::ValidateOptions o;
  o.jobs = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::string lut, recipe, out_dir = o.out_dir.string();
  po::options_description desc("cimchar validate --lut DIR [options] [--KEY=VALUE ...]");
  desc.add_options()("help,h", "show this help and the method")(
      "lut", po::value(&lut), "results folder with the tables the model is calibrated from")(
      "recipe", po::value(&recipe), "column recipe (default characterization/column.ini)")(
      "profile", po::value(&o.profile)->default_value(o.profile), "recipe profile: quick or full")(
      "out", po::value(&out_dir)->default_value(out_dir),
      "folder for column.h5 (the SPICE run), report.txt, codes.csv and lines.csv")(
      "spice", po::value<std::string>(),
      "compare with this complete column run (HDF5) instead of running one")(
      "jobs,j", po::value(&o.jobs)->default_value(o.jobs), "ngspice worker processes")(
      "resume", po::bool_switch(&o.resume), "finish an interrupted SPICE column run")(
      "no-progress", "no progress bar or lines")(
      "chips", po::value(&o.chips)->default_value(o.chips), "model chip instances")(
      "first-chip", po::value(&o.first_chip)->default_value(o.first_chip),
      "chip seed of the first model instance");
  const po::options_description keys = cimchar::characterize::RecipeOptions();
  po::options_description all;
  all.add(desc).add(keys);
  std::vector<std::string> rest(args.begin() + 1, args.end());
  const po::parsed_options parsed =
      po::command_line_parser(rest).options(all).allow_unregistered().run();
  po::variables_map vm;
  po::store(parsed, vm);
  if (vm.count("help") != 0U) {
    std::cout << desc << "\n" << keys << kMethod;
    return 0;
  }
  po::notify(vm);
  for (const auto& [k, v] : vm) {
    if (keys.find_nothrow(k, false) != nullptr) {
      o.overrides[k] = v.as<std::string>();
    }
  }
  for (const auto& opt : parsed.options) {
    if (!opt.unregistered) {
      continue;
    }
    if (opt.string_key.find('.') == std::string::npos || opt.value.size() != 1) {
      throw cimchar::UsageError("unknown option '" + opt.string_key + "'");
    }
    o.overrides[opt.string_key] = opt.value.front();
  }
  o.lut_dir = lut;
  o.recipe = recipe;
  o.out_dir = out_dir;
  if (vm.count("spice") != 0U) {
    o.spice_file = vm["spice"].as<std::string>();
  }
  o.progress = vm.count("no-progress") == 0;
  const cimchar::distribute::Launch launch = cimchar::distribute::LaunchedBy();
  cimchar::distribute::CheckLaunch(launch, cimchar::distribute::BuiltWithMpi());
  const validate::ValidationReport report = validate::RunValidation(o);
  if (!report.root) {
    return 0;  // under mpirun rank 0 compares and reports
  }
  validate::PrintReport(std::cout, report);
  std::ostringstream text;
  validate::PrintReport(text, report);
  std::ofstream(o.out_dir / "report.txt") << text.str();
  validate::WriteCodesCsv(o.out_dir / "codes.csv", report);
  validate::WriteLinesCsv(o.out_dir / "lines.csv", report);
  std::cout << "wrote " << (o.out_dir / "report.txt").string() << ", "
            << (o.out_dir / "codes.csv").string() << ", " << (o.out_dir / "lines.csv").string()
            << "\n";
  return validate::MeetsTargets(report.comparison) ? 0 : 1;
}

}  // namespace

CIMCHAR_COMMAND("validate",
                "the table-calibrated model against the SPICE column on held-out dies",
                RunValidate);
