#include "mac/sweep.h"

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>

#include "core/error.h"

namespace cimchar::mac {

std::pair<int, int> ParseBoundaryRange(const std::string& text, const MacShape& shape) {
  const int max_boundary = MaxBoundary(shape);
  int first = 0;
  int last = 0;
  char dash = 0;
  std::istringstream in(text);
  bool ok = static_cast<bool>(in >> first);
  if (ok && in >> dash) {
    ok = dash == '-' && static_cast<bool>(in >> last);
  } else {
    last = first;
  }
  std::string rest;
  if (!ok || (in >> rest) || first > last || first < 0 || last > max_boundary) {
    throw UsageError("boundaries '" + text + "': expected B or B1-B2 with 0 <= B1 <= B2 <= " +
                     std::to_string(max_boundary) + " for " +
                     std::to_string(shape.activation_bits) + "b x " +
                     std::to_string(shape.weight_bits) + "b operands");
  }
  return {first, last};
}

std::vector<SweepPoint> SweepBoundaries(const Chips& chips,
                                        const RunOptions& base,
                                        int first,
                                        int last,
                                        const InputGenerator& inputs,
                                        const EvalOptions& eval) {
  std::vector<SweepPoint> points;
  RunOptions dcim = base;
  dcim.mode = Mode::kDcim;
  points.push_back({Mode::kDcim, 0, {}});
  const SnrResult exact = EvaluateSnr(chips, dcim, inputs, eval);
  points.back().budget.push_back({"all", dcim.switches, exact});
  for (int b = first; b <= last; ++b) {
    RunOptions o = base;
    o.mode = Mode::kHcim;
    o.boundary = b;
    points.push_back({Mode::kHcim, b, ErrorBudget(chips, o, inputs, eval)});
  }
  return points;
}

namespace {

const BudgetRow* Find(const SweepPoint& p, const std::string& name) {
  for (const BudgetRow& row : p.budget) {
    if (row.name == name) {
      return &row;
    }
  }
  return nullptr;
}

std::string Db(const BudgetRow* row) {
  if (row == nullptr) {
    return "-";
  }
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << row->result.snr_db;
  return s.str();
}

}  // namespace

void PrintSweep(std::ostream& out, const MacShape& shape, const std::vector<SweepPoint>& points) {
  out << "SNR (dB) and energy vs B_D/A, " << shape.activation_bits << "b x " << shape.weight_bits
      << "b" << (shape.signed_weights ? " signed" : "") << ", " << shape.rows << " rows, "
      << shape.adc_bits << "-bit ADC, window " << shape.analog_window << "\n";
  const int chips = points.empty() || points.front().budget.empty()
                        ? 1
                        : points.front().budget.front().result.chips;
  out << (chips > 1 ? "  SNR: expectation over " + std::to_string(chips) +
                          " chip instances (weights and static errors redrawn), [95 % interval]\n"
                    : "  SNR: one chip instance's value (--chip-seed)\n");
  out << "  mode      B  dig/vec  ana/vec    SNR  [95 % interval]  SNR-off  fJ/MAC  TOPS/W  "
         "8b-norm | alone: dynamic  static   quant discard transfer\n";
  for (const SweepPoint& p : points) {
    const BudgetRow* all = Find(p, "all");
    if (all == nullptr) {
      continue;
    }
    const SnrResult& r = all->result;
    const double vectors = static_cast<double>(std::max<std::int64_t>(1, r.counts.input_vectors));
    const double per_col = vectors * static_cast<double>(shape.columns);
    char line[256];
    std::snprintf(line, sizeof line,
                  "  %-8s %2d %8.1f %8.1f %6.1f [%5.1f, %5.1f] %8.1f %7.2f %7.2f %8.2f |",
                  ModeName(p.mode).c_str(), p.boundary,
                  static_cast<double>(r.counts.digital_cycles) / per_col,
                  static_cast<double>(r.counts.analog_ops) / per_col, r.snr_db, r.snr_lo_db,
                  r.snr_hi_db, r.snr_offset_removed_db, r.energy.per_mac_j * 1e15,
                  r.energy.tops_per_w, r.energy.tops_per_w_8b_norm);
    out << line;
    for (const char* name : {"dynamic noise only", "static noise only", "quantization only",
                             "discard only", "transfer error only"}) {
      out << std::setw(8) << Db(Find(p, name));
    }
    out << "\n";
  }
  out << "  SNR = 10 log10(Var(y)/E[e^2]); SNR-off uses Var(e); 'alone' = only that source on "
         "(transfer: the line's per-code steps read back through the uniform-code transfer); "
         "inf = no error\n";
}

void WriteSweepCsv(const std::filesystem::path& path, const std::vector<SweepPoint>& points) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) {
      throw Error("cannot write '" + tmp.string() + "': check that the folder exists");
    }
    out << std::setprecision(10);
    out << "mode,boundary,budget_row,dynamic_noise,static_noise,quantization,discard,transfer,"
           "snr_db,"
           "snr_offset_removed_db,mean_error,mse,var_ideal,energy_per_mac_j,tops_per_w,"
           "tops_per_w_8b_norm,digital_cycles,analog_ops,adc_conversions,samples,chips,snr_lo_db,"
           "snr_hi_db\n";
    for (const SweepPoint& p : points) {
      for (const BudgetRow& row : p.budget) {
        const SnrResult& r = row.result;
        out << ModeName(p.mode) << ',' << p.boundary << ',' << row.name << ','
            << row.switches.dynamic_noise << ',' << row.switches.static_noise << ','
            << row.switches.quantization << ',' << row.switches.discard << ','
            << row.switches.transfer << ',' << r.snr_db << ',' << r.snr_offset_removed_db << ','
            << r.mean_error << ',' << r.mse << ',' << r.var_ideal << ',' << r.energy.per_mac_j
            << ',' << r.energy.tops_per_w << ',' << r.energy.tops_per_w_8b_norm << ','
            << r.counts.digital_cycles << ',' << r.counts.analog_ops << ','
            << r.counts.adc_conversions << ',' << r.samples << ',' << r.chips << ',' << r.snr_lo_db
            << ',' << r.snr_hi_db << '\n';
      }
    }
    out.flush();
    if (!out) {
      throw Error("writing '" + tmp.string() + "' failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw Error("cannot rename '" + tmp.string() + "' to '" + path.string() + "': " + ec.message());
  }
}

}  // namespace cimchar::mac
