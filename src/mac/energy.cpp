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
                              const EnergyCalibration& energy,
                              const ActionCounts& counts) {
  EnergyBreakdown e;
  const auto rows = static_cast<double>(shape.rows);
  const auto digital = static_cast<double>(counts.digital_cycles);
  const auto analog = static_cast<double>(counts.analog_ops);
  e.dmult_j = digital * rows * energy.e_dmult_row_j;
  e.adder_tree_j = digital * energy.e_adder_tree_j;
  e.precharge_j = (digital + analog) * rows * energy.e_precharge_row_j;
  e.amult_j = analog * rows * energy.e_amult_row_j;
  e.dac_j = static_cast<double>(counts.dac_cycles) * rows * energy.e_dac_row_j;
  e.adc_j = static_cast<double>(counts.adc_conversions) * energy.e_adc_conversion_j;
  e.ose_j = static_cast<double>(counts.nq_ops) * energy.e_nq_j +
            static_cast<double>(counts.ose_evals) * energy.e_ose_eval_j;
  e.accumulate_j = static_cast<double>(counts.accumulations) * energy.e_accumulate_j;
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
