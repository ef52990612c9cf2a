#pragma once

// The options every model command shares, bound onto the library's request structs (defaults
// live there): the characterized macro (tables, operating point, geometry checks), the operands,
// and the evaluation set. The model itself is built by mac::SetUpModel.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.h"
#include "mac/evaluate.h"
#include "mac/readout.h"
#include "mac/setup.h"
#include "mac/thresholds_file.h"
#include "network/workload.h"

namespace cimchar::tool {

// Raw values of the options that are "unset" unless given (geometry checks, analytic window).
struct MacroArgs {
  mac::ModelRequest request;
  int rows = 0, columns = 0, dac_bits = 0, window = 0, adc_bits = 0;
  double adc_lo = 0.0, adc_hi = 0.0;
};

inline boost::program_options::options_description MacroOptions(MacroArgs& a) {
  namespace po = boost::program_options;
  mac::ModelRequest& r = a.request;
  po::options_description d(
      "The macro (characterized tables; none given: the analytic placeholder) and the operands");
  std::string readouts = "column readout:";
  for (const mac::ReadoutInfo& info : mac::Readouts()) {
    readouts += " " + info.name + " (" + info.help + ");";
  }
  std::string names;
  for (const calib::Role& role : calib::Roles()) {
    names += role.name + ".h5 ";
  }
  d.add_options()("lut", po::value(&r.lut_dir),
                  ("results folder holding " + names +
                   "(the names tools/run writes); missing ones are reported as not characterized")
                      .c_str());
  for (const calib::Role& role : calib::Roles()) {
    std::string option = role.name;
    std::replace(option.begin(), option.end(), '_', '-');
    d.add_options()(
        option.c_str(),
        po::value<std::filesystem::path>()->notifier(
            [&r, name = role.name](const std::filesystem::path& p) { r.files.files[name] = p; }),
        (role.help + (role.name == "apath" ? " (overrides the folder's)" : "")).c_str());
  }
  d.add_options()("corner", po::value(&r.macro.point.corner)->default_value(r.macro.point.corner),
                  "process corner")(
      "vdd", po::value(&r.macro.point.vdd_v)->default_value(r.macro.point.vdd_v),
      "supply (V), interpolated; outside the tables' axis is refused")(
      "temp", po::value(&r.macro.point.temp_c)->default_value(r.macro.point.temp_c),
      "temperature (degC), interpolated; outside the tables' axis is refused")(
      "rows", po::value(&a.rows),
      "rows per array; with tables, the tables' (a different value is refused); default 144")(
      "columns", po::value(&a.columns), "columns per array; with tables, the tables'; default 8")(
      "dac-bits", po::value(&a.dac_bits), "DAC bits; with tables, the tables'; default 4")(
      "adc-bits", po::value(&a.adc_bits), "ADC bits; with tables, the tables'; default 3")(
      "window", po::value(&a.window),
      "analog window W in orders (<= DAC bits); default the DAC's bits")(
      "adc-lo", po::value(&a.adc_lo),
      "ADC window low end as a fraction of the line's full scale: analytic placeholder only "
      "(default 0; with tables the converter's own window is used and this is refused)")(
      "adc-hi", po::value(&a.adc_hi),
      "ADC window high end, analytic placeholder only (default 0.5)")(
      "readout", po::value(&r.macro.readout)->default_value(r.macro.readout), readouts.c_str())(
      "abits", po::value(&r.activation_bits)->default_value(r.activation_bits),
      "activation bits (1-8, unsigned)")(
      "wbits", po::value(&r.weight_bits)->default_value(r.weight_bits), "weight bits (1-8)")(
      "signed", po::bool_switch(&r.signed_weights), "two's complement weights");
  return d;
}

// The model request the options make: the bound request with the geometry options given.
// Failures: none.
inline mac::ModelRequest ModelRequestOf(const boost::program_options::variables_map& vm,
                                        const MacroArgs& a) {
  mac::ModelRequest r = a.request;
  calib::Request& m = r.macro;
  const auto given = [&](const char* name) { return vm.count(name) != 0U; };
  if (given("rows")) m.rows = a.rows;
  if (given("columns")) m.columns = a.columns;
  if (given("dac-bits")) m.dac_bits = a.dac_bits;
  if (given("adc-bits")) m.adc_bits = a.adc_bits;
  if (given("window")) m.analog_window = a.window;
  if (given("adc-lo")) m.adc_lo_frac = a.adc_lo;
  if (given("adc-hi")) m.adc_hi_frac = a.adc_hi;
  return r;
}

// The model the options ask for (mac::SetUpModel). Failures: as SetUpModel.
inline mac::Model BuildModel(const boost::program_options::variables_map& vm, const MacroArgs& a) {
  return mac::SetUpModel(ModelRequestOf(vm, a));
}

// How many chip instances a figure is an expectation over, or one chip's value.
struct ChipArgs {
  int chips = 10;
  std::uint64_t chip_seed = 0;
};

// Tells on `out` how to narrow an SNR interval wider than mac::kFigureIntervalDb (`what` names the
// figure). Nothing for one chip (no interval) or an interval within the target. Failures: none.
inline void NoteWideInterval(std::ostream& out, const mac::SnrResult& r, const std::string& what) {
  const double width = r.snr_hi_db - r.snr_lo_db;
  if (r.chips > 1 && std::isfinite(width) && width > mac::kFigureIntervalDb) {
    out << "note: the SNR interval of " << what << " is " << width << " dB wide (over " << r.chips
        << " chips, " << r.samples << " vectors); more --chips (and --samples) narrow it\n";
  }
}

// The chips `args` ask for: with --chip-seed that one chip, else `chips` instances.
inline network::ChipRequest ChipsOf(const boost::program_options::variables_map& vm,
                                    const ChipArgs& args) {
  network::ChipRequest r{.count = args.chips, .seed = std::nullopt};
  if (vm.count("chip-seed") != 0U) {
    r.seed = args.chip_seed;
  }
  return r;
}

// The layer length and the evaluation set, bound onto the library structs.
inline boost::program_options::options_description EvalOptions(int& length,
                                                               mac::EvalOptions& eval,
                                                               std::string& inputs,
                                                               ChipArgs& chips) {
  namespace po = boost::program_options;
  po::options_description d("Operands and evaluation");
  d.add_options()("length", po::value(&length)->default_value(length),
                  "dot-product length (0: one array's rows; longer lengths are tiled over "
                  "arrays)")("inputs", po::value(&inputs)->default_value(inputs),
                             "uniform (random bits) | scaled (feature-map-like, saliency varies "
                             "per vector)")(
      "samples", po::value(&eval.samples)->default_value(eval.samples), "input vectors")(
      "seed", po::value(&eval.seed)->default_value(eval.seed), "inputs and dynamic noise")(
      "chips", po::value(&chips.chips)->default_value(chips.chips),
      "chip instances the SNR is an expectation over (weights and static errors redrawn; the "
      "vectors are spread over them)")(
      "chip-seed", po::value(&chips.chip_seed),
      "report one chip instance's value instead (its weights and static errors)")(
      "threads", po::value(&eval.threads)->default_value(eval.threads),
      "worker threads (results do not depend on it)");
  return d;
}

// --thresholds-file: the candidates, thresholds and N/Q full scale `cimchar thresholds --out`
// saved (mac::ReadThresholdsFile) go into `ose` and `nq_full_scale`. Failures: UsageError when
// --thresholds, --candidates or --nq-full-scale is given too; as mac::ReadThresholdsFile.
inline void ApplyThresholdsFile(const boost::program_options::variables_map& vm,
                                const std::string& path,
                                mac::OseOptions& ose,
                                int& nq_full_scale) {
  for (const char* other : {"thresholds", "candidates", "nq-full-scale"}) {
    if (vm.count(other) != 0U && !vm[other].defaulted()) {
      throw UsageError(
          "--thresholds-file gives the candidates, thresholds and N/Q full scale: "
          "drop --" +
          std::string(other));
    }
  }
  const mac::ThresholdsFile file = mac::ReadThresholdsFile(path);
  ose.candidates = file.candidates;
  ose.thresholds = file.found.thresholds;
  nq_full_scale = file.nq_full_scale;
}

inline mac::InputGenerator Inputs(const std::string& name, int activation_bits) {
  if (name == "uniform") {
    return mac::UniformInputs(activation_bits);
  }
  if (name == "scaled") {
    return mac::ScaledInputs(activation_bits);
  }
  throw UsageError("--inputs '" + name + "': expected uniform or scaled");
}

inline void PrintNotes(const calib::Macro& macro) {
  for (const std::string& n : macro.notes) {
    std::cout << "  # " << n << "\n";
  }
}

// "5,6,7" or "5 6 7" into numbers. Failures: UsageError naming the option and the text.
template <typename T>
std::vector<T> ParseList(const std::string& option, const std::string& text) {
  std::string t = text;
  for (char& ch : t) {
    ch = ch == ',' ? ' ' : ch;
  }
  std::istringstream in(t);
  std::vector<T> out;
  T v{};
  while (in >> v) {
    out.push_back(v);
  }
  if (!in.eof() || out.empty()) {
    throw UsageError("--" + option + " '" + text + "': expected a list of numbers like 5,6,7");
  }
  return out;
}

}  // namespace cimchar::tool
