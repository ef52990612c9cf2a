// cimchar validate: the behavioral model against the transistor-level column in ngspice, for one
// Monte Carlo chip instance (src/validate/validate.h).
#include <algorithm>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <boost/program_options.hpp>

#include "cimchar/command.h"
#include "netlist/template.h"
#include "validate/validate.h"

namespace {

namespace po = boost::program_options;
namespace validate = cimchar::validate;

constexpr const char* kMethod = R"(
Method. One chip instance (die) = Monte Carlo sample --die of master seed --seed: every
transistor and capacitor gets the Pelgrom deviation drawn for (seed, die, instance name), as
`cimchar characterize` applies them. With these deviations ngspice runs
  - the die's calibration: the line transfer at dedicated patterns (all rows W = 1 at one DAC
    code each) through the column deck, and the transitions of the die's ADC instance in a
    standalone ADC deck (same instance name, staircase input, coarse then fine);
  - N random vectors through the whole column: rows x A_MULT -> charge-sharing line -> 3-bit
    SAR ADC, many conversions per transient, spread over the worker pool. Each row's GBL is an
    ideal source at the DAC level code / 15 x VDD (the DAC is not validated here).
The model is calibrated with the die's transfer and transitions (static sigmas zero: the die is
fixed) and converts the same vectors through its own conversion path. Dynamic noise is off on
both sides: ngspice 39 has no device noise in transient analysis. The ADC is a floor quantizer
on [0, --adc-hi] of the hand-computed line full scale (transition k at k LSB), like the model's;
by default the range follows from VREF = VDD/2, where this converter is characterized.
Inputs: per vector a target fraction f ~ U(0, range top + 1 LSB); per row W ~ Bernoulli(sqrt f)
and code ~ Binomial(15, sqrt f), so the codes span the ADC range.
Error = code - ideal code (the ideal fraction through the ideal ADC). Reported: identical codes
(target >= 95 %) and sigma ratio = sigma(model error) / sigma(SPICE error) (target 0.9-1.1);
when SPICE's error sigma is 0 the ratio is 1 if the model's is 0 too, else infinity.
Runtime: about 3-4 s of one core per 144-row conversion at 1.0 V; --jobs spreads them.
)";

int RunValidate(const std::vector<std::string>& args) {
  validate::ValidateOptions o;
  o.jobs = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::string out_csv;
  std::string lut;
  po::options_description desc("cimchar validate [options]");
  desc.add_options()("help,h", "show this help and the method")(
      "vectors", po::value(&o.vectors)->default_value(o.vectors), "random input vectors")(
      "die", po::value(&o.die)->default_value(o.die),
      "Monte Carlo sample index = the chip instance")(
      "seed", po::value(&o.seed)->default_value(o.seed), "master seed of the mismatch draws")(
      "input-seed", po::value(&o.input_seed)->default_value(o.input_seed),
      "seed of the random input vectors")("vdd", po::value(&o.vdd_v)->default_value(o.vdd_v),
                                          "supply (V), also the DAC full scale")(
      "temp", po::value(&o.temp_c)->default_value(o.temp_c), "temperature (degC)")(
      "corner", po::value(&o.corner)->default_value(o.corner), "process corner")(
      "rows", po::value(&o.rows)->default_value(o.rows), "rows on the line")(
      "adc-hi", po::value(&o.adc_range_hi_frac)->default_value(o.adc_range_hi_frac),
      "ADC range top, fraction of the line full scale; 0: where VREF = VDD/2 (the ADC bench's "
      "operating point) puts it")("mismatch-scale",
                                  po::value(&o.mismatch.scale)->default_value(o.mismatch.scale),
                                  "multiplies every Pelgrom sigma (0: the nominal chip)")(
      "jobs", po::value(&o.jobs)->default_value(o.jobs), "ngspice worker processes")(
      "tstep",
      po::value(&o.column_step_s)
          ->default_value(o.column_step_s, cimchar::netlist::FormatNumber(o.column_step_s)),
      "column transient output step (s)")(
      "tmax", po::value(&o.column_max_step_s)->default_value(o.column_max_step_s),
      "largest internal step of the column transient (s); 0: --tstep")(
      "per-job", po::value(&o.vectors_per_job)->default_value(o.vectors_per_job),
      "conversions per transient")(
      "lut", po::value(&lut),
      "results folder with the characterized tables: also compare the model calibrated from "
      "them for this die (their recipe must match this column: rows, seed, operating point)")(
      "out", po::value(&out_csv),
      "per-vector CSV: vector, ideal fraction, ideal code, SPICE code, model code, SPICE line "
      "voltage");
  po::variables_map vm;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  po::store(po::command_line_parser(rest).options(desc).run(), vm);
  if (vm.count("help") != 0U) {
    std::cout << desc << kMethod;
    return 0;
  }
  po::notify(vm);
  o.lut_dir = lut;
  o.progress = [](const std::string& line) { std::cerr << "[validate] " << line << std::endl; };
  const validate::ValidationReport report = validate::RunValidation(o);
  validate::PrintReport(std::cout, report);
  if (!out_csv.empty()) {
    validate::WriteVectorsCsv(out_csv, report);
    std::cout << "wrote " << out_csv << "\n";
  }
  return 0;
}

}  // namespace

CIMCHAR_COMMAND("validate",
                "the model against the SPICE column for one chip instance",
                RunValidate);
