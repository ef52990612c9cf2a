#pragma once

// The table contract between the characterization benches and the characterized macro
// (characterization/README.md explains each quantity): names, units and bench axes. The benches
// write these names and src/calib reads them; no other code spells a quantity name.

#include <string_view>

namespace cimchar::calib::schema {

// Grid axes every table starts with, in this order.
inline constexpr std::string_view kCornerAxis = "corner";
inline constexpr std::string_view kVddAxis = "vdd";    // V
inline constexpr std::string_view kTempAxis = "temp";  // degC
// Bench axes.
inline constexpr std::string_view kCodeAxis = "code";          // DAC code or ADC transition, 1
inline constexpr std::string_view kCheckAxis = "check";        // superposition check, 1
inline constexpr std::string_view kActivityAxis = "activity";  // toggle fraction, 1

// apath.ini: the analog chain of one column (cells, DACs, A_MULT, line with the ADC's input).
inline constexpr std::string_view kApathLineV = "apath/line_v";          // V over code
inline constexpr std::string_view kApathBaselineV = "apath/baseline_v";  // V
inline constexpr std::string_view kApathSuperpositionError =
    "apath/superposition_error_v";                                                   // V over check
inline constexpr std::string_view kApathEnergyOp = "apath/energy_op_j";              // J over code
inline constexpr std::string_view kApathBaselineEnergy = "apath/baseline_energy_j";  // J

// adc.ini: the SAR ADC.
inline constexpr std::string_view kAdcTransitionV = "adc/transition_v";  // V over code 1..2^b-1
inline constexpr std::string_view kAdcComparatorOffsetV = "adc/comparator_offset_v";  // V
inline constexpr std::string_view kAdcEnergyConversion = "adc/energy_conversion_j";   // J

// digital.ini: D_MULT and the adder tree.
inline constexpr std::string_view kDigitalDmultEnergy = "digital/dmult_energy_j";  // J / activity
inline constexpr std::string_view kDigitalFaEnergy = "digital/fa_energy_j";        // J / activity

// cell.ini.
inline constexpr std::string_view kCellLeakage = "cell/leakage_w";  // W

// dac.ini.
inline constexpr std::string_view kDacEnergy = "dac/energy_j";                     // J over code
inline constexpr std::string_view kPrechargeEnergyRow = "precharge/energy_row_j";  // J

// Bench parameters a run resolves and records in its provenance (recipe text, "# resolved"
// block): the macro geometry the tables were measured for.
inline constexpr std::string_view kApathRowsKey = "apath.rows";
inline constexpr std::string_view kApathColumnsKey = "apath.columns";
inline constexpr std::string_view kApathDacBitsKey = "apath.dac_bits";

}  // namespace cimchar::calib::schema
