#pragma once

// The table contract between the characterization benches and the characterized macro
// (characterization/README.md explains each quantity): quantity names, units, axes and the bench
// parameters a run records. The benches write these names (the cell and column benches through
// Bench's default "<bench>/<column>") and src/calib reads them; no other code spells a quantity
// name. The readouts' own names are in one header per readout beside their readers
// (calib/readouts/sar_schema.h, calib/readouts/comparator_schema.h). Header-only, so the benches
// use it without linking calib.

#include <string_view>

namespace cimchar::calib::schema {

// The record column a bench writes a single-valued quantity from: the quantity's name after its
// bench prefix ("adc/energy_conversion_j" -> "energy_conversion_j"), as Bench's default
// "<bench>/<column>" maps it back; per-code columns append "_<code>". Failures: none.
constexpr std::string_view ColumnOf(std::string_view quantity) {
  return quantity.substr(quantity.find('/') + 1);
}

// Grid axes every table starts with, in this order.
inline constexpr std::string_view kCornerAxis = "corner";
inline constexpr std::string_view kVddAxis = "vdd";    // V
inline constexpr std::string_view kTempAxis = "temp";  // degC
// Bench axes.
inline constexpr std::string_view kCodeAxis = "code";             // DAC code or ADC transition, 1
inline constexpr std::string_view kCheckAxis = "check";           // superposition check, 1
inline constexpr std::string_view kInnerCodeAxis = "inner_code";  // ADC code 1..2^b-2, 1
inline constexpr std::string_view kPreviousCodeAxis = "previous_code";  // ADC code before, 1

// apath.ini: the analog chain of one column (cells, DACs, A_MULT, line with the ADC's input).
inline constexpr std::string_view kApathLineV = "apath/line_v";          // V over code
inline constexpr std::string_view kApathBaselineV = "apath/baseline_v";  // V
inline constexpr std::string_view kApathSuperpositionError =
    "apath/superposition_error_v";                                                   // V over check
inline constexpr std::string_view kApathEnergyOp = "apath/energy_op_j";              // J over code
inline constexpr std::string_view kApathBaselineEnergy = "apath/baseline_energy_j";  // J

// adder_tree.ini: one column's adder tree (popcount of the rows' D_MULT outputs) with its
// output register.
inline constexpr std::string_view kOnesAxis = "ones";  // fraction of the tree's inputs at 1
inline constexpr std::string_view kAdderTreeEnergy = "adder_tree/energy_j";    // J over ones
inline constexpr std::string_view kAdderTreeDelay = "adder_tree/delay_s";      // s
inline constexpr std::string_view kAdderTreeLeakage = "adder_tree/leakage_w";  // W
inline constexpr std::string_view kAdderTreeLeakageCycle = "adder_tree/leakage_cycle_j";  // J
inline constexpr std::string_view kAdderTreeCycle = "adder_tree/cycle_s";                 // s

// digital.ini: the accumulator, D_MULT and one row of units with its line drivers.
inline constexpr std::string_view kTogglesAxis = "toggles";       // accumulator bits changing
inline constexpr std::string_view kWActivityAxis = "w_activity";  // rows with W = 1
inline constexpr std::string_view kAActivityAxis = "a_activity";  // of those, A = 1
inline constexpr std::string_view kDigitalAccumulatorEnergy =
    "digital/accumulator_energy_j";  // J over toggles
inline constexpr std::string_view kDigitalDmultEnergy =
    "digital/dmult_energy_j";  // J over w_activity, a_activity
inline constexpr std::string_view kPrechargeLbl = "precharge/lbl_energy_j";    // J per line
inline constexpr std::string_view kPrechargeLblb = "precharge/lblb_energy_j";  // J per line
inline constexpr std::string_view kPrechargeRowCycle = "precharge/row_cycle_energy_j";       // J
inline constexpr std::string_view kWordlineDwl = "wordline/dwl_energy_j";                    // J
inline constexpr std::string_view kWordlineAwl = "wordline/awl_energy_j";                    // J
inline constexpr std::string_view kDinToggle = "din/toggle_energy_j";                        // J
inline constexpr std::string_view kLeakageRow = "leakage/row_w";                             // W
inline constexpr std::string_view kLeakageRowCycle = "leakage/row_cycle_j";                  // J
inline constexpr std::string_view kLeakageAccumulator = "leakage/accumulator_w";             // W
inline constexpr std::string_view kLeakageAccumulatorCycle = "leakage/accumulator_cycle_j";  // J
inline constexpr std::string_view kDigitalCycle = "digital/cycle_s";                         // s

// cell.ini.
inline constexpr std::string_view kCellLeakage = "cell/leakage_w";  // W

// dac.ini.
inline constexpr std::string_view kDacEnergy = "dac/energy_j";             // J over code
inline constexpr std::string_view kDacSettleError = "dac/settle_error_v";  // V over code

// Bench parameters a run resolves and records in its provenance (recipe text, "# resolved"
// block): the macro geometry the tables were measured for.
inline constexpr std::string_view kApathRowsKey = "apath.rows";
inline constexpr std::string_view kApathColumnsKey = "apath.columns";
inline constexpr std::string_view kApathDacBitsKey = "apath.dac_bits";
inline constexpr std::string_view kAdderTreeRowsKey = "adder_tree.rows";
inline constexpr std::string_view kAdderTreeStructureKey = "adder_tree.tree";
inline constexpr std::string_view kDigitalAccBitsKey = "digital.acc_bits";
inline constexpr std::string_view kDigitalColumnsKey = "digital.columns";

}  // namespace cimchar::calib::schema
