// Column bench: one column of the macro end to end (netlists/benches/column_chain.sp) for the
// validation of the behavioral model: the analog chain of the apath bench (the same generator,
// benches/chain.h) converted by the SAR ADC. It converts the vectors listed in `column.ops`
// (per vector and row W and the DAC code, EncodeColumnVectors), which cimchar validate builds
// from the vector sets the other column.* keys describe; each grid point of the `batch` axis
// converts up to AnalogChain::kCells of them, one per cell of every unit (the vectors' weights
// are the cells' stored bits), after a start op; the batches share the list evenly and the last
// is completed with all-zero vectors. Every Monte Carlo sample is one die.
// With column.adc_run = separate (the default) a sample is two ngspice runs: the column with the
// ADC sampling and holding but its clock low, then the ADC alone converting the line the first
// run recorded (netlists/benches/column_adc.sp; the same die's mismatch by device name); the
// codes come from the second run, the line voltages from the first. `cimchar characterize
// --decks` writes the first run's deck only.
#include <algorithm>
#include <cmath>
#include <optional>

#include "characterize/benches/chain.h"
#include "characterize/benches/common.h"
#include "characterize/benches/drivers.h"
#include "core/error.h"
#include "measure/waveform.h"

namespace cimchar::characterize::benches {
namespace {

class ColumnBench final : public Bench {
 public:
  explicit ColumnBench(const Recipe& recipe) : recipe_(recipe), chain_(recipe) {
    std::vector<std::string> keys = AnalogChain::Keys();
    for (const char* k : {"ops", "t_max_step", "adc_run", "adc_t_clk", "adc_t_clk_low_vdd"}) {
      keys.push_back(k);
    }
    // How cimchar validate builds column.ops (src/validate/vectors.h reads them).
    for (const std::string& k : ColumnSetKeys()) {
      keys.push_back(k);
    }
    CheckBenchKeys(recipe, keys);
    const auto ops = recipe.bench_keys.find("column.ops");
    if (ops == recipe.bench_keys.end() ||
        ops->second.find_first_not_of(" \t") == std::string::npos) {
      throw UsageError(
          "recipe key 'column.ops' is empty: the column converts the vectors cimchar validate "
          "builds from the tables and writes into it (run cimchar validate, with --shard K/N to "
          "spread the column over machines)");
    }
    vectors_ = DecodeColumnVectors(ops->second, chain_.rows(), chain_.dac_bits(), "column.ops");
    // One vector per cell of the units: a batch reads cells 0 .. per_batch - 1; the batches
    // share the vectors evenly, so at most batches - 1 all-zero vectors complete the last.
    const int n = static_cast<int>(vectors_.size());
    batches_ = (n + AnalogChain::kCells - 1) / AnalogChain::kCells;
    per_batch_ = (n + batches_ - 1) / batches_;
    adc_bits_ = chain_.adc().bits;
    t_clk_s_ = RangedNumber(recipe, "adc_t_clk", 1e-9, 5 * chain_.edge_s(), 1e-6, "s");
    t_clk_low_s_ = RangedNumber(recipe, "adc_t_clk_low_vdd", 4e-9, 5 * chain_.edge_s(), 1e-6, "s");
    // The integrator's largest step: clock and control edges are breakpoints and the
    // comparator's regeneration is held to the truncation-error tolerance, so the cap only
    // matters while nodes settle (tests/bench/validate/column_bench prints what it costs).
    max_step_s_ = RangedNumber(recipe, "t_max_step", 2.5e-10, 2e-11, 1e-8, "s");
    // How the ADC converts: in a second run of its own on the line the first run recorded
    // (netlists/benches/column_adc.sp; the default), or in the same circuit as the array.
    if (auto it = recipe.bench_keys.find("column.adc_run"); it != recipe.bench_keys.end()) {
      if (it->second != "separate" && it->second != "joint") {
        throw UsageError("column.adc_run must be 'separate' or 'joint', got '" + it->second + "'");
      }
      separate_ = it->second == "separate";
    }
  }

  std::string Name() const override { return "column"; }

  std::vector<BenchAxis> Axes() const override {
    std::vector<double> b;
    for (int k = 1; k <= batches_; ++k) {
      b.push_back(k);
    }
    return {{.name = "batch", .units = "1", .values = b}};
  }

  std::vector<Column> Columns() const override {
    std::vector<Column> c;
    for (int k = 0; k < per_batch_; ++k) {
      c.push_back({"code_" + std::to_string(k), "1"});
    }
    for (int k = 0; k < per_batch_; ++k) {
      c.push_back({"line_v_" + std::to_string(k), "V"});
    }
    return c;
  }

  std::vector<std::pair<std::string, std::string>> Parameters() const override {
    auto p = chain_.Parameters("column");
    p.push_back({"column.vector_count", std::to_string(vectors_.size())});
    p.push_back({"column.batches",
                 std::to_string(batches_) + " of " + std::to_string(per_batch_) + " vectors"});
    p.push_back({"column.t_max_step", netlist::FormatNumber(max_step_s_)});
    p.push_back({"column.adc_run", separate_ ? "separate" : "joint"});
    return p;
  }

  std::string Deck(const GridPoint& p, std::vector<std::filesystem::path>& inputs) const override {
    const int batch = static_cast<int>(std::lround(p.block.at(0)));
    const ChainTiming tm = Timing(p.vdd_v);
    std::vector<ChainOp> ops;
    std::vector<unsigned> weights;
    Ops(batch, ops, weights);
    netlist::Bindings b;
    b.Set("vdd", p.vdd_v).Set("temp", p.temp_c);
    chain_.Bind(b, p.vdd_v, tm, ops, weights, Models(recipe_));
    // Separate: the ADC samples and holds here (its clock low) and converts in the second run,
    // whose files belong to the run's provenance too.
    b.SetText("clk", separate_ ? "0" : AdcClock(p.vdd_v, tm, ops.size()));
    if (separate_) {
      SecondDeck(p, "dc 0", inputs);
    }
    return RenderBenchFile(recipe_, "benches/column_chain.sp", p.corner, b, inputs);
  }

  std::optional<Run> FollowUp(const GridPoint& p, const spice::RunResult& first) const override {
    if (!separate_) {
      return std::nullopt;
    }
    // The recorded line, every time point of the first run (five per source line).
    const auto t = Vec(first, "time");
    const auto line = Vec(first, "v(line)");
    std::string pwl = "pwl(";
    for (std::size_t k = 0; k < t.size(); ++k) {
      pwl += (k == 0       ? ""
              : k % 5 == 0 ? "\n+ "
                           : " ") +
             netlist::FormatNumber(t[k]) + " " + netlist::FormatNumber(line[k]);
    }
    std::vector<std::filesystem::path> inputs;
    Run run{.deck = SecondDeck(p, pwl + ")", inputs), .analysis = Analysis(p), .vectors = {"time"}};
    for (int k = 0; k < adc_bits_; ++k) {
      run.vectors.push_back("v(b" + std::to_string(k) + ")");
    }
    return run;
  }

  std::vector<std::string> Analysis(const GridPoint& p) const override {
    const ChainTiming tm = Timing(p.vdd_v);
    const double t_stop = tm.Period() * (per_batch_ + 1);
    // The ADC decides on clock edges: resolve them as the ADC bench does (20 ps).
    return {"tran 2e-11 " + netlist::FormatNumber(t_stop) + " 0 " +
            netlist::FormatNumber(max_step_s_) + " uic"};
  }

  std::vector<std::string> Vectors(const GridPoint& /*p*/) const override {
    std::vector<std::string> v = {"time", "v(line)"};
    for (int b = 0; b < adc_bits_ && !separate_; ++b) {
      v.push_back("v(b" + std::to_string(b) + ")");
    }
    return v;
  }

  std::vector<double> Measure(const GridPoint& p, const spice::RunResult& run) const override {
    if (separate_) {
      throw Error("the column converts in a second run (column.adc_run = separate)");
    }
    return Values(p, run, run);
  }

  std::vector<double> MeasureRuns(const GridPoint& p,
                                  const spice::RunResult& first,
                                  const spice::RunResult& second) const override {
    return Values(p, second, first);
  }

 private:
  // The codes from the run that converted, the held line voltages from the run with the array.
  std::vector<double> Values(const GridPoint& p,
                             const spice::RunResult& adc,
                             const spice::RunResult& array) const {
    const ChainTiming tm = Timing(p.vdd_v);
    const auto t_adc = Vec(adc, "time");
    const auto t = Vec(array, "time");
    const auto line = Vec(array, "v(line)");
    std::vector<double> codes, lines;
    for (int k = 0; k < per_batch_; ++k) {
      const double t0 = (k + 1) * tm.Period();
      std::vector<double> levels;
      for (int b = 0; b < adc_bits_; ++b) {
        levels.push_back(measure::ValueAt(t_adc, Vec(adc, "v(b" + std::to_string(b) + ")"),
                                          t0 + tm.Period() - 0.25 * Clk(p.vdd_v)));
      }
      codes.push_back(static_cast<double>(measure::CodeFromLevels(levels, p.vdd_v / 2)));
      const double hold = t0 + tm.ShareOff() - 2 * tm.edge;
      lines.push_back(measure::MeanOver(t, line, hold - 2 * tm.edge, hold));
    }
    codes.insert(codes.end(), lines.begin(), lines.end());
    return codes;
  }

  // The second run's deck: the ADC converting `line` (a source value).
  std::string SecondDeck(const GridPoint& p,
                         const std::string& line,
                         std::vector<std::filesystem::path>& inputs) const {
    const ChainTiming tm = Timing(p.vdd_v);
    const std::size_t ops = static_cast<std::size_t>(per_batch_) + 1;
    netlist::Bindings b;
    b.Set("vdd", p.vdd_v).Set("temp", p.temp_c).SetText("line", line);
    chain_.BindAdc(b, p.vdd_v, tm, ops, Models(recipe_));
    b.SetText("clk", AdcClock(p.vdd_v, tm, ops));
    return RenderBenchFile(recipe_, "benches/column_adc.sp", p.corner, b, inputs);
  }

  double Clk(double vdd) const {
    return vdd < 0.8 && recipe_.bench_keys.count("column.adc_t_clk") == 0 ? t_clk_low_s_ : t_clk_s_;
  }

  ChainTiming Timing(double vdd) const { return chain_.TimingAt(vdd, (adc_bits_ + 1) * Clk(vdd)); }

  // The start op (not measured) and the batch's vectors, one per cell; past the list's end, an
  // all-zero vector (every row W = 0 at code 0).
  void Ops(int batch, std::vector<ChainOp>& ops, std::vector<unsigned>& weights) const {
    const std::size_t rows = static_cast<std::size_t>(chain_.rows());
    weights.assign(rows, 0u);
    ops.push_back({.cell = 0, .codes = std::vector<int>(rows, 0)});
    for (int k = 0; k < per_batch_; ++k) {
      const std::size_t index = static_cast<std::size_t>((batch - 1) * per_batch_ + k);
      if (index >= vectors_.size()) {
        ops.push_back({.cell = k, .codes = std::vector<int>(rows, 0)});
        continue;
      }
      const ColumnVector& v = vectors_[index];
      for (std::size_t r = 0; r < rows; ++r) {
        weights[r] |= static_cast<unsigned>(v.weight[r]) << k;
      }
      ops.push_back({.cell = k, .codes = v.code});
    }
  }

  // CLK: `bits` pulses after SH falls, rising at (j + 1/2) t_clk and falling at (j + 1) t_clk.
  std::string AdcClock(double vdd, const ChainTiming& tm, std::size_t ops) const {
    const double clk = Clk(vdd);
    std::vector<std::pair<double, double>> pts = {{0.0, 0.0}};
    for (std::size_t k = 0; k < ops; ++k) {
      const double t0 = static_cast<double>(k) * tm.Period() + tm.ShareOff();
      for (int j = 0; j < adc_bits_; ++j) {
        pts.push_back({t0 + (j + 0.5) * clk, 0.0});
        pts.push_back({t0 + (j + 0.5) * clk + tm.edge, vdd});
        pts.push_back({t0 + (j + 1.0) * clk, vdd});
        pts.push_back({t0 + (j + 1.0) * clk + tm.edge, 0.0});
      }
    }
    return Pwl(pts);
  }

  Recipe recipe_;
  AnalogChain chain_;
  std::vector<ColumnVector> vectors_;
  int per_batch_ = 1;
  int batches_ = 1;
  int adc_bits_ = 3;
  double t_clk_s_ = 0, t_clk_low_s_ = 0, max_step_s_ = 0;
  bool separate_ = true;
};

}  // namespace

std::unique_ptr<Bench> MakeColumnBench(const Recipe& recipe) {
  return std::make_unique<ColumnBench>(recipe);
}

}  // namespace cimchar::characterize::benches
