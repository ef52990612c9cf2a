#pragma once

// The characterized macro: one value holding what the characterization tables say about the
// macro at one operating point — its geometry, the analog chain's transfer, the ADC, the energy of
// every action and where each figure came from. src/calib/read.h is the only code that fills it
// from the HDF5 tables; the MAC model, the exporters, the plots and the validation are views of
// it, so they never disagree. SI units throughout.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace cimchar::calib {

// Where the macro is evaluated. The one operating-point type of the project.
struct OperatingPoint {
  std::string corner = "tt";  // global corner (a section of the PDK library)
  double vdd_v = 1.0;         // supply, volts
  double temp_c = 27.0;       // temperature, degrees Celsius

  // "tt, 0.6 V, 27 degC". Failures: none.
  std::string Describe() const;
};

// The macro's geometry: one home for each parameter, one allowed range each (ValidateGeometry).
// With tables, every field comes from them (the circuit they were measured on).
struct Geometry {
  int rows = 144;         // rows charge-shared on one column line = dot-product length per array
  int columns = 8;        // columns (hybrid MAC units) sharing one input vector
  int dac_bits = 4;       // activation DAC resolution
  int analog_window = 4;  // orders B_D/A - W .. B_D/A - 1 computed in analog; <= dac_bits
  int adc_bits = 3;       // column SAR ADC resolution

  bool operator==(const Geometry&) const = default;
};

// Allowed ranges: rows 1..4096, columns 1..1024, dac_bits 1..4, analog_window 1..dac_bits,
// adc_bits 1..8. Failures: UsageError naming the field, its value and the range.
void ValidateGeometry(const Geometry& geometry);

// The analog chain of one column in front of its ADC (cells read onto LBL, one DAC per row on
// GBL, A_MULT sampling, charge sharing), as a superposition over rows: the line voltage of an op
// is baseline_v plus, for every row with W = 1, the step h(code) its DAC code adds:
//   h(c) = (code_v(c) - baseline_v) / rows, linear in c between the measured codes.
struct LineTransfer {
  std::vector<int> codes;                    // measured DAC codes, increasing, 0 .. 2^d - 1
  std::vector<double> code_v;                // mean line voltage, every row W = 1 at the code
  std::vector<double> code_static_sigma_v;   // its spread across dies (fixed pattern)
  std::vector<double> code_dynamic_sigma_v;  // its spread per conversion (thermal)
  double baseline_v = 0.0;                   // every row W = 0
  // Largest |mean| + 3 sigma of the superposition checks (measured - predicted), volts; < 0
  // when not characterized.
  double superposition_error_v = -1.0;

  // h(code) as above. Failures: UsageError for a code outside 0 .. codes.back().
  double StepV(int code, int rows) const;
  // The line voltage of `count` rows at `code` (the rest W = 0). Failures: as StepV.
  double UniformV(int code, int count, int rows) const;
};

// The column SAR ADC: transition k (1 .. 2^b - 1) is where the code changes from k-1 to k.
struct AdcTransfer {
  std::vector<double> transition_v;                // mean over dies, volts
  std::vector<double> transition_static_sigma_v;   // across dies, including the comparator offset
  std::vector<double> transition_dynamic_sigma_v;  // per conversion
  double comparator_offset_sigma_v = 0.0;          // static: moves every transition together
  double comparator_noise_sigma_v = 0.0;           // dynamic: per decision, input-referred
  // Largest shift of a transition caused by the previous conversion's code (kickback and the
  // comparator's memory), LSB, mean over dies; < 0 when not characterized. The model leaves the
  // history out (calib notes say whether it is below schema::kAdcHistoryNegligibleLsb).
  double history_shift_lsb = -1.0;

  int Bits() const;
  // The converter's input-referred noise per conversion: the RMS over the transitions of their
  // dynamic sigma (each holds the comparator's noise and the sampling's kT/C; the comparator's
  // noise where a transition has none, as in tables without it). Failures: none.
  double ConversionNoiseSigmaV() const;
  // End-point window: LSB = (T_last - T_1) / (2^b - 2), low = T_1 - LSB, high = T_last + LSB
  // (for 1 bit the analytic window the macro was built with). Failures: none.
  double LsbV() const;
  double LowV() const;
  double HighV() const;
  double window_lsb_v = 0.0;  // used by LsbV for a 1-bit converter only
};

// The ADC-less comparator readout of a column (characterization/comparator.ini): one comparator
// (binary) or two at a reference level -/+ a threshold (ternary), each with its own offset.
struct ComparatorReadout {
  std::vector<double> threshold_v;               // mean decision levels on the line, increasing
  std::vector<double> threshold_static_sigma_v;  // across dies: each comparator's own offset
  double noise_sigma_v = 0.0;                    // per decision, input-referred
  double energy_decision_j = 0.0;                // one decision of one comparator
  double reference_energy_j = 0.0;               // the reference ladder per column conversion
  double kickback_v = -1.0;  // largest shift of the floating line per conversion; < 0: unknown
};

// Energy of one action, at the operating point. `how` says where it comes from: "measured: ..."
// naming the quantity and the file, or "composed: ..." naming the rule.
struct ActionEnergy {
  double energy_j = 0.0;
  std::string how;
};

// The energies the model prices its action counts with.
struct Energies {
  // One analog op of one column (cells read, the LBL precharge restoring what the read
  // discharged, A_MULT sampling, sharing, line reset and the column's control lines; the
  // row-shared PCHB and AWL lines are precharge_row_cycle and wordline_awl): op_baseline_j
  // with every row W = 0, op_code_j[i] with every row W = 1 at line.codes[i]; a mixed op is
  // baseline plus the per-row steps (superposition, as the line).
  double op_baseline_j = 0.0;
  std::vector<double> op_code_j;
  // One row's DAC driving its GBL for one analog cycle, per DAC code 0 .. 2^d - 1 (shared by
  // the columns of the array).
  std::vector<double> dac_row_j;
  ActionEnergy adc_conversion;  // one conversion of one column's readout (its ADC)
  // Digital side, per the action's own activity (characterization/README.md, digital tables).
  // D_MULT of one row in one digital cycle, by the row's digital weight bit W and activation A.
  ActionEnergy dmult_w0;     // W = 0 (LBLB stays high; A toggles as random data do)
  ActionEnergy dmult_w1_a0;  // W = 1, A = 0 (LBLB falls, the output stays 0)
  ActionEnergy dmult_w1_a1;  // W = 1, A = 1 (the output rises to drive the tree)
  // One column's adder tree (with its output register) per digital cycle, by the number of its
  // inputs at 1: adder_tree_j[n], n = 0 .. rows.
  std::vector<double> adder_tree_j;
  std::string adder_tree_how;
  ActionEnergy precharge_lblb;             // restoring one LBLB a digital read discharged
  ActionEnergy precharge_row_cycle;        // one row's PCHB line and driver, once per array cycle
  ActionEnergy wordline_dwl;               // one row's DWL pulse (a digital cycle)
  ActionEnergy wordline_awl;               // one row's AWL pulse (an analog op)
  ActionEnergy din_toggle;                 // one toggle of a row's GBLB (digital activation bit)
  ActionEnergy leakage_row_cycle;          // one row of units and its drivers, one array cycle
  ActionEnergy leakage_tree_cycle;         // one column's adder tree with its register, one cycle
  ActionEnergy leakage_accumulator_cycle;  // one column's accumulator, one array cycle
  // One shift-and-add into a column accumulator: accumulate.energy_j with no register bit
  // changing, plus accumulate_toggle_j per bit that changes.
  ActionEnergy accumulate;
  double accumulate_toggle_j = 0.0;
  int accumulator_bits = 24;  // its register: a + w + ceil(log2(rows + 1)) for 8b x 8b, 144 rows
  ActionEnergy nq;            // the N/Q unit of one column per saliency 1-bit MAC
  ActionEnergy ose_eval;      // one saliency decision per array pass
  std::string analog_how;     // source of op_*_j
  std::string dac_how;        // source of dac_row_j

  // Energy per row with W = 1 at `code` above the baseline op (interpolated like the line).
  // Failures: as LineTransfer::StepV.
  double OpStepJ(const LineTransfer& line, int code, int rows) const;
};

// One table file the macro was read from.
struct TableSource {
  std::string role;  // "apath", "adc", "adder_tree", "digital", "dac", "cell"
  std::filesystem::path file;
  std::string sha256;       // of the .h5 file itself
  std::string recipe_text;  // effective recipe and resolved bench parameters
  std::uint64_t master_seed = 0;
  std::uint64_t samples_per_point = 0;
  std::string ngspice_version;
  std::string cimchar_version;
  std::string cimchar_commit;
  std::string created_utc;
};

struct Macro {
  // "tables" when read from characterization tables, "analytic" for the placeholder.
  std::string origin = "analytic";
  Geometry geometry;
  OperatingPoint point;
  LineTransfer line;
  // The column readout the model converts with (a name mac::Readouts() lists): "sar" reads
  // `adc`, "binary" and "ternary" read `comparator`.
  std::string readout = "sar";
  AdcTransfer adc;
  ComparatorReadout comparator;
  Energies energy;
  std::vector<TableSource> sources;
  std::vector<std::string> notes;  // every choice and every default used, one line each

  // Full scale of the line: every row W = 1 at the top code. Failures: none.
  double FullScaleV() const { return line.code_v.back(); }
};

// Checks sizes, ordering and signs of every field against the geometry. Failures: UsageError
// naming the field and what was expected.
void ValidateMacro(const Macro& macro);

// The analytic placeholder the tools use when no table is given (its notes say so):
//  - line: ideal charge sharing, code_v(c) = c / (2^d - 1) x 1.0 V at every code, baseline 0,
//    1 % of full scale static sigma, thermal noise of the 144 x 2 fF line (~0.14 mV) plus 1 mV
//    of kickback/settling noise added in quadrature;
//  - ADC: ideal transitions over [adc_lo_frac, adc_hi_frac] of full scale, 0.1 LSB static sigma
//    each, comparator offset 2 mV static and 1 mV per decision;
//  - energies: 65 nm, 1.0 V estimates (fJ-level gates, a 0.45 pJ 3-bit SAR conversion) chosen so
//    that DCIM lands near the 3 TOPS/W the paper implies (5.79 / 1.95).
// Failures: UsageError for an invalid geometry or window. Thread-safety: pure.
struct AnalyticOptions {
  Geometry geometry;
  double adc_lo_frac = 0.0;  // ADC window as fractions of the line's full scale
  double adc_hi_frac = 0.5;
};
Macro AnalyticMacro(const AnalyticOptions& options = {});

}  // namespace cimchar::calib
