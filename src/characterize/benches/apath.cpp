// Analog path bench: the whole chain of one column in front of its ADC, at the row count the
// model simulates (netlists/benches/analog_chain.sp): HCIMA units whose split-port cells hold
// the weights, one activation DAC per row driving its GBL, A_MULT sampling, the share switches,
// the line with the ADC's input capacitance. One transient per Monte Carlo sample runs a
// sequence of analog ops, each reading one cell of every unit (the weight pattern) with every
// row's DAC at a chosen code:
//   op "start"     settles the circuit (not measured);
//   op "baseline"  every row W = 0 (cell 1), every DAC at the top code;
//   op "code c"    every row W = 1 (cell 0) at DAC code c, for each c of the `code` axis;
//   op "check 1"   the first half of the rows W = 1 (cell 2), every DAC at the top code;
//   op "check 2"   random W (cell 3) and random codes (fixed pattern, seed kCheckSeed);
//   op "end"       precharges the lines check 2 discharged (energy accounting only).
// An op's energy runs from the end of its precharge to the end of the next op's precharge, so it
// includes restoring the LBLs its own read discharged; it holds the units' supply and the
// column's own control lines (SMP, RST, SH), not the row-shared PCHB and AWL lines (digital.ini).
// The model reads the line as a superposition (src/calib): V = baseline + sum over rows with
// W = 1 of h(code), h(c) = (line_v(c) - baseline) / rows, interpolated linearly between the
// measured codes. The checks measure how far one die's line departs from that prediction built
// from the same die's ops (apath/superposition_error_v), so the table states its own validity.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <sstream>

#include "calib/schema.h"
#include "characterize/benches/chain.h"
#include "characterize/benches/common.h"
#include "characterize/benches/drivers.h"
#include "core/error.h"
#include "measure/waveform.h"

namespace cimchar::characterize::benches {
namespace {

namespace schema = calib::schema;

constexpr std::uint64_t kCheckSeed = 7;  // the random pattern of check 2

// The control lines whose driver energy an op of this column owns. PCHB and the AWLs run along
// a row, shared by the row's columns: digital.ini prices them per row with their drivers and
// wire (precharge/row_cycle_energy_j, wordline/awl_energy_j), so they are not counted here.
std::vector<std::string> ColumnControls() {
  std::vector<std::string> out;
  for (const auto& c : AnalogChain::ControlNames()) {
    if (c != "pchb" && !c.starts_with("awl")) {
      out.push_back(c);
    }
  }
  return out;
}
constexpr int kChecks = 2;

class ApathBench final : public Bench {
 public:
  explicit ApathBench(const Recipe& recipe) : recipe_(recipe), chain_(recipe) {
    std::vector<std::string> keys = AnalogChain::Keys();
    keys.push_back("codes");
    keys.push_back("t_max_step");
    CheckBenchKeys(recipe, keys);
    rows_ = chain_.rows();
    // The integrator's largest time step. Every control edge is a breakpoint, so a step this
    // long only happens while the nodes settle; 24-row die at 0.6 V (tran with t_edge steps vs
    // 0.5 ns): 2.3x fewer Newton iterations, the line within 0.5 mV, energy per op within 3 %.
    max_step_s_ = RangedNumber(recipe, "t_max_step", 5e-10, chain_.edge_s(), 1e-8, "s");
    dac_bits_ = chain_.dac_bits();
    const int top = (1 << dac_bits_) - 1;
    std::vector<double> all;
    for (int c = 0; c <= top; ++c) {
      all.push_back(c);
    }
    for (double c : BenchNumbers(recipe, "codes", all)) {
      if (c != std::floor(c) || c < 0 || c > top) {
        throw UsageError("recipe key 'apath.codes': " + netlist::FormatNumber(c) +
                         " is not a DAC code 0.." + std::to_string(top));
      }
      codes_.push_back(static_cast<int>(c));
    }
    std::sort(codes_.begin(), codes_.end());
    codes_.erase(std::unique(codes_.begin(), codes_.end()), codes_.end());
    if (codes_.front() != 0 || codes_.back() != top) {
      throw UsageError("recipe key 'apath.codes' must include 0 and the top code " +
                       std::to_string(top) + " (the model interpolates between measured codes)");
    }
    MakeOps();
  }

  std::string Name() const override { return "apath"; }
  std::vector<BenchAxis> Axes() const override { return {}; }

  std::vector<Column> Columns() const override {
    std::vector<Column> c;
    for (int code : codes_) {
      c.push_back({PerCode(schema::kApathLineV, code), "V"});
    }
    for (int code : codes_) {
      c.push_back({PerCode(schema::kApathEnergyOp, code), "J"});
    }
    c.push_back({std::string(schema::ColumnOf(schema::kApathBaselineV)), "V"});
    c.push_back({std::string(schema::ColumnOf(schema::kApathBaselineEnergy)), "J"});
    for (int k = 1; k <= kChecks; ++k) {
      c.push_back({CodeColumn(schema::kApathSuperpositionError, k), "V"});
    }
    return c;
  }

  std::vector<lut::ReduceRequest> Quantities() const override {
    std::vector<double> codes(codes_.begin(), codes_.end());
    const lut::Axis code_axis = lut::Axis::Numeric(std::string(schema::kCodeAxis), "1", codes);
    const auto per_code = [&](std::string_view quantity, std::string_view units) {
      lut::ReduceRequest r{.quantity = std::string(quantity),
                           .units = std::string(units),
                           .columns = {},
                           .column_axis = code_axis};
      for (int code : codes_) {
        r.columns.push_back(PerCode(quantity, code));
      }
      return r;
    };
    lut::ReduceRequest checks{
        .quantity = std::string(schema::kApathSuperpositionError),
        .units = "V",
        .columns = {},
        .column_axis = lut::Axis::Numeric(std::string(schema::kCheckAxis), "1", {1, 2})};
    for (int k = 1; k <= kChecks; ++k) {
      checks.columns.push_back(CodeColumn(schema::kApathSuperpositionError, k));
    }
    const auto single = [](std::string_view quantity, std::string_view units) {
      return lut::ReduceRequest{.quantity = std::string(quantity),
                                .units = std::string(units),
                                .columns = {std::string(schema::ColumnOf(quantity))},
                                .column_axis = std::nullopt};
    };
    return {per_code(schema::kApathLineV, "V"), per_code(schema::kApathEnergyOp, "J"),
            single(schema::kApathBaselineV, "V"), single(schema::kApathBaselineEnergy, "J"),
            checks};
  }

  std::vector<std::pair<std::string, std::string>> Parameters() const override {
    std::ostringstream codes;
    for (std::size_t k = 0; k < codes_.size(); ++k) {
      codes << (k ? " " : "") << codes_[k];
    }
    auto p = chain_.Parameters("apath");
    p.push_back({"apath.codes", codes.str()});
    p.push_back({"apath.t_max_step", netlist::FormatNumber(max_step_s_)});
    return p;
  }

  std::string Deck(const GridPoint& p, std::vector<std::filesystem::path>& inputs) const override {
    netlist::Bindings b;
    b.Set("vdd", p.vdd_v).Set("temp", p.temp_c);
    chain_.Bind(b, p.vdd_v, chain_.TimingAt(p.vdd_v), ops_, weights_, Models(recipe_));
    return RenderBenchFile(recipe_, "benches/analog_chain.sp", p.corner, b, inputs);
  }

  std::vector<std::string> Analysis(const GridPoint& p) const override {
    const double t_stop = chain_.TimingAt(p.vdd_v).Period() * static_cast<double>(ops_.size());
    // No operating point: the cells start from their .ic values and every other node from 0;
    // the first op ("start") brings the circuit to its periodic state and is not measured.
    return {"tran " + netlist::FormatNumber(chain_.edge_s()) + " " + netlist::FormatNumber(t_stop) +
            " 0 " + netlist::FormatNumber(max_step_s_) + " uic"};
  }

  std::vector<std::string> Vectors(const GridPoint& /*p*/) const override {
    std::vector<std::string> v = {"time", "v(line)", "i(vddu)"};
    for (const auto& c : ColumnControls()) {
      v.push_back("i(v" + c + ")");
    }
    return v;
  }

  std::vector<double> Measure(const GridPoint& p, const spice::RunResult& run) const override {
    const ChainTiming tm = chain_.TimingAt(p.vdd_v);
    const double period = tm.Period();
    const double edge = tm.edge;
    const auto t = Vec(run, "time");
    const auto line = Vec(run, "v(line)");
    const std::size_t ops = ops_.size() - 1;  // the last op only precharges
    std::vector<double> v(ops), e(ops);
    for (std::size_t k = 1; k < ops; ++k) {
      const double t0 = static_cast<double>(k) * period;
      // What the ADC samples: the line just before its SMP falls (two edges before SH does),
      // as the column bench reads it.
      const double hold = t0 + tm.ShareOff() - 2 * edge;
      v[k] = measure::MeanOver(t, line, hold - 2 * edge, hold);
      // An op's energy runs from the end of its own precharge to the end of the next op's, which
      // restores the lines this op's read discharged.
      const double e0 = t0 + tm.precharge;
      const double e1 = std::min(e0 + period, t.back());
      double energy = measure::SupplyEnergy(t, p.vdd_v, Vec(run, "i(vddu)"), e0, e1);
      for (const auto& c : ColumnControls()) {
        energy += DriverEnergy(t, Vec(run, "i(v" + c + ")"), p.vdd_v, e0, e1);
      }
      e[k] = energy;
    }
    std::vector<double> out;
    const std::size_t first_code = 2;
    for (std::size_t i = 0; i < codes_.size(); ++i) {
      out.push_back(v[first_code + i]);
    }
    for (std::size_t i = 0; i < codes_.size(); ++i) {
      out.push_back(e[first_code + i]);
    }
    const double baseline = v[1];
    out.push_back(baseline);
    out.push_back(e[1]);
    // The superposition prediction from this die's own baseline and per-code ops.
    std::vector<double> per_row(codes_.size());
    for (std::size_t i = 0; i < codes_.size(); ++i) {
      per_row[i] = (v[first_code + i] - baseline) / rows_;
    }
    for (int k = 0; k < kChecks; ++k) {
      const std::size_t op = first_code + codes_.size() + static_cast<std::size_t>(k);
      double predicted = baseline;
      for (int r = 0; r < rows_; ++r) {
        if (Weight(ops_[op].cell, r)) {
          predicted += Interpolate(per_row, ops_[op].codes[static_cast<std::size_t>(r)]);
        }
      }
      out.push_back(v[op] - predicted);
    }
    return out;
  }

  // Thermal noise of the shared line, analytic: each row's sampling capacitor freezes kT/C_s
  // when SMP opens and the line freezes kT/C when RST opens (charge variance kT C each, kT C_tot
  // in all, spread over C_tot: kT/C_tot), and the shared network adds kT/C_tot when the ADC
  // samples it: sigma^2 = 2 kT / C_tot, C_tot = rows c_sample + c_line + C_s, C_s the ADC's
  // sampling capacitor.
  std::vector<double> DynamicSigma(const GridPoint& p) const override {
    const double c_tot =
        rows_ * chain_.c_sample_f() + chain_.c_line_f() +
        measure::SamplingCapacitance(chain_.adc().Options(p.vdd_v, Models(recipe_)));
    const double sigma = std::sqrt(2.0 * KT(p.temp_c) / c_tot);
    std::vector<double> out(Columns().size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < codes_.size(); ++i) {
      out[i] = sigma;
    }
    out[2 * codes_.size()] = sigma;  // baseline_v
    return out;
  }

  std::string DynamicNoiseMethod() const override {
    return "apath/line_v and apath/baseline_v: analytic thermal noise sqrt(2 kT / C_tot), C_tot "
           "= rows * c_sample + c_line + the ADC's sampling capacitor from the rendered values and "
           "the grid temperature "
           "(kT/C frozen by the row sampling and the line reset, plus kT/C of the shared network "
           "when the ADC samples it); energies and checks: none";
  }

 private:
  // A per-DAC-code column: the quantity's column and "_c<code>" (the apath tables' spelling).
  static std::string PerCode(std::string_view quantity, int code) {
    return std::string(schema::ColumnOf(quantity)) + "_c" + std::to_string(code);
  }
  // Stored weight of cell `cell` in row r.
  bool Weight(int cell, int r) const {
    return (weights_[static_cast<std::size_t>(r)] >> cell) & 1u;
  }

  // Per-row step at `code`, linear between the measured codes.
  double Interpolate(const std::vector<double>& per_row, int code) const {
    const auto it = std::lower_bound(codes_.begin(), codes_.end(), code);
    const auto hi = static_cast<std::size_t>(it - codes_.begin());
    if (codes_[hi] == code) {
      return per_row[hi];
    }
    const std::size_t lo = hi - 1;
    const double f = static_cast<double>(code - codes_[lo]) / (codes_[hi] - codes_[lo]);
    return per_row[lo] + f * (per_row[hi] - per_row[lo]);
  }

  void MakeOps() {
    const int top = (1 << dac_bits_) - 1;
    std::mt19937_64 rng(kCheckSeed);
    weights_.assign(static_cast<std::size_t>(rows_), 0);
    for (int r = 0; r < rows_; ++r) {
      unsigned w = 1u;                              // cell 0: W = 1; cell 1: W = 0
      w |= (r < rows_ / 2 ? 1u : 0u) << 2;          // cell 2: first half
      w |= static_cast<unsigned>(rng() & 1u) << 3;  // cell 3: random
      w |= static_cast<unsigned>(r & 1) << 4;       // cells 4..7: idle, alternating
      w |= static_cast<unsigned>((r + 1) & 1) << 5;
      weights_[static_cast<std::size_t>(r)] = w;
    }
    const auto same = [&](int code) {
      return std::vector<int>(static_cast<std::size_t>(rows_), code);
    };
    ops_.push_back(ChainOp{.cell = 1, .codes = same(0)});    // start
    ops_.push_back(ChainOp{.cell = 1, .codes = same(top)});  // baseline
    for (int code : codes_) {
      ops_.push_back(ChainOp{.cell = 0, .codes = same(code)});
    }
    ops_.push_back(ChainOp{.cell = 2, .codes = same(top)});
    std::vector<int> random(static_cast<std::size_t>(rows_));
    for (int& c : random) {
      c = static_cast<int>(rng() % static_cast<unsigned>(top + 1));
    }
    ops_.push_back(ChainOp{.cell = 3, .codes = random});
    // A last op whose precharge restores what check 2 discharged (its read is not measured).
    ops_.push_back(ChainOp{.cell = 0, .codes = same(0)});
  }

  Recipe recipe_;
  AnalogChain chain_;
  int rows_ = 144;
  int dac_bits_ = 4;
  std::vector<int> codes_;
  double max_step_s_ = 0;
  std::vector<unsigned> weights_;  // per row: bit k = the weight cell k stores
  std::vector<ChainOp> ops_;
};

}  // namespace

std::unique_ptr<Bench> MakeApathBench(const Recipe& recipe) {
  return std::make_unique<ApathBench>(recipe);
}

}  // namespace cimchar::characterize::benches
