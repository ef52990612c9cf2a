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
  digital_array_cycles += other.digital_array_cycles;
  array_cycles += other.array_cycles;
  digital_w1_rows += other.digital_w1_rows;
  din_toggles += other.din_toggles;
  accumulator_toggles += other.accumulator_toggles;
  if (boundary_histogram.size() < other.boundary_histogram.size()) {
    boundary_histogram.resize(other.boundary_histogram.size(), 0);
  }
  for (std::size_t b = 0; b < other.boundary_histogram.size(); ++b) {
    boundary_histogram[b] += other.boundary_histogram[b];
  }
  for (auto [into, from] :
       {std::pair{&op_code_rows, &other.op_code_rows},
        std::pair{&dac_code_rows, &other.dac_code_rows}, std::pair{&tree_ones, &other.tree_ones}}) {
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
          {"wordline", wordline_j},
          {"din", din_j},
          {"leakage", leakage_j},
          {"amult", amult_j},
          {"dac", dac_j},
          {"adc", adc_j},
          {"ose", ose_j},
          {"accumulate", accumulate_j}};
}

EnergyBreakdown& EnergyBreakdown::operator+=(const EnergyBreakdown& other) {
  for (auto [into, from] :
       {std::pair{&dmult_j, other.dmult_j}, std::pair{&adder_tree_j, other.adder_tree_j},
        std::pair{&precharge_j, other.precharge_j}, std::pair{&wordline_j, other.wordline_j},
        std::pair{&din_j, other.din_j}, std::pair{&leakage_j, other.leakage_j},
        std::pair{&amult_j, other.amult_j}, std::pair{&dac_j, other.dac_j},
        std::pair{&adc_j, other.adc_j}, std::pair{&ose_j, other.ose_j},
        std::pair{&accumulate_j, other.accumulate_j}, std::pair{&total_j, other.total_j}}) {
    *into += from;
  }
  return *this;
}

std::vector<std::pair<std::string, std::vector<std::string>>> EnergySources(
    const calib::Macro& macro) {
  const calib::Energies& e = macro.energy;
  const auto distinct = [](std::initializer_list<const std::string*> hows) {
    std::vector<std::string> out;
    for (const std::string* h : hows) {
      if (std::find(out.begin(), out.end(), *h) == out.end()) {
        out.push_back(*h);
      }
    }
    return out;
  };
  return {
      {"dmult", distinct({&e.dmult_w0.how, &e.dmult_w1_a0.how, &e.dmult_w1_a1.how})},
      {"adder_tree", {e.adder_tree_how}},
      {"precharge", distinct({&e.precharge_row_cycle.how, &e.precharge_lblb.how})},
      {"wordline", distinct({&e.wordline_dwl.how, &e.wordline_awl.how})},
      {"din", {e.din_toggle.how}},
      {"leakage", distinct({&e.leakage_row_cycle.how, &e.leakage_tree_cycle.how,
                            &e.leakage_accumulator_cycle.how})},
      {"amult", {e.analog_how}},
      {"dac", {e.dac_how}},
      {"adc", {e.adc_conversion.how}},
      {"ose", distinct({&e.nq.how, &e.ose_eval.how})},
      {"accumulate", {e.accumulate.how}},
  };
}

void PrintEnergySources(std::ostream& out, const calib::Macro& macro) {
  out << "  energy sources by block:\n";
  std::string not_measured;
  for (const auto& [block, hows] : EnergySources(macro)) {
    bool measured = true;
    for (const std::string& how : hows) {
      out << "    " << block << ": " << how << "\n";
      measured = measured && how.rfind("measured: ", 0) == 0;
    }
    if (!measured) {
      not_measured += (not_measured.empty() ? "" : ", ") + block;
    }
  }
  out << "  blocks not measured at transistor level (composed or placeholder): "
      << (not_measured.empty() ? "none" : not_measured) << "\n";
}

EnergyBreakdown ComputeEnergy(const MacShape& shape,
                              const calib::Macro& macro,
                              const ActionCounts& counts) {
  EnergyBreakdown e;
  const calib::Energies& energy = macro.energy;
  const auto rows = static_cast<double>(shape.rows);
  const auto digital = static_cast<double>(counts.digital_cycles);
  const auto analog = static_cast<double>(counts.analog_ops);
  const auto w1_rows = static_cast<double>(counts.digital_w1_rows);
  const auto array_cycles = static_cast<double>(counts.array_cycles);
  // D_MULT per row by its W and A; the adder tree by its inputs at 1.
  double ones = 0.0;
  for (std::size_t n = 0; n < counts.tree_ones.size(); ++n) {
    if (counts.tree_ones[n] != 0) {
      const auto cycles = static_cast<double>(counts.tree_ones[n]);
      ones += cycles * static_cast<double>(n);
      e.adder_tree_j += cycles * energy.adder_tree_j.at(n);
    }
  }
  e.dmult_j = (digital * rows - w1_rows) * energy.dmult_w0.energy_j +
              (w1_rows - ones) * energy.dmult_w1_a0.energy_j + ones * energy.dmult_w1_a1.energy_j;
  // The analog op's LBL restore is part of its measured energy (calib::Energies); LBLB falls in
  // the digital cycles of rows with W = 1; PCHB switches once per array cycle.
  e.precharge_j = w1_rows * energy.precharge_lblb.energy_j +
                  array_cycles * rows * energy.precharge_row_cycle.energy_j;
  e.wordline_j =
      rows * (static_cast<double>(counts.digital_array_cycles) * energy.wordline_dwl.energy_j +
              static_cast<double>(counts.dac_cycles) * energy.wordline_awl.energy_j);
  e.din_j = static_cast<double>(counts.din_toggles) * energy.din_toggle.energy_j;
  e.leakage_j = array_cycles * (rows * energy.leakage_row_cycle.energy_j +
                                shape.columns * (energy.leakage_tree_cycle.energy_j +
                                                 energy.leakage_accumulator_cycle.energy_j));
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
  e.accumulate_j = static_cast<double>(counts.accumulations) * energy.accumulate.energy_j +
                   static_cast<double>(counts.accumulator_toggles) * energy.accumulate_toggle_j;
  for (const auto& [name, j] : e.Blocks()) {
    e.total_j += j;
  }
  if (counts.macs > 0 && e.total_j > 0.0) {
    e.per_mac_j = e.total_j / static_cast<double>(counts.macs);
    e.tops_per_w = 2.0 / e.per_mac_j * 1e-12;
    e.tops_per_w_8b_norm =
        e.tops_per_w * static_cast<double>(shape.activation_bits * shape.weight_bits) / 64.0;
  }
  return e;
}

}  // namespace cimchar::mac
