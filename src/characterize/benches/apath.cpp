// Analog path bench: N rows of A_MULT sampling one activation voltage, charge-shared onto the
// line (netlists/benches/cs_line.sp). One transient per sample runs one cycle per point of the
// `fraction` axis: in cycle j the first k_j rows hold W = 1 (GBL = VDD for every row), so the
// ideal fraction of full scale is k_j / N.
#include "characterize/benches/drivers.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "characterize/benches/common.h"
#include "core/error.h"
#include "measure/waveform.h"

namespace cimchar::characterize::benches {
namespace {

class ApathBench final : public Bench {
 public:
  explicit ApathBench(const Recipe& recipe) : recipe_(recipe) {
    CheckBenchKeys(recipe,
                   {"rows", "c_sample", "c_line", "points", "t_cycle", "t_sample", "t_edge"});
    rows_ = RangedInt(recipe, "rows", 144, 1, 1024);
    c_sample_f_ = RangedNumber(recipe, "c_sample", 2e-15, 1e-17, 1e-12, "F");
    c_line_f_ = RangedNumber(recipe, "c_line", 0.25e-15 * rows_, 0.0, 1e-10, "F");
    const int points = RangedInt(recipe, "points", 9, 2, std::min(rows_ + 1, 65));
    t_edge_s_ = RangedNumber(recipe, "t_edge", 50e-12, 1e-12, 1e-9, "s");
    t_sample_s_ = RangedNumber(recipe, "t_sample", 3e-9, 4 * t_edge_s_, 1e-6, "s");
    t_cycle_s_ = RangedNumber(recipe, "t_cycle", 8e-9, t_sample_s_ + 12 * t_edge_s_, 1e-5, "s");
    for (int j = 0; j < points; ++j) {
      const int k = static_cast<int>(std::lround(static_cast<double>(j) * rows_ / (points - 1)));
      active_.push_back(k);
      fractions_.push_back(static_cast<double>(k) / rows_);
    }
  }

  std::string Name() const override { return "apath"; }
  std::vector<BenchAxis> Axes() const override { return {}; }

  std::vector<Column> Columns() const override {
    std::vector<Column> c;
    for (std::size_t j = 0; j < fractions_.size(); ++j) {
      c.push_back({"line_v_" + std::to_string(j), "V"});
    }
    for (std::size_t j = 0; j < fractions_.size(); ++j) {
      c.push_back({"energy_op_j_" + std::to_string(j), "J"});
    }
    return c;
  }

  std::vector<lut::ReduceRequest> Quantities() const override {
    const lut::Axis axis = lut::Axis::Numeric("fraction", "1", fractions_);
    lut::ReduceRequest line{
        .quantity = "apath/line_v", .units = "V", .columns = {}, .column_axis = axis};
    lut::ReduceRequest energy{
        .quantity = "apath/energy_op_j", .units = "J", .columns = {}, .column_axis = axis};
    for (std::size_t j = 0; j < fractions_.size(); ++j) {
      line.columns.push_back("line_v_" + std::to_string(j));
      energy.columns.push_back("energy_op_j_" + std::to_string(j));
    }
    return {line, energy};
  }

  std::string Deck(const GridPoint& p, std::vector<std::filesystem::path>& inputs) const override {
    std::vector<measure::LineRow> rows;
    for (int r = 0; r < rows_; ++r) {
      // Row r holds W = 1 from the first cycle whose active count exceeds r; W changes while
      // SMP is high (start of a cycle).
      std::size_t first = fractions_.size();
      for (std::size_t j = 0; j < active_.size(); ++j) {
        if (active_[j] > r) {
          first = j;
          break;
        }
      }
      measure::LineRow row{.gbl = "gbl", .weight = false, .lbl_source = ""};
      if (first == 0) {
        row.weight = true;
      } else if (first < fractions_.size()) {
        const double t = static_cast<double>(first) * t_cycle_s_ + t_edge_s_;
        row.lbl_source = Pwl({{0.0, 0.0}, {t, 0.0}, {t + t_edge_s_, p.vdd_v}});
      }
      rows.push_back(row);
    }
    netlist::Bindings b;
    b.Set("vdd", p.vdd_v).Set("temp", p.temp_c).Set("c_sample", c_sample_f_);
    b.Set("c_line", c_line_f_).Set("t_cycle", t_cycle_s_).Set("t_sample", t_sample_s_);
    b.Set("t_edge", t_edge_s_).SetText("gbl", netlist::FormatNumber(p.vdd_v));
    b.SetText("rows", measure::ChargeLineRows(rows));
    return RenderBenchFile(recipe_, "benches/cs_line.sp", p.corner, b, inputs);
  }

  std::vector<std::string> Analysis(const GridPoint& /*p*/) const override {
    const double t_stop = t_cycle_s_ * static_cast<double>(fractions_.size());
    return {"tran " + netlist::FormatNumber(t_edge_s_) + " " + netlist::FormatNumber(t_stop)};
  }

  std::vector<std::string> Vectors(const GridPoint& /*p*/) const override {
    return {"time", "v(line)", "i(vdd)", "i(vsmp)", "i(vsmpb)", "i(vrst)", "i(vsh)", "i(vshb)"};
  }

  std::vector<double> Measure(const GridPoint& p, const spice::RunResult& run) const override {
    const auto t = Vec(run, "time");
    const auto line = Vec(run, "v(line)");
    std::vector<double> v(fractions_.size()), e(fractions_.size());
    for (std::size_t j = 0; j < fractions_.size(); ++j) {
      const double t0 = static_cast<double>(j) * t_cycle_s_;
      const double t1 = std::min(t0 + t_cycle_s_, t.back());
      v[j] = measure::MeanOver(t, line, t1 - 6 * t_edge_s_, t1 - 4 * t_edge_s_);
      double energy = measure::SupplyEnergy(t, p.vdd_v, Vec(run, "i(vdd)"), t0, t1);
      for (const char* ctl : {"i(vsmp)", "i(vsmpb)", "i(vrst)", "i(vsh)", "i(vshb)"}) {
        energy += DriverEnergy(t, Vec(run, ctl), p.vdd_v, t0, t1);
      }
      e[j] = energy;
    }
    v.insert(v.end(), e.begin(), e.end());
    return v;
  }

  // Thermal noise of the sampled line, analytic: each row's sampling capacitor freezes kT/C_s
  // when SMP opens and the line freezes kT/C_line when RST opens (charge variance kT·C each,
  // kT·C_tot in all, spread over C_tot: kT/C_tot), and the shared network adds kT/C_tot when
  // the line is sampled at the end of sharing: σ² = 2 kT / C_tot, C_tot = N·c_sample + c_line.
  std::vector<double> DynamicSigma(const GridPoint& p) const override {
    const double c_tot = rows_ * c_sample_f_ + c_line_f_;
    const double sigma = std::sqrt(2.0 * KT(p.temp_c) / c_tot);
    std::vector<double> out(2 * fractions_.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t j = 0; j < fractions_.size(); ++j) {
      out[j] = sigma;
    }
    return out;
  }

  std::string DynamicNoiseMethod() const override {
    return "apath/line_v: analytic thermal noise sqrt(2 kT / C_tot), C_tot = rows * c_sample + "
           "c_line from the rendered values and the grid temperature (kT/C frozen by the row "
           "sampling and line reset, plus kT/C of the shared network when it is sampled); "
           "energy: none";
  }

 private:
  Recipe recipe_;
  int rows_ = 144;
  double c_sample_f_ = 2e-15;
  double c_line_f_ = 0;
  double t_cycle_s_ = 0, t_sample_s_ = 0, t_edge_s_ = 0;
  std::vector<int> active_;
  std::vector<double> fractions_;
};

}  // namespace

std::unique_ptr<Bench> MakeApathBench(const Recipe& recipe) {
  return std::make_unique<ApathBench>(recipe);
}

}  // namespace cimchar::characterize::benches
