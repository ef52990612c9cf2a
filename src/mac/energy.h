#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "calib/macro.h"
#include "mac/options.h"

namespace cimchar::mac {

// What the macro did, counted per action. Counts add up over input vectors and tiles.
struct ActionCounts {
  std::int64_t input_vectors = 0;
  std::int64_t macs = 0;            // multi-bit multiply-accumulates (one row of one column)
  std::int64_t array_passes = 0;    // (input vector, row tile, column tile) triples
  std::int64_t digital_cycles = 0;  // 1-bit MAC cycles of one column (D_MULTs + adder tree)
  std::int64_t analog_ops = 0;      // A_MULT + charge-sharing ops of one column
  std::int64_t adc_conversions = 0;
  std::int64_t dac_cycles = 0;  // analog cycles of one array (all its row DACs and AWLs switch)
  // Cycles of one array: digital_array_cycles pulse every row's DWL; array_cycles run the
  // digital and the analog cycles of a pass concurrently (max of the two per pass), each
  // precharging every row once and leaking for one cycle time.
  std::int64_t digital_array_cycles = 0;
  std::int64_t array_cycles = 0;
  // Activity of the digital side, summed over the digital cycles of every column: rows with
  // the weight bit W = 1 (their LBLB discharges; their D_MULT sees A), and tree_ones[n] the
  // digital cycles whose adder tree had n inputs at 1 (W = A = 1), n = 0 .. rows.
  std::int64_t digital_w1_rows = 0;
  std::vector<std::int64_t> tree_ones;
  std::int64_t din_toggles = 0;          // GBLB toggles over the rows (one array)
  std::int64_t accumulator_toggles = 0;  // accumulator register bits changed, all columns
  std::int64_t nq_ops = 0;               // N/Q operations (one column, one saliency 1-bit MAC)
  std::int64_t ose_evals = 0;            // saliency decisions (one per array pass in OSA-HCIM)
  std::int64_t accumulations = 0;        // shift-and-adds into column accumulators
  // boundary_histogram[B] = array passes run at B_D/A = B (size MaxBoundary + 1).
  std::vector<std::int64_t> boundary_histogram;
  // Data the analog energies depend on, per DAC code d (size 2^dac_bits): op_code_rows[d] sums
  // over analog ops the rows with W = 1 at code d; dac_code_rows[d] sums over DAC cycles the
  // rows whose DAC drove code d.
  std::vector<std::int64_t> op_code_rows;
  std::vector<std::int64_t> dac_code_rows;

  ActionCounts& operator+=(const ActionCounts& other);
};

// Energy by block, joules.
struct EnergyBreakdown {
  double dmult_j = 0.0;
  double adder_tree_j = 0.0;
  double precharge_j = 0.0;  // row precharge per array cycle and LBLB restores
  double wordline_j = 0.0;   // DWL and AWL pulses
  double din_j = 0.0;        // GBLB (digital activation) toggles
  double leakage_j = 0.0;    // rows, adder trees and accumulators, per array cycle
  double amult_j = 0.0;
  double dac_j = 0.0;
  double adc_j = 0.0;
  double ose_j = 0.0;  // N/Q units and saliency decisions
  double accumulate_j = 0.0;
  double total_j = 0.0;
  double per_mac_j = 0.0;
  double tops_per_w = 0.0;          // 1 MAC = 2 OPs at the operand widths used
  double tops_per_w_8b_norm = 0.0;  // scaled by a*w/64 to 8b x 8b MACs (paper Table I)

  // (name, joules) for every block, in a fixed order, for tables and plots.
  std::vector<std::pair<std::string, double>> Blocks() const;
  // Adds the blocks and the total (per-MAC figures are the caller's).
  EnergyBreakdown& operator+=(const EnergyBreakdown& other);
};

// Where each block of EnergyBreakdown::Blocks() takes its energies from, in the same order:
// (block, the distinct `how` of the actions priced in it). Failures: none.
std::vector<std::pair<std::string, std::vector<std::string>>> EnergySources(
    const calib::Macro& macro);

// Prints EnergySources one block a line, then names the blocks that are not all measured
// ("composed" or the analytic placeholder). Failures: none.
void PrintEnergySources(std::ostream& out, const calib::Macro& macro);

// Prices `counts` with the macro's energies for arrays of `shape`: the analog op as its baseline
// plus the per-row steps of the W = 1 rows at their codes, the DACs per row at the code they
// drove; the D_MULTs per row by its W and A, the adder tree by its inputs at 1, LBLB precharge
// per discharged line, the row precharge and leakage once per array cycle, word lines per
// pulse, GBLB per toggle, the accumulator per add plus per bit it changed; the rest per action.
// Failures: none (counts with zero MACs give zero per-MAC figures). Ownership: returns a value.
// Thread-safety: pure.
EnergyBreakdown ComputeEnergy(const MacShape& shape,
                              const calib::Macro& macro,
                              const ActionCounts& counts);

}  // namespace cimchar::mac
