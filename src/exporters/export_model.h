#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "calib/macro.h"

// Plain inputs of the exporters. They hold values only (SI units unless the name says otherwise)
// so the exporters can be tested alone; an adapter fills them from a LUT and the MAC model.
// Quantities cimchar could not derive stay std::nullopt (or empty) and every export then says
// so explicitly instead of inventing a number.

namespace cimchar::exporters {

// Where the model was evaluated: the project's one operating-point type.
using OperatingPoint = calib::OperatingPoint;

// Statistics of one ADC output code, measured with the ideal output equal to `code`.
struct AdcCodeStats {
  int code = 0;
  double mean_lsb = 0.0;           // mean digital output, in LSB (codes)
  double static_sigma_lsb = 0.0;   // σ across Monte Carlo dies (fixed pattern), LSB
  double dynamic_sigma_lsb = 0.0;  // σ per conversion (thermal + comparator noise), LSB
  double mean_v = 0.0;             // mean ADC input voltage producing this code, volts
  double static_sigma_v = 0.0;     // static σ of that voltage, volts
  double dynamic_sigma_v = 0.0;    // dynamic σ of that voltage, volts
};

// The column ADC as characterized.
struct AdcModel {
  int bits = 0;                                   // resolution
  double input_low_v = 0.0;                       // bottom of the conversion window, volts
  double input_high_v = 0.0;                      // top of the conversion window, volts
  std::vector<AdcCodeStats> codes;                // one entry per output code, ascending
  std::vector<double> transition_mean_v;          // 2^bits - 1 code transition levels, volts
  std::vector<double> transition_static_sigma_v;  // their static σ, volts (same length)
  double comparator_offset_sigma_v = 0.0;         // static comparator offset σ, volts
  double comparator_noise_sigma_v = 0.0;          // per-decision comparator noise σ, volts
  double gain = 1.0;                         // end-point gain of the transfer, LSB/LSB (ideal 1)
  double offset_lsb = 0.0;                   // offset of the transfer, LSB
  std::vector<double> dnl_lsb;               // DNL per code, LSB (may be empty)
  std::vector<double> inl_lsb;               // INL per code, LSB (may be empty)
  std::optional<double> unit_cap_sigma_rel;  // σ(ΔC/C) of the CDAC unit capacitor

  double LsbV() const { return (input_high_v - input_low_v) / static_cast<double>(1 << bits); }
};

// The analog path (A_MULT + charge-sharing line) in front of the ADC.
struct AnalogPathModel {
  double transfer_gain_v = 0.0;    // line voltage per MAC unit, volts
  double transfer_offset_v = 0.0;  // line voltage at MAC = 0, volts
  double static_sigma_v = 0.0;     // fixed-pattern σ of the line voltage, volts
  double dynamic_sigma_v = 0.0;    // per-operation σ (kT/C), volts
  double static_sigma_lsb = 0.0;   // the same, in ADC LSB
  double dynamic_sigma_lsb = 0.0;
  std::optional<double> max_nonlinearity_lsb;  // max deviation from the best-fit line, LSB
  // Relative shortfall of the transfer at the top of the ADC window compared with its
  // small-signal slope (0 = linear): 1 - y(full)/(slope·full).
  std::optional<double> compression_full_scale;
};

// Energy of one action at one set of data-dependent arguments.
struct EnergyPoint {
  std::vector<std::pair<std::string, std::int64_t>> arguments;  // empty = data-independent
  double energy_j = 0.0;                                        // joules per action
};

// One block of the macro with one action (e.g. "adc" / "convert").
struct ComponentEnergy {
  std::string component;  // e.g. "digital_column", "adc", "dac", "precharge", "ose"
  std::string action;     // e.g. "mac_1b_cycle", "analog_op", "convert", "drive", "evaluate"
  std::vector<EnergyPoint> points;  // at least one
  std::optional<double> area_um2;   // square micrometres; nullopt = not derived
  std::string area_note;            // why the area is unknown (or where it comes from)
};

// Macro geometry and operand widths.
struct MacroGeometry {
  std::string name = "macro";  // component name prefix in Accelergy tables
  int rows = 0;                // dot-product length per array
  int columns = 0;             // output columns (hybrid MAC units) sharing one input vector
  int columns_per_adc = 1;     // columns multiplexed on one ADC
  int activation_bits = 0;
  int weight_bits = 0;
  int dac_bits = 0;          // activation bits applied bit-parallel per analog op
  int analog_orders = 0;     // width of the analog window in output orders (B_D/A-n <= k < B_D/A)
  double adc_lsb_mac = 0.0;  // MAC units (1b weight × 1 activation LSB per row) per ADC LSB
};

// An axis of a table: numeric values or text labels (exactly one of the two non-empty).
struct TableAxis {
  std::string name;
  std::string units;  // "" for dimensionless or labels
  std::vector<double> values;
  std::vector<std::string> labels;

  std::size_t Size() const { return values.empty() ? labels.size() : values.size(); }
};

// An N-d table as exported: data is row-major (last axis fastest). Non-finite entries mean
// "no value" (a failed sample) and are written as null / an empty CSV field.
struct TableView {
  std::string quantity;  // dataset name, e.g. "adc_transition_mean"
  std::string units;
  std::vector<TableAxis> axes;
  std::vector<double> data;
  std::string description;  // optional one-line meaning
};

// Everything one export needs.
struct ExportModel {
  std::map<std::string, std::string> provenance;  // LUT provenance attributes, verbatim
  OperatingPoint operating_point;
  MacroGeometry geometry;
  AdcModel adc;
  AnalogPathModel analog;
  std::vector<ComponentEnergy> energies;
  std::vector<TableView> tables;  // for the csv/json exports
  // Quantities the LUTs did not provide (key: what, value: why); every export lists them under
  // "not_derived" beside its own.
  std::map<std::string, std::string> not_derived;
};

}  // namespace cimchar::exporters
