#pragma once

// SAR ADC operating point shared by the ADC and column benches.

#include <cmath>

namespace cimchar::circuits_test {

constexpr int kAdcBits = 3;
constexpr double kAdcUnitF = 5e-15;
// Estimated parasitic capacitance on the ADC's top plate (comparator gate, sampling-switch
// junctions); the ADC bench reports the gain it implies.
constexpr double kAdcTopParasiticF = 4e-15;

// Share of the top-plate capacitance that the array's bottom plates drive.
inline double AdcGain() {
  const double array = std::ldexp(kAdcUnitF, kAdcBits);
  return array / (array + kAdcTopParasiticF);
}

// Comparator reference that puts the code transitions at (D - 1/2) LSB, LSB = g vref / 2^bits.
inline double AdcVcmp(double vref_v) {
  return (std::ldexp(1.0, kAdcBits) - 1.5) * AdcGain() * vref_v / std::ldexp(1.0, kAdcBits);
}

inline double AdcClock(double vdd_v) { return vdd_v < 0.8 ? 4e-9 : 1e-9; }

}  // namespace cimchar::circuits_test
