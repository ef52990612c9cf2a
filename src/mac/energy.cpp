#include "mac/energy.h"

#include <algorithm>

namespace cimchar::mac {

ActionCounts& ActionCounts::operator+=(const ActionCounts& other) {
  input_vectors += other.input_vectors;
  macs += other.macs;
  array_passes += other.array_passes;
  digital_cycles += other.digital_cycles;
  analog_ops += other.analog_ops;
  adc_conversions += other.adc_conversions;
  dac_cycles += other.dac_cycles;
  nq_ops += other.nq_ops;
  ose_evals += other.ose_evals;
  accumulations += other.accumulations;
  if (boundary_histogram.size() < other.boundary_histogram.size()) {
    boundary_histogram.resize(other.boundary_histogram.size(), 0);
  }
  for (std::size_t b = 0; b < other.boundary_histogram.size(); ++b) {
    boundary_histogram[b] += other.boundary_histogram[b];
  }
  for (auto [into, from] : {std::pair{&op_code_rows, &other.op_code_rows},
                            std::pair{&dac_code_rows, &other.dac_code_rows}}) {
    if (into->size() < from->size()) {
      into->resize(from->size(), 0);
    }
    for (std::size_t d = 0; d < from->size(); ++d) {
      (*into)[d] += (*from)[d];
    }
  }
  return *this;
}

std::vector<std::pair<std::string, double>> EnergyBreakdown::Blocks() const {
  return {{"dmult", dmult_j},
          {"adder_tree", adder_tree_j},
          {"precharge", precharge_j},
          {"amult", amult_j},
          {"dac", dac_j},
          {"adc", adc_j},
          {"ose", ose_j},
          {"accumulate", accumulate_j}};
}

EnergyBreakdown ComputeEnergy(const MacShape& shape,
                              const calib::Macro& macro,
                              const ActionCounts& counts) {
  EnergyBreakdown e;
  const calib::Energies& energy = macro.energy;
  const auto rows = static_cast<double>(shape.rows);
  const auto digital = static_cast<double>(counts.digital_cycles);
  const auto analog = static_cast<double>(counts.analog_ops);
  e.dmult_j = digital * rows * energy.dmult_row.energy_j;
  e.adder_tree_j = digital * energy.adder_tree.energy_j;
  // The analog op's LBL precharge is part of its measured energy (calib::Energies).
  e.precharge_j = digital * rows * energy.precharge_row.energy_j;
  e.amult_j = analog * energy.op_baseline_j;
  for (std::size_t d = 0; d < counts.op_code_rows.size(); ++d) {
    if (counts.op_code_rows[d] != 0) {
      e.amult_j += static_cast<double>(counts.op_code_rows[d]) *
                   energy.OpStepJ(macro.line, static_cast<int>(d), shape.rows);
    }
  }
  for (std::size_t d = 0; d < counts.dac_code_rows.size(); ++d) {
    if (counts.dac_code_rows[d] != 0) {
      e.dac_j += static_cast<double>(counts.dac_code_rows[d]) * energy.dac_row_j[d];
    }
  }
  e.adc_j = static_cast<double>(counts.adc_conversions) * energy.adc_conversion.energy_j;
  e.ose_j = static_cast<double>(counts.nq_ops) * energy.nq.energy_j +
            static_cast<double>(counts.ose_evals) * energy.ose_eval.energy_j;
  e.accumulate_j = static_cast<double>(counts.accumulations) * energy.accumulate.energy_j;
  e.total_j = e.dmult_j + e.adder_tree_j + e.precharge_j + e.amult_j + e.dac_j + e.adc_j + e.ose_j +
              e.accumulate_j;
  if (counts.macs > 0 && e.total_j > 0.0) {
    e.per_mac_j = e.total_j / static_cast<double>(counts.macs);
    e.tops_per_w = 2.0 / e.per_mac_j * 1e-12;
    e.tops_per_w_8b_norm =
        e.tops_per_w * static_cast<double>(shape.activation_bits * shape.weight_bits) / 64.0;
  }
  return e;
}

}  // namespace cimchar::mac
