#pragma once

#include <vector>

#include "mac/options.h"

namespace cimchar::mac {

// One point of the analog path transfer (A_MULT rows -> charge-sharing line), as characterized
// per DAC code and active-row count and collapsed onto the ideal line voltage.
struct LinePoint {
  double ideal_frac = 0.0;       // ideal line voltage / full scale: mean of the row values
  double mean_v = 0.0;           // mean settled line voltage over Monte Carlo samples
  double static_sigma_v = 0.0;   // spread across samples (fixed pattern: one value per die)
  double dynamic_sigma_v = 0.0;  // per-conversion spread (kT/C and the like)
};

// Analog path and converter behaviour. Volts are at the column line / ADC input.
struct AnalogCalibration {
  double full_scale_v = 1.0;  // ideal line voltage with all rows selected at the top DAC code
  // Transfer, sorted by ideal_frac, covering [0, 1], at least two points. Between points the
  // model interpolates linearly. The static error of a column is z_col * static_sigma_v(x) with
  // one standard normal z_col per physical column and chip (fully correlated along x).
  std::vector<LinePoint> line = {{0.0, 0.0, 0.0, 0.0}, {1.0, 1.0, 0.0, 0.0}};
  // Mean relative error of each DAC bit weight (bit b weighs 2^b (1 + e_b)); size == dac_bits.
  // Empty means an ideal DAC.
  std::vector<double> dac_bit_gain_error = {};
  int adc_bits = 3;  // resolution the ADC rows below were characterized at
  // Mean deviation of transition t (1..2^b-1) from its ideal place, in LSB; size 2^b-1 or empty.
  std::vector<double> adc_transition_offset_lsb = {};
  // Static spread of each transition (capacitor mismatch), in LSB; size 2^b-1 or empty (zero).
  std::vector<double> adc_transition_static_sigma_lsb = {};
  double comparator_offset_sigma_v = 0.0;  // static, per column and chip
  double comparator_noise_sigma_v = 0.0;   // dynamic, per conversion, input-referred
};

// Energy per action (joules), at the operating point the tables were interpolated at.
struct EnergyCalibration {
  double e_dmult_row_j = 0.0;       // one D_MULT (NOR) + DWL share, per row and digital cycle
  double e_adder_tree_j = 0.0;      // the digital adder tree of one column, per cycle
  double e_precharge_row_j = 0.0;   // LBL/LBLB precharge of one row, per cycle (both paths)
  double e_amult_row_j = 0.0;       // A_MULT + charge sharing, per row and analog op
  double e_dac_row_j = 0.0;         // one row's DAC, per analog cycle (shared by the columns)
  double e_adc_conversion_j = 0.0;  // one ADC conversion
  double e_nq_j = 0.0;              // the N/Q unit of one column, per saliency cycle
  double e_ose_eval_j = 0.0;        // one saliency decision (sum + compare), per array tile
  double e_accumulate_j = 0.0;      // one shift-and-add into a column accumulator
};

struct Calibration {
  AnalogCalibration analog;
  EnergyCalibration energy;
};

// The documented analytic default used by tests and by `--calibration default` until the
// characterization tables exist:
//  - line: ideal charge sharing (mean_v = ideal_frac * 1.0 V) with a 1 % static sigma of full
//    scale per column and a dynamic sigma from kT/C of a 144 x 2 fF line (~0.14 mV) plus 1 mV
//    of kickback/settling noise, added in quadrature;
//  - DAC ideal; ADC transitions ideal, 0.1 LSB static sigma each, comparator offset 2 mV static
//    and 1 mV dynamic (StrongARM figures in 65 nm are of that order);
//  - energies are 65 nm, 1.0 V estimates (fJ-level gates, a 0.45 pJ 3-bit SAR conversion) chosen
//    so that DCIM lands near the 3 TOPS/W the paper implies (5.79 / 1.95); they are placeholders
//    for the tables and are printed as such.
// Failures: UsageError if adc_bits is outside 1..12. Thread-safety: pure.
Calibration DefaultCalibration(int adc_bits = 3);

// Checks `calibration` against `shape`: ADC bits equal, vector sizes, sorted transfer covering
// [0, 1], non-negative sigmas and energies. Failures: UsageError naming the field, the value and
// what was expected. Thread-safety: pure.
void ValidateCalibration(const MacShape& shape, const Calibration& calibration);

}  // namespace cimchar::mac
