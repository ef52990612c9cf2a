#pragma once

// The calibration and operating-point options shared by snr, compare, thresholds and validate,
// bound onto mac::CalibrationChoice (defaults live there).
#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.h"
#include "mac/evaluate.h"
#include "mac/lut_calibration.h"

namespace cimchar::tool {

inline boost::program_options::options_description CalibrationOptions(mac::CalibrationChoice& c) {
  namespace po = boost::program_options;
  po::options_description d("Calibration (characterized tables; none given: analytic default)");
  d.add_options()("lut", po::value(&c.lut_dir),
                  "results folder holding apath.h5 adc.h5 digital.h5 dac.h5 (the names "
                  "`cimchar characterize` writes); missing ones are reported as not characterized")(
      "apath", po::value(&c.files.apath), "analog path table (overrides the folder's)")(
      "adc", po::value(&c.files.adc), "ADC table")("digital", po::value(&c.files.digital),
                                                   "digital (D_MULT, full adder) table")(
      "dac", po::value(&c.files.dac), "DAC and precharge table")(
      "corner", po::value(&c.point.corner)->default_value(c.point.corner), "process corner")(
      "vdd", po::value(&c.point.vdd_v)->default_value(c.point.vdd_v),
      "supply (V), interpolated; outside the table's axis is refused")(
      "temp", po::value(&c.point.temp_c)->default_value(c.point.temp_c),
      "temperature (degC), interpolated; outside the table's axis is refused");
  return d;
}

// The macro shape, the layer length and the evaluation set, bound onto the library structs.
inline boost::program_options::options_description ModelOptions(mac::MacShape& shape,
                                                                int& length,
                                                                mac::EvalOptions& eval,
                                                                std::string& inputs,
                                                                std::uint64_t& chip_seed) {
  namespace po = boost::program_options;
  po::options_description d("Macro, operands and evaluation");
  d.add_options()("abits", po::value(&shape.activation_bits)->default_value(shape.activation_bits),
                  "activation bits (1-8, unsigned)")(
      "wbits", po::value(&shape.weight_bits)->default_value(shape.weight_bits),
      "weight bits (1-8)")("signed", po::bool_switch(&shape.signed_weights),
                           "two's complement weights")(
      "rows", po::value(&shape.rows)->default_value(shape.rows), "rows per array")(
      "columns", po::value(&shape.columns)->default_value(shape.columns), "columns per array")(
      "length", po::value(&length)->default_value(length),
      "dot-product length (tiled over arrays when longer than --rows)")(
      "adc-bits", po::value(&shape.adc_bits)->default_value(shape.adc_bits), "ADC resolution")(
      "inputs", po::value(&inputs)->default_value(inputs),
      "uniform (random bits) | scaled (feature-map-like, saliency varies per vector)")(
      "samples", po::value(&eval.samples)->default_value(eval.samples), "input vectors")(
      "seed", po::value(&eval.seed)->default_value(eval.seed), "inputs and dynamic noise")(
      "chip-seed", po::value(&chip_seed)->default_value(chip_seed),
      "simulated chip instance (static errors) and weights")(
      "threads", po::value(&eval.threads)->default_value(eval.threads),
      "worker threads (results do not depend on it)");
  return d;
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

inline void PrintNotes(const mac::LutCalibration& cal) {
  for (const std::string& n : cal.notes) {
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
