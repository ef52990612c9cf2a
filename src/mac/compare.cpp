#include "mac/compare.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/error.h"

namespace cimchar::mac {

std::vector<double> DefaultLossConstraints(std::size_t candidates) {
  std::vector<double> l;
  for (std::size_t i = 0; i + 1 < candidates; ++i) {
    l.push_back(1e-5 * std::pow(10.0, static_cast<double>(i)));
  }
  return l;
}

ThresholdResult CalibrateThresholds(const MacArray& array,
                                    const RunOptions& options,
                                    const std::vector<double>& constraints,
                                    const InputGenerator& inputs,
                                    const EvalOptions& eval) {
  RunOptions o = options;
  o.mode = Mode::kOsaHcim;
  o.ose.thresholds.clear();
  const LossData data = MakeRelativeMseLoss(array, o, inputs, eval);
  return FindThresholds(data.saliency, static_cast<int>(o.ose.candidates.size()), constraints,
                        data.loss);
}

std::vector<CompareRow> CompareModes(const Chips& chips,
                                     const RunOptions& osa,
                                     int hcim_boundary,
                                     const InputGenerator& inputs,
                                     const EvalOptions& eval) {
  std::vector<CompareRow> rows;
  RunOptions dcim = osa;
  dcim.mode = Mode::kDcim;
  RunOptions hcim = osa;
  hcim.mode = Mode::kHcim;
  hcim.boundary = hcim_boundary;
  RunOptions dyn = osa;
  dyn.mode = Mode::kOsaHcim;
  rows.push_back({"DCIM", dcim, EvaluateSnr(chips, dcim, inputs, eval)});
  rows.push_back(
      {"HCIM B=" + std::to_string(hcim_boundary), hcim, EvaluateSnr(chips, hcim, inputs, eval)});
  rows.push_back({"OSA-HCIM", dyn, EvaluateSnr(chips, dyn, inputs, eval)});
  return rows;
}

void PrintComparison(std::ostream& out,
                     const MacShape& shape,
                     const std::vector<CompareRow>& rows) {
  if (rows.empty()) {
    return;
  }
  const double dcim_j = rows.front().result.energy.per_mac_j;
  out << "Modes on the same inputs, " << shape.activation_bits << "b x " << shape.weight_bits
      << "b, " << shape.rows << " rows, " << shape.adc_bits << "-bit ADC\n";
  const int chips = rows.front().result.chips;
  out << (chips > 1 ? "  SNR: expectation over " + std::to_string(chips) +
                          " chip instances (weights and static errors redrawn), [95 % interval]\n"
                    : "  SNR: one chip instance's value (--chip-seed)\n");
  out << "  mode          SNR  [95 % interval]  SNR-off  fJ/MAC  TOPS/W  8b-norm  gain-vs-DCIM  "
         "paper-gain\n";
  char line[256];
  for (const CompareRow& r : rows) {
    const SnrResult& s = r.result;
    const double gain = s.energy.per_mac_j > 0 ? dcim_j / s.energy.per_mac_j : 0.0;
    const char* paper = r.options.mode == Mode::kDcim   ? "1.00"
                        : r.options.mode == Mode::kHcim ? "1.56"
                                                        : "1.95";
    std::snprintf(
        line, sizeof line, "  %-12s %5.1f [%5.1f, %5.1f] %8.1f %7.2f %7.2f %8.2f %13.2f  %10s\n",
        r.name.c_str(), s.snr_db, s.snr_lo_db, s.snr_hi_db, s.snr_offset_removed_db,
        s.energy.per_mac_j * 1e15, s.energy.tops_per_w, s.energy.tops_per_w_8b_norm, gain, paper);
    out << line;
  }
  out << "  energy by block, % of each mode's total (paper Fig. 6, OSA-HCIM: ADC 17 %, OSE 1 %)\n";
  out << "  mode        ";
  for (const auto& [name, j] : rows.front().result.energy.Blocks()) {
    (void)j;
    std::snprintf(line, sizeof line, " %10s", name.c_str());
    out << line;
  }
  out << "\n";
  for (const CompareRow& r : rows) {
    std::snprintf(line, sizeof line, "  %-12s", r.name.c_str());
    out << line;
    const double total = r.result.energy.total_j;
    for (const auto& [name, j] : r.result.energy.Blocks()) {
      (void)name;
      std::snprintf(line, sizeof line, " %10.1f", total > 0 ? 100.0 * j / total : 0.0);
      out << line;
    }
    out << "\n";
  }
  const CompareRow& osa = rows.back();
  if (osa.options.mode == Mode::kOsaHcim && osa.result.counts.array_passes > 0) {
    out << "  OSA-HCIM B_D/A use:";
    const auto& h = osa.result.counts.boundary_histogram;
    for (std::size_t b = 0; b < h.size(); ++b) {
      if (h[b] > 0) {
        std::snprintf(line, sizeof line, " B=%zu %.0f%%", b,
                      100.0 * static_cast<double>(h[b]) /
                          static_cast<double>(osa.result.counts.array_passes));
        out << line;
      }
    }
    out << "\n";
  }
  out << "  paper: HCIM 1.56x and OSA-HCIM 1.95x vs DCIM on ResNet18/CIFAR100 activations, "
         "5.33-5.79 TOPS/W; ours is one layer of synthetic inputs (see --inputs), so the mix of "
         "B_D/A and the gains differ with the data\n";
}

}  // namespace cimchar::mac
