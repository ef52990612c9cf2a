#pragma once

// SAR ADC operating point shared by the ADC and column benches: the adc recipe's defaults
// (characterization/adc.ini; measure::SarAdcOptions, kSarVrefOfVdd, kSarVcmV).

#include <cmath>

#include "measure/block_netlists.h"

namespace cimchar::circuits_test {

constexpr int kAdcBits = 3;

inline measure::SarAdcOptions AdcOptions(double vdd_v,
                                         measure::SarLogic logic = measure::SarLogic::kTransistor) {
  return {.bits = kAdcBits, .vdd_v = vdd_v, .logic = logic};
}

inline double AdcVref(double vdd_v) { return measure::kSarVrefOfVdd * vdd_v; }

// The converter's LSB: its transitions lie at D * LSB (D = 1 .. 2^bits - 1) up to offsets.
inline double AdcLsb(double vdd_v) {
  return measure::SarAdcOptions{}.range_of_vref * AdcVref(vdd_v) / std::ldexp(1.0, kAdcBits);
}

// The adc recipe's clock period and sampling time (adc.t_clk_low_vdd and t_sample_low_vdd below
// 0.8 V).
inline double AdcClock(double vdd_v) { return vdd_v < 0.8 ? 4e-9 : 1e-9; }
inline double AdcSampleTime(double vdd_v) { return vdd_v < 0.8 ? 2e-9 : 1e-9; }

}  // namespace cimchar::circuits_test
