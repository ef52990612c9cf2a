#include "mac/calibration.h"

#include <cmath>
#include <sstream>
#include <string>

#include "core/error.h"

namespace cimchar::mac {

Calibration DefaultCalibration(int adc_bits) {
  if (adc_bits < 1 || adc_bits > 12) {
    throw UsageError("ADC bits = " + std::to_string(adc_bits) +
                     " is outside the allowed range 1..12");
  }
  Calibration cal;
  AnalogCalibration& a = cal.analog;
  a.full_scale_v = 1.0;
  constexpr double kBoltzmannJPerK = 1.380649e-23;
  constexpr double kTempK = 300.0;
  constexpr double kLineCapF = 144 * 2e-15;
  const double ktc_v = std::sqrt(kBoltzmannJPerK * kTempK / kLineCapF);
  const double dynamic_v = std::sqrt(ktc_v * ktc_v + 1e-3 * 1e-3);
  constexpr double kStaticFrac = 0.01;
  a.line = {{0.0, 0.0, kStaticFrac * a.full_scale_v, dynamic_v},
            {1.0, a.full_scale_v, kStaticFrac * a.full_scale_v, dynamic_v}};
  a.adc_bits = adc_bits;
  const std::size_t transitions = (std::size_t{1} << adc_bits) - 1;
  a.adc_transition_offset_lsb.assign(transitions, 0.0);
  a.adc_transition_static_sigma_lsb.assign(transitions, 0.1);
  a.comparator_offset_sigma_v = 2e-3;
  a.comparator_noise_sigma_v = 1e-3;

  EnergyCalibration& e = cal.energy;
  e.e_dmult_row_j = 1.5e-15;
  e.e_adder_tree_j = 0.75e-12;
  e.e_precharge_row_j = 0.5e-15;
  e.e_amult_row_j = 0.8e-15;
  e.e_dac_row_j = 2.0e-15;
  e.e_adc_conversion_j = 0.45e-12;
  e.e_nq_j = 20e-15;
  e.e_ose_eval_j = 50e-15;
  e.e_accumulate_j = 30e-15;
  return cal;
}

namespace {

[[noreturn]] void Fail(const std::string& what) { throw UsageError("calibration: " + what); }

void CheckNonNegative(const char* name, double value) {
  if (!(value >= 0.0) || !std::isfinite(value)) {
    std::ostringstream msg;
    msg << name << " = " << value << " must be finite and >= 0";
    Fail(msg.str());
  }
}

}  // namespace

void ValidateCalibration(const MacShape& shape, const Calibration& calibration) {
  const AnalogCalibration& a = calibration.analog;
  if (a.adc_bits != shape.adc_bits) {
    Fail("the tables describe a " + std::to_string(a.adc_bits) +
         "-bit ADC but the shape asks for " + std::to_string(shape.adc_bits) +
         " bits; use a matching table or --adc-bits " + std::to_string(a.adc_bits));
  }
  if (!(a.full_scale_v > 0.0) || !std::isfinite(a.full_scale_v)) {
    Fail("full_scale_v = " + std::to_string(a.full_scale_v) + " must be > 0");
  }
  if (a.line.size() < 2) {
    Fail("the line transfer needs at least 2 points, got " + std::to_string(a.line.size()));
  }
  if (a.line.front().ideal_frac != 0.0 || a.line.back().ideal_frac != 1.0) {
    Fail("the line transfer must cover ideal_frac 0..1 (got " +
         std::to_string(a.line.front().ideal_frac) + ".." +
         std::to_string(a.line.back().ideal_frac) + ")");
  }
  for (std::size_t p = 0; p < a.line.size(); ++p) {
    const LinePoint& point = a.line[p];
    if (p > 0 && !(point.ideal_frac > a.line[p - 1].ideal_frac)) {
      Fail("line transfer points must have strictly increasing ideal_frac (point " +
           std::to_string(p) + ")");
    }
    if (p > 0 && !(point.mean_v > a.line[p - 1].mean_v)) {
      Fail("the mean line transfer must be strictly increasing to be invertible (point " +
           std::to_string(p) + ")");
    }
    if (!std::isfinite(point.mean_v)) {
      Fail("line transfer mean_v is not finite at point " + std::to_string(p));
    }
    CheckNonNegative("line static_sigma_v", point.static_sigma_v);
    CheckNonNegative("line dynamic_sigma_v", point.dynamic_sigma_v);
  }
  if (!a.dac_bit_gain_error.empty() &&
      a.dac_bit_gain_error.size() != static_cast<std::size_t>(shape.dac_bits)) {
    Fail("dac_bit_gain_error has " + std::to_string(a.dac_bit_gain_error.size()) +
         " entries; expected " + std::to_string(shape.dac_bits) + " (one per DAC bit) or none");
  }
  for (double e : a.dac_bit_gain_error) {
    if (!(e > -1.0) || !std::isfinite(e)) {
      Fail("dac_bit_gain_error entry " + std::to_string(e) + " must be finite and > -1");
    }
  }
  const std::size_t transitions = (std::size_t{1} << a.adc_bits) - 1;
  for (const auto* v : {&a.adc_transition_offset_lsb, &a.adc_transition_static_sigma_lsb}) {
    if (!v->empty() && v->size() != transitions) {
      Fail("ADC transition table has " + std::to_string(v->size()) + " entries; a " +
           std::to_string(a.adc_bits) + "-bit ADC has " + std::to_string(transitions));
    }
  }
  for (double s : a.adc_transition_static_sigma_lsb) {
    CheckNonNegative("adc_transition_static_sigma_lsb", s);
  }
  for (double s : a.adc_transition_offset_lsb) {
    if (!std::isfinite(s)) {
      Fail("adc_transition_offset_lsb holds a non-finite value");
    }
  }
  CheckNonNegative("comparator_offset_sigma_v", a.comparator_offset_sigma_v);
  CheckNonNegative("comparator_noise_sigma_v", a.comparator_noise_sigma_v);
  const EnergyCalibration& e = calibration.energy;
  CheckNonNegative("e_dmult_row_j", e.e_dmult_row_j);
  CheckNonNegative("e_adder_tree_j", e.e_adder_tree_j);
  CheckNonNegative("e_precharge_row_j", e.e_precharge_row_j);
  CheckNonNegative("e_amult_row_j", e.e_amult_row_j);
  CheckNonNegative("e_dac_row_j", e.e_dac_row_j);
  CheckNonNegative("e_adc_conversion_j", e.e_adc_conversion_j);
  CheckNonNegative("e_nq_j", e.e_nq_j);
  CheckNonNegative("e_ose_eval_j", e.e_ose_eval_j);
  CheckNonNegative("e_accumulate_j", e.e_accumulate_j);
}

}  // namespace cimchar::mac
