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
#include "distribute/shard.h"
#include "validate/validate.h"

namespace {

namespace po = boost::program_options;
namespace validate = cimchar::validate;

constexpr const char* kMethod = R"(
Method. The SPICE side is a characterization run of the column recipe (default
characterization/column.ini; its keys can be overridden like `cimchar characterize`'s, e.g.
--samples 20 --vdd 0.6): every die (Monte Carlo sample of the recipe's own seed, never the
tables') runs the whole column in ngspice (HCIMA units holding the weights, one DAC per row,
A_MULT, the line, the SAR ADC) on the vectors of the recipe's sets (column.sets), built from the
tables at the column's operating point:
  sweep    the ideal line at every transition T_k +- column.sweep_offsets LSB and at every bin's
           centre (column.sweep_centres), the W = 1 rows and their DAC codes chosen to land there;
  codes    every row W = 1 at one DAC code, for each of column.codes;
  network  the analog ops of real multi-bit MACs of the layer given with --layer (e.g. from
           `cimchar network export-layer`) at each B_D/A of column.network_boundaries.
The run is stored in OUT/column.h5 through the same pipeline as every table (resumable; reused
when complete and written by the same commit; --shard K/N runs a part of its dies, merged with
`cimchar merge`). --spice FILE compares with a complete column run made elsewhere instead (its
recipe and vectors must be the ones given here; the report names the commit that made it).
The model side is the characterized macro read from --lut at the column's operating point,
converting the same vectors on --chips simulated chip instances, dynamic noise off on both sides
(ngspice 39 has no device noise in transient analysis).
Decided on 95 % bootstrap intervals over instances (dies, chips): PASS when the interval lies
inside the target, MISS when wholly outside, INCONCLUSIVE otherwise (with the dies that would
decide). Per transition k: T_k's mean and sigma over instances from a probit fit of
P(code >= k | ideal line); model - SPICE mean within 0.15 LSB, sigma ratio 0.8-1.25. Pooled over
the vectors inside the window (error = code - ideal code): error mean within 0.15 LSB, sigma ratio
0.9-1.1, and a two-sample chi-square distance with a permutation p-value (diagnostic). Per DAC code
(set codes): SPICE's line - the model's mean line within 0.1 LSB. Per B_D/A (set network): the
MAC-output SNR composed from each side's codes with the exact digital part, within 1 dB.
Exit status 1 when a decision is MISS.
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
      "layer", po::value<std::string>(),
      "layer file whose real operands the network set converts (cimchar network export-layer)")(
      "shard", po::value<std::string>(),
      "K/N: run only this part of the column's dies into OUT/column.shardKofN.h5")(
      "bootstrap", po::value(&o.compare.bootstrap)->default_value(o.compare.bootstrap),
      "resamplings of each side's instances behind the intervals")(
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
  if (vm.count("layer") != 0U) {
    o.layer_file = vm["layer"].as<std::string>();
  }
  if (vm.count("shard") != 0U) {
    o.shard = cimchar::distribute::ParseShard(vm["shard"].as<std::string>());
  }
  if (o.compare.bootstrap < 100) {
    throw cimchar::UsageError("--bootstrap must be >= 100 (got " +
                              std::to_string(o.compare.bootstrap) + ")");
  }
  o.progress = vm.count("no-progress") == 0;
  const cimchar::distribute::Launch launch = cimchar::distribute::LaunchedBy();
  cimchar::distribute::CheckLaunch(launch, cimchar::distribute::BuiltWithMpi());
  const validate::ValidationReport report = validate::RunValidation(o);
  if (!report.root) {
    return 0;  // under mpirun rank 0 compares and reports
  }
  validate::PrintReport(std::cout, report);
  if (!report.compared) {
    return 0;  // a shard: nothing compared
  }
  std::ostringstream text;
  validate::PrintReport(text, report);
  std::ofstream(o.out_dir / "report.txt") << text.str();
  validate::WriteCodesCsv(o.out_dir / "codes.csv", report);
  validate::WriteLinesCsv(o.out_dir / "lines.csv", report);
  std::cout << "wrote " << (o.out_dir / "report.txt").string() << ", "
            << (o.out_dir / "codes.csv").string() << ", " << (o.out_dir / "lines.csv").string()
            << "\n";
  return report.verdict == validate::Verdict::kMiss ? 1 : 0;
}

}  // namespace

CIMCHAR_COMMAND("validate",
                "the table-calibrated model against the SPICE column on held-out dies",
                RunValidate);
