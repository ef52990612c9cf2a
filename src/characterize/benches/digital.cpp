// Digital-energy benches: what a hybrid MAC unit spends outside the analog path, measured at
// transistor level (characterization/README.md defines every quantity, its activity axis and how
// a model computes the activity from bit planes). Two benches, one transient per Monte Carlo
// sample each, every part on a supply of its own:
//
// adder_tree  the popcount of the `rows` D_MULT outputs of a column (measure::MakeAdderTree,
//             Wallace by default) with its output register (one flip-flop per bit, each driving
//             one full-adder input), its inputs from ideal sources that are 1 in the evaluation
//             phase for the rows whose product is 1 and 0 in the precharge phase, as D_MULT
//             outputs are: adder_tree/energy_j over `ones` = the fraction of the inputs that are
//             1; every sum is checked exact; adder_tree/delay_s; adder_tree/leakage_*.
//             (Alone in its deck: it is most of the transistors, and every other block's edges
//             would cost it time steps.)
// digital     the accumulator (measure::MakeAccumulator, `acc_bits` bits) fed by ideal operand
//             sources: digital/accumulator_energy_j over `toggles` = the fraction of its register
//             bits that change, every result checked; nine D_MULTs, one per (w_activity,
//             a_activity) in {0, 1/2, 1}^2, each driving one full-adder input:
//             digital/dmult_energy_j; one row of `columns` HCIMA units (netlists/cells/
//             hcima_split.sp) with line drivers (netlists/blocks/line_driver.sp) for its 8 DWL, 8
//             AWL, GBLB (DIN) and PCHB, each line with the wire `c_row`: precharge/{lbl,lblb}_
//             energy_j per discharged line, precharge/row_cycle_energy_j, wordline/{dwl,awl}_
//             energy_j per pulse, din/toggle_energy_j per GBLB toggle; leakage/{row,accumulator}_*.
//
// Timeline (T = t_cycle, te = t_edge): an idle window of T/2 (leakage: every supply's power
// over [T/8, T/2 - 3 te]), then `activity.size() * evaluations` cycles, each a precharge phase
// (PCHB low; the D_MULT outputs 0, their LBLB inputs high; GBLB changes 2 te in) and an
// evaluation phase (PCHB high; word lines high from 2 te in to 6 te before the end; the LBLB of
// rows whose weight bit is 1 falls, and the D_MULT outputs whose product is 1 rise, 2 te in).
// The registers' clock rises 8 te before the end of a cycle and falls a quarter cycle into the
// next; the accumulator's operand changes 2 te before the end. Every energy is a supply's
// charge times VDD over its window minus the idle power over the same time (leakage is reported
// apart).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <numeric>
#include <random>

#include "calib/schema.h"
#include "characterize/benches/common.h"
#include "characterize/benches/drivers.h"
#include "core/error.h"
#include "measure/digital_netlists.h"
#include "measure/waveform.h"

namespace cimchar::characterize::benches {
namespace {

namespace schema = calib::schema;

constexpr const char* kDeck =
    R"(* {{title}}
{{models}}
.include ../blocks/full_adder.sp
.include ../blocks/half_adder.sp
.include ../blocks/dff.sp
.include ../blocks/line_driver.sp
{{includes}}
{{subckts}}
.options chgtol={{chgtol}}
.temp {{temp}}
{{body}}
.end
)";

// Fixed seed of the input patterns (part of the benches' definition: a deck is the same for
// every sample and grid point).
constexpr std::uint32_t kPatternSeed = 20240607;
// Charge tolerance of ngspice's time-step control. The default (1e-14 C) exceeds the charge of
// a femtofarad logic node, so the step grew across edges and the supply charge came out 3.5 %
// low on a 48-input tree; 3e-16 C is within 0.3 % of a run with reltol 1e-6 and 5 ps steps.
constexpr double kChargeTolerance = 3e-16;

std::string N(double v) { return netlist::FormatNumber(v); }

// Least-squares line y = a + b x; returns {a, b}.
std::pair<double, double> FitLine(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  const double b = sxy / sxx;
  return {my - b * mx, b};
}

// Control cards over several lines: "<card> e1 e2 ...", six entries a line.
std::string Cards(const std::string& card, const std::vector<std::string>& entries) {
  std::string s;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    s += (i % 6 == 0 ? (i ? "\n" : "") + card : "") + " " + entries[i];
  }
  return entries.empty() ? s : s + "\n";
}

// A random subset of `count` out of 0 .. n-1 (a Fisher-Yates shuffle of the fixed-seed
// mt19937, whose output sequence is standardised), as a 0/1 vector.
std::vector<int> Draw(std::mt19937& rng, int n, int count) {
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  for (std::size_t i = order.size() - 1; i > 0; --i) {
    std::swap(order[i], order[rng() % (i + 1)]);
  }
  std::vector<int> out(static_cast<std::size_t>(n), 0);
  for (int i = 0; i < count; ++i) {
    out[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = 1;
  }
  return out;
}

// What both benches share: the recipe keys of the timeline, the activity list and the cycles,
// stimulus helpers, and the measurement of a supply's energy against its idle power.
class DigitalTimeline : public Bench {
 public:
  std::vector<BenchAxis> Axes() const override { return {}; }
  std::string DynamicNoiseMethod() const override { return "none (energies)"; }

  std::vector<std::string> Analysis(const GridPoint& /*p*/) const override {
    // Steps of at most 10 te between edges (the charge tolerance controls them near edges).
    return {"tran " + N(t_edge_s_ / 5) + " " + N(StopTime()) + " 0 " + N(10 * t_edge_s_)};
  }

 protected:
  // Reads t_edge, t_cycle and c_wire; the derived bench sets cycles_.
  explicit DigitalTimeline(const Recipe& recipe) : recipe_(recipe) {
    t_edge_s_ = RangedNumber(recipe, "t_edge", 50e-12, 1e-12, 1e-9, "s");
    t_cycle_s_ = RangedNumber(recipe, "t_cycle", 8e-9, 40 * t_edge_s_, 1e-5, "s");
    c_wire_f_ = RangedNumber(recipe, "c_wire", 0.25e-15, 0.0, 1e-12, "F");
  }

  // The recipe's `activity` list: at least two values in [0, 1], each above the one before by
  // at least 1/units (the values are realized as counts k/units, returned).
  std::vector<int> ActivityCounts(int units) const {
    const std::string key = "'" + recipe_.bench + ".activity'";
    const std::vector<double> asked =
        BenchNumbers(recipe_, "activity", {0.0, 0.25, 0.5, 0.75, 1.0});
    std::vector<int> counts;
    for (double a : asked) {
      if (!(a >= 0.0 && a <= 1.0)) {
        throw UsageError("recipe key " + key + " has " + N(a) + ", outside [0, 1]");
      }
      const int k = static_cast<int>(std::lround(a * units));
      if (!counts.empty() && k <= counts.back()) {
        throw UsageError("recipe key " + key + " must increase by at least 1/" +
                         std::to_string(units) + " from entry to entry");
      }
      counts.push_back(k);
    }
    if (counts.size() < 2) {
      throw UsageError("recipe key " + key + " needs at least two values");
    }
    return counts;
  }

  double IdleEnd() const { return t_cycle_s_ / 2; }
  double CycleStart(int c) const { return IdleEnd() + c * t_cycle_s_; }
  // Half a cycle after the last: the last evaluation window ends there (+ 4 te of margin).
  double StopTime() const { return CycleStart(cycles_) + t_cycle_s_ / 2 + 4 * t_edge_s_; }
  // Window of cycle c's evaluation: from its evaluation phase to the next one (the return to 0
  // of the D_MULT outputs and the lines happens in the next precharge phase).
  double EvalStart(int c) const { return CycleStart(c) + t_cycle_s_ / 2; }

  // PWL helper: `from` until t, then `to` after an edge of te.
  void Step(std::vector<std::pair<double, double>>& pts, double t, double from, double to) const {
    if (from != to) {
      pts.insert(pts.end(), {{t, from}, {t + t_edge_s_, to}});
    }
  }

  // A node that is `rest` in the precharge phase and changes 2 te into the evaluation phase of
  // the cycles with bits[c] = 1, back at the next precharge: a D_MULT output (rest 0) or its
  // LBLB input (rest VDD, falls for a weight bit of 1).
  std::string Evaluation(const std::vector<int>& bits, double vd, bool rest_high) const {
    const double rest = rest_high ? vd : 0.0, active = rest_high ? 0.0 : vd;
    std::vector<std::pair<double, double>> pts = {{0.0, rest}};
    for (int c = 0; c < cycles_; ++c) {
      if (bits[static_cast<std::size_t>(c)] != 0) {
        Step(pts, EvalStart(c) + 2 * t_edge_s_, rest, active);
        Step(pts, CycleStart(c + 1), active, rest);
      }
    }
    return Pwl(pts);
  }

  // A level per cycle (1 = VDD), changing `at` into each cycle (cycle 0 from t = 0).
  std::string Levels(const std::vector<int>& level, double vd, double at) const {
    std::vector<std::pair<double, double>> pts = {{0.0, level.front() ? vd : 0.0}};
    for (int c = 1; c < cycles_; ++c) {
      Step(pts, CycleStart(c) + at, level[static_cast<std::size_t>(c - 1)] ? vd : 0.0,
           level[static_cast<std::size_t>(c)] ? vd : 0.0);
    }
    return Pwl(pts);
  }

  // The registers' clock: rises 8 te before the end of each cycle, falls a quarter cycle into
  // the next.
  std::string Clock(double vd) const {
    std::vector<std::pair<double, double>> ck = {{0.0, 0.0}};
    for (int c = 0; c < cycles_; ++c) {
      Step(ck, CycleStart(c + 1) - 8 * t_edge_s_, 0.0, vd);
      Step(ck, CycleStart(c + 1) + t_cycle_s_ / 4, vd, 0.0);
    }
    return Pwl(ck);
  }

  std::string Render(const GridPoint& p,
                     const std::string& title,
                     const std::string& includes,
                     const std::string& subckts,
                     const std::string& body,
                     std::vector<std::filesystem::path>& inputs,
                     netlist::Bindings b = {}) const {
    b.SetText("title", title).SetText("includes", includes).SetText("subckts", subckts);
    b.SetText("body", body).Set("temp", p.temp_c).Set("chgtol", kChargeTolerance);
    return RenderBenchText(recipe_, kDeck, title + " (src/characterize/benches/digital.cpp)",
                           p.corner, b, inputs);
  }

  // Energy a supply (ideal source `name`) delivers over [t0, t1] minus its idle power over the
  // same time; the idle power over the window before the first cycle.
  struct Supply {
    std::span<const double> t, i;
    double vdd = 0, idle_w = 0;
    double Dynamic(double t0, double t1) const {
      return measure::SupplyEnergy(t, vdd, i, t0, t1) - idle_w * (t1 - t0);
    }
  };
  Supply Source(const spice::RunResult& run, const std::string& name, double vdd) const {
    Supply s{.t = Vec(run, "time"), .i = Vec(run, "i(" + name + ")"), .vdd = vdd};
    const double t0 = t_cycle_s_ / 8, t1 = IdleEnd() - 3 * t_edge_s_;
    s.idle_w = measure::SupplyEnergy(s.t, vdd, s.i, t0, t1) / (t1 - t0);
    return s;
  }

  // The binary number on nodes <prefix>0 .. at `at`.
  static std::uint64_t Code(
      const spice::RunResult& run, const std::string& prefix, int bits, double at, double vdd) {
    const auto t = Vec(run, "time");
    std::vector<double> levels;
    for (int k = 0; k < bits; ++k) {
      levels.push_back(measure::ValueAt(t, Vec(run, "v(" + prefix + std::to_string(k) + ")"),
                                        std::min(at, t.back())));
    }
    return static_cast<std::uint64_t>(measure::CodeFromLevels(levels, vdd / 2));
  }

  Recipe recipe_;
  int cycles_ = 0;
  double t_cycle_s_ = 0, t_edge_s_ = 0, c_wire_f_ = 0;
};

// ---------------------------------------------------------------------------------------------

class AdderTreeBench final : public DigitalTimeline {
 public:
  explicit AdderTreeBench(const Recipe& recipe) : DigitalTimeline(recipe) {
    CheckBenchKeys(recipe,
                   {"rows", "tree", "activity", "evaluations", "t_cycle", "t_edge", "c_wire"});
    rows_ = RangedInt(recipe, "rows", 144, 2, 4096);
    evaluations_ = RangedInt(recipe, "evaluations", 1, 1, 64);
    ones_ = ActivityCounts(rows_);
    cycles_ = static_cast<int>(ones_.size()) * evaluations_;
    auto it = recipe.bench_keys.find("adder_tree.tree");
    structure_ =
        measure::ParseAdderTreeStructure(it == recipe.bench_keys.end() ? "wallace" : it->second);
    tree_ = measure::MakeAdderTree(rows_, structure_);
    std::mt19937 rng(kPatternSeed);
    for (int c = 0; c < cycles_; ++c) {
      const int ones = ones_[static_cast<std::size_t>(c / evaluations_)];
      inputs_.push_back(Draw(rng, rows_, ones));
      sums_.push_back(ones);
    }
  }

  std::string Name() const override { return "adder_tree"; }

  std::vector<std::pair<std::string, std::string>> Parameters() const override {
    return {
        {std::string(schema::kAdderTreeRowsKey), std::to_string(rows_)},
        {std::string(schema::kAdderTreeStructureKey), measure::AdderTreeStructureName(structure_)}};
  }

  std::vector<Column> Columns() const override {
    std::vector<Column> c;
    for (std::size_t s = 0; s < ones_.size(); ++s) {
      c.push_back({"energy_j_" + std::to_string(s), "J"});
    }
    for (const auto& [name, units] : Scalars()) {
      c.push_back({name.substr(name.find('/') + 1), units});
    }
    return c;
  }

  std::vector<lut::ReduceRequest> Quantities() const override {
    lut::ReduceRequest energy{.quantity = std::string(schema::kAdderTreeEnergy), .units = "J"};
    std::vector<double> axis;
    for (std::size_t s = 0; s < ones_.size(); ++s) {
      energy.columns.push_back("energy_j_" + std::to_string(s));
      axis.push_back(static_cast<double>(ones_[s]) / rows_);
    }
    energy.column_axis = lut::Axis::Numeric(std::string(schema::kOnesAxis), "1", axis);
    std::vector<lut::ReduceRequest> out = {energy};
    for (const auto& [name, units] : Scalars()) {
      out.push_back(
          {.quantity = name, .units = units, .columns = {name.substr(name.find('/') + 1)}});
    }
    return out;
  }

  // The single-valued quantities, in Measure()'s order: name, units.
  static std::vector<std::pair<std::string, std::string>> Scalars() {
    const auto q = [](std::string_view name, const char* units) {
      return std::pair{std::string(name), std::string(units)};
    };
    return {q(schema::kAdderTreeDelay, "s"), q(schema::kAdderTreeLeakage, "W"),
            q(schema::kAdderTreeLeakageCycle, "J"), q(schema::kAdderTreeCycle, "s")};
  }

  std::vector<std::string> ProvenanceNotes() const override {
    return {"adder tree: " + measure::AdderTreeStructureName(structure_) + ", " +
            std::to_string(rows_) + " inputs, " + std::to_string(tree_.full_adders) + " full + " +
            std::to_string(tree_.half_adders) + " half adders, " +
            std::to_string(tree_.output_bits) + " output bits, " + std::to_string(tree_.depth) +
            " cells deep; output register of " + std::to_string(tree_.output_bits) +
            " flip-flops; inputs from ideal sources (their gate charge is the D_MULTs')"};
  }

  std::string Deck(const GridPoint& p, std::vector<std::filesystem::path>& inputs) const override {
    const double vd = p.vdd_v;
    const std::string v = N(vd);
    std::string s =
        "vtree vtree 0 " + v + "\nvload vload 0 " + v + "\nvck ck 0 " + Clock(vd) + "\n";
    std::string inst = "xt";
    for (int r = 0; r < rows_; ++r) {
      std::vector<int> product;
      for (int c = 0; c < cycles_; ++c) {
        product.push_back(inputs_[static_cast<std::size_t>(c)][static_cast<std::size_t>(r)]);
      }
      const std::string rs = std::to_string(r);
      s += "vdt" + rs + " dt" + rs + " 0 " + Evaluation(product, vd, false) + "\n";
      inst += (r % 16 == 0 ? "\n+" : "") + std::string(" dt") + rs;
    }
    inst += "\n+";
    for (int k = 0; k < tree_.output_bits; ++k) {
      inst += " ts" + std::to_string(k);
    }
    s += inst + " vtree 0 " + tree_.name + "\nxckt ck clkt vtree 0 line_driver\n";
    std::vector<std::string> guess = {"v(xckt.inb)=" + v, "v(clkt)=0"}, latch;
    for (const auto& n : tree_.zero_state) {
      guess.push_back("v(xt." + n.node + ")=" + (n.value ? v : "0"));
    }
    // Register: each bit drives one full-adder input (the accumulator's) and c_wire.
    for (int k = 0; k < tree_.output_bits; ++k) {
      const std::string ks = std::to_string(k), ff = "xq" + ks;
      s += ff + " ts" + ks + " clkt tq" + ks + " vtree 0 dff\n";
      s += "cwq" + ks + " tq" + ks + " 0 " + N(c_wire_f_) + "\n";
      s += "xlq" + ks + " tq" + ks + " 0 0 lqs" + ks + " lqc" + ks + " vload 0 full_adder\n";
      guess.insert(guess.end(),
                   {"v(ts" + ks + ")=0", "v(" + ff + ".m)=0", "v(" + ff + ".mf)=0",
                    "v(" + ff + ".mb)=" + v, "v(" + ff + ".clkb)=" + v, "v(xlq" + ks + ".cob)=" + v,
                    "v(xlq" + ks + ".sb)=" + v, "v(lqs" + ks + ")=0", "v(lqc" + ks + ")=0"});
      latch.insert(latch.end(),
                   {"v(tq" + ks + ")=0", "v(" + ff + ".s)=" + v, "v(" + ff + ".sf)=" + v});
    }
    s += Cards(".nodeset", guess) + Cards(".ic", latch);
    return Render(p, "adder_tree bench: " + tree_.name + " with its output register", "",
                  tree_.subckt, s, inputs);
  }

  std::vector<std::string> Vectors(const GridPoint& /*p*/) const override {
    std::vector<std::string> v = {"time", "i(vtree)"};
    for (int k = 0; k < tree_.output_bits; ++k) {
      v.push_back("v(ts" + std::to_string(k) + ")");
      v.push_back("v(tq" + std::to_string(k) + ")");
    }
    return v;
  }

  std::vector<double> Measure(const GridPoint& p, const spice::RunResult& run) const override {
    for (int c = 0; c < cycles_; ++c) {
      // The register holds cycle c's sum through cycle c+1.
      const auto sum = Code(run, "tq", tree_.output_bits, EvalStart(c + 1) - t_edge_s_, p.vdd_v);
      if (sum != static_cast<std::uint64_t>(sums_[static_cast<std::size_t>(c)])) {
        throw Error("adder-tree sum is " + std::to_string(sum) + " after cycle " +
                    std::to_string(c) + ", expected " +
                    std::to_string(sums_[static_cast<std::size_t>(c)]) +
                    " (raise adder_tree.t_cycle)");
      }
    }
    const Supply tree = Source(run, "vtree", p.vdd_v);
    std::vector<double> out;
    for (std::size_t s = 0; s < ones_.size(); ++s) {
      double sum = 0;
      for (int e = 0; e < evaluations_; ++e) {
        const int c = static_cast<int>(s) * evaluations_ + e;
        sum += tree.Dynamic(EvalStart(c), EvalStart(c + 1));
      }
      out.push_back(sum / evaluations_);
    }
    out.insert(out.end(), {Delay(p, run), tree.idle_w, tree.idle_w * t_cycle_s_, t_cycle_s_});
    return out;
  }

 private:
  // Longest time from the inputs' rise (its mid-point) to the last VDD/2 crossing of any tree
  // output in the same evaluation phase, over all cycles.
  double Delay(const GridPoint& p, const spice::RunResult& run) const {
    const auto t = Vec(run, "time");
    double worst = 0;
    for (int k = 0; k < tree_.output_bits; ++k) {
      const auto crossings =
          measure::Crossings(t, Vec(run, "v(ts" + std::to_string(k) + ")"), p.vdd_v / 2);
      for (int c = 0; c < cycles_; ++c) {
        const double start = EvalStart(c) + 2.5 * t_edge_s_;
        for (double x : crossings) {
          if (x > start && x < CycleStart(c + 1)) {
            worst = std::max(worst, x - start);
          }
        }
      }
    }
    return worst;
  }

  int rows_ = 144, evaluations_ = 1;
  std::vector<int> ones_;  // inputs at 1 per activity entry
  measure::AdderTreeStructure structure_ = measure::AdderTreeStructure::kWallace;
  measure::AdderTree tree_;
  std::vector<std::vector<int>> inputs_;  // [cycle][row]
  std::vector<int> sums_;                 // [cycle]
};

// ---------------------------------------------------------------------------------------------

// Word lines: the cells of bit k of the row's units store W = 1 in the first Ones(k) units. The
// cycles read DWL kDwl[c % 8] (LBLB falls in Ones(d) units) and AWL kAwl[c % 8] (LBL falls in
// columns - Ones(a) units): counts of discharged lines spread over the range, not collinear.
constexpr int kDwl[8] = {7, 1, 0, 6, 3, 5, 2, 4};
constexpr int kAwl[8] = {6, 0, 7, 1, 4, 2, 5, 3};
constexpr int kCellsPerUnit = 8;
// D_MULT grid: w_activity and a_activity in {0, 1/2, 1}; patterns repeat every 4 cycles.
constexpr int kDmultLevels = 3;
constexpr int kDmultBlock = 4;

class DigitalBench final : public DigitalTimeline {
 public:
  explicit DigitalBench(const Recipe& recipe) : DigitalTimeline(recipe) {
    CheckBenchKeys(recipe, {"columns", "acc_bits", "operand_bits", "activity", "cycles", "t_cycle",
                            "t_edge", "c_wire", "c_row", "c_lbl", "c_sample"});
    acc_bits_ = RangedInt(recipe, "acc_bits", 24, 2, 62);
    operand_bits_ = RangedInt(recipe, "operand_bits", 8, 1, acc_bits_);
    for (int k : ActivityCounts(acc_bits_)) {
      toggles_grid_.push_back(static_cast<double>(k) / acc_bits_);
    }
    cycles_ = RangedInt(recipe, "cycles", 8, kDmultBlock, 64);
    columns_ = RangedInt(recipe, "columns", 8, 1, 64);
    c_row_f_ = RangedNumber(recipe, "c_row", 20e-15, 0.0, 1e-11, "F");
    c_lbl_f_ = RangedNumber(recipe, "c_lbl", 1.5e-15, 0.0, 1e-12, "F");
    c_sample_f_ = RangedNumber(recipe, "c_sample", 2e-15, 1e-17, 1e-12, "F");
    accumulator_ = measure::MakeAccumulator(acc_bits_, Models(recipe));
    MakePatterns();
  }

  std::string Name() const override { return "digital"; }

  std::vector<std::pair<std::string, std::string>> Parameters() const override {
    return {{std::string(schema::kDigitalAccBitsKey), std::to_string(acc_bits_)},
            {std::string(schema::kDigitalColumnsKey), std::to_string(columns_)}};
  }

  std::vector<Column> Columns() const override {
    std::vector<Column> c;
    for (std::size_t s = 0; s < toggles_grid_.size(); ++s) {
      c.push_back({"accumulator_energy_j_" + std::to_string(s), "J"});
    }
    for (int w = 0; w < kDmultLevels; ++w) {
      for (int a = 0; a < kDmultLevels; ++a) {
        c.push_back({"dmult_energy_j_" + std::to_string(w) + "_" + std::to_string(a), "J"});
      }
    }
    for (const auto& [name, units] : Scalars()) {
      c.push_back({name.substr(name.find('/') + 1), units});
    }
    return c;
  }

  std::vector<lut::ReduceRequest> Quantities() const override {
    lut::ReduceRequest acc{.quantity = std::string(schema::kDigitalAccumulatorEnergy),
                           .units = "J"};
    lut::ReduceRequest dmult{.quantity = std::string(schema::kDigitalDmultEnergy), .units = "J"};
    for (std::size_t s = 0; s < toggles_grid_.size(); ++s) {
      acc.columns.push_back("accumulator_energy_j_" + std::to_string(s));
    }
    std::vector<double> levels;
    for (int w = 0; w < kDmultLevels; ++w) {
      levels.push_back(static_cast<double>(w) / (kDmultLevels - 1));
      for (int a = 0; a < kDmultLevels; ++a) {
        dmult.columns.push_back("dmult_energy_j_" + std::to_string(w) + "_" + std::to_string(a));
      }
    }
    acc.column_axis = lut::Axis::Numeric(std::string(schema::kTogglesAxis), "1", toggles_grid_);
    dmult.column_axis = lut::Axis::Numeric(std::string(schema::kWActivityAxis), "1", levels);
    dmult.inner_axis = lut::Axis::Numeric(std::string(schema::kAActivityAxis), "1", levels);
    std::vector<lut::ReduceRequest> out = {acc, dmult};
    for (const auto& [name, units] : Scalars()) {
      out.push_back(
          {.quantity = name, .units = units, .columns = {name.substr(name.find('/') + 1)}});
    }
    return out;
  }

  std::vector<std::string> ProvenanceNotes() const override {
    const auto [lo, hi] = std::minmax_element(toggles_.begin() + 1, toggles_.end());
    return {"accumulator: " + std::to_string(acc_bits_) +
                " bits: register of D flip-flops, shift-by-one multiplexer, ripple-carry adder; "
                "operands of " +
                std::to_string(operand_bits_) +
                " bits from ideal sources; digital/accumulator_energy_j is the line fitted to " +
                std::to_string(cycles_ - 1) + " accumulations with register toggles " + N(*lo) +
                " .. " + N(*hi) + " (beyond them the line is extended)",
            "row: " + std::to_string(columns_) +
                " HCIMA units; DWL, AWL, GBLB, PCHB each through a line_driver with c_row",
            "composed, not measured here: the N/Q unit and the OSE decision logic; the analog "
            "input drivers and DAC on GBL (dac.ini); A_MULT and line (apath.ini); ADC (adc.ini)"};
  }

  std::string Deck(const GridPoint& p, std::vector<std::filesystem::path>& inputs) const override {
    netlist::Bindings b;
    b.Set("c_sample", c_sample_f_).Set("c_lbl", c_lbl_f_);
    return Render(p, "digital bench: accumulator, D_MULT, one HCIMA row with its drivers",
                  ".include ../cells/hcima_split.sp", accumulator_.subckt, Body(p.vdd_v), inputs,
                  b);
  }

  std::vector<std::string> Vectors(const GridPoint& /*p*/) const override {
    std::vector<std::string> v = {"time"};
    for (const auto& s : Supplies()) {
      v.push_back("i(" + s + ")");
    }
    for (int k = 0; k < acc_bits_; ++k) {
      v.push_back("v(aq" + std::to_string(k) + ")");
    }
    for (int g = 0; g < kDmultLevels * kDmultLevels; ++g) {
      v.push_back("v(dmo" + std::to_string(g) + ")");
    }
    for (int u = 0; u < columns_; ++u) {
      v.push_back("v(xr" + std::to_string(u) + ".lbl)");
      v.push_back("v(xr" + std::to_string(u) + ".lblb)");
    }
    return v;
  }

  std::vector<double> Measure(const GridPoint& p, const spice::RunResult& run) const override {
    CheckLogic(p, run);
    const double vd = p.vdd_v, te = t_edge_s_;
    std::map<std::string, Supply> supply;
    for (const auto& s : Supplies()) {
      supply.emplace(s, Source(run, s, vd));
    }
    std::vector<double> out;
    // Accumulation k: from its operand's arrival to the next operand's. The first loads the
    // register's start value and is not used; a line through the others' energies against
    // their register toggles gives the table.
    std::vector<double> acc_e(toggles_.begin() + 1, toggles_.end());
    for (int k = 1; k < cycles_; ++k) {
      acc_e[static_cast<std::size_t>(k - 1)] =
          supply.at("vacc").Dynamic(CycleStart(k) - 2 * te, CycleStart(k + 1) - 2 * te);
    }
    const auto [acc0, acc1] =
        FitLine(std::vector<double>(toggles_.begin() + 1, toggles_.end()), acc_e);
    for (double x : toggles_grid_) {
      out.push_back(acc0 + acc1 * x);
    }
    const int dmult_cycles = cycles_ / kDmultBlock * kDmultBlock;
    for (int g = 0; g < kDmultLevels * kDmultLevels; ++g) {
      out.push_back(
          supply.at("vdm" + std::to_string(g)).Dynamic(EvalStart(0), EvalStart(dmult_cycles)) /
          dmult_cycles);
    }
    // Row: per-cycle energies of the LBL and LBLB precharge supplies against the number of
    // lines discharged in the cycle; the intercepts, the cells' supply and the PCHB driver are
    // the per-cycle base.
    std::vector<double> n_lbl, n_lblb, e_lbl, e_lblb;
    for (int c = 0; c < cycles_; ++c) {
      n_lbl.push_back(columns_ - Ones(kAwl[c % 8]));
      n_lblb.push_back(Ones(kDwl[c % 8]));
      e_lbl.push_back(supply.at("vlbl").Dynamic(EvalStart(c), EvalStart(c + 1)));
      e_lblb.push_back(supply.at("vlblb").Dynamic(EvalStart(c), EvalStart(c + 1)));
    }
    const auto all = [&](const char* s) {
      return supply.at(s).Dynamic(EvalStart(0), EvalStart(cycles_)) / cycles_;
    };
    const auto [lbl0, lbl] = FitLine(n_lbl, e_lbl);
    const auto [lblb0, lblb] = FitLine(n_lblb, e_lblb);
    const double row_w = std::accumulate(
        RowSupplies().begin(), RowSupplies().end(), 0.0,
        [&](double sum, const std::string& s) { return sum + supply.at(s).idle_w; });
    const double acc_w = supply.at("vacc").idle_w;
    // In Scalars() order.
    out.insert(out.end(),
               {lbl, lblb, all("vpch") + all("vcell") + lbl0 + lblb0, all("vdwl"), all("vawl"),
                supply.at("vdin").Dynamic(EvalStart(0), EvalStart(DinToggles())) / DinToggles(),
                row_w, row_w * t_cycle_s_, acc_w, acc_w * t_cycle_s_, t_cycle_s_});
    return out;
  }

 private:
  // The single-valued quantities, in Measure()'s order: name, units.
  static std::vector<std::pair<std::string, std::string>> Scalars() {
    const auto q = [](std::string_view name, const char* units) {
      return std::pair{std::string(name), std::string(units)};
    };
    return {q(schema::kPrechargeLbl, "J"),       q(schema::kPrechargeLblb, "J"),
            q(schema::kPrechargeRowCycle, "J"),  q(schema::kWordlineDwl, "J"),
            q(schema::kWordlineAwl, "J"),        q(schema::kDinToggle, "J"),
            q(schema::kLeakageRow, "W"),         q(schema::kLeakageRowCycle, "J"),
            q(schema::kLeakageAccumulator, "W"), q(schema::kLeakageAccumulatorCycle, "J"),
            q(schema::kDigitalCycle, "s")};
  }

  // GBLB toggles in cycles 1 .. DinToggles() (an even number: as many rises as falls).
  int DinToggles() const { return (cycles_ - 1) / 2 * 2; }
  // Units whose cell k stores W = 1.
  int Ones(int k) const {
    return static_cast<int>(std::lround(static_cast<double>(k) * columns_ / (kCellsPerUnit - 1)));
  }

  static const std::vector<std::string>& RowSupplies() {
    static const std::vector<std::string> s = {"vcell", "vlbl", "vlblb", "vdmr", "vamr",
                                               "vdwl",  "vawl", "vdin",  "vpch"};
    return s;
  }
  std::vector<std::string> Supplies() const {
    std::vector<std::string> s = {"vacc"};
    for (int g = 0; g < kDmultLevels * kDmultLevels; ++g) {
      s.push_back("vdm" + std::to_string(g));
    }
    s.insert(s.end(), RowSupplies().begin(), RowSupplies().end());
    return s;
  }

  void MakePatterns() {
    std::mt19937 rng(kPatternSeed);
    // Accumulator: the first accumulation loads a random value (the register in the middle of
    // a MAC); then every other one shifts (acc <- 2 acc + B) and the others add (acc <- acc +
    // B), B a random partial sum of operand_bits bits, as the macro's shift-and-add does.
    const std::uint64_t mask = (std::uint64_t{1} << acc_bits_) - 1;
    auto random = [&](int bits) {
      std::uint64_t v = 0;
      for (int i = 0; i < bits; ++i) {
        v |= static_cast<std::uint64_t>(rng() & 1) << i;
      }
      return v;
    };
    acc_.push_back(0);
    for (int k = 0; k < cycles_; ++k) {
      const std::uint64_t before = acc_.back();
      const int shift = k > 0 && k % 2 == 0 ? 1 : 0;
      const std::uint64_t b = random(k == 0 ? acc_bits_ : operand_bits_);
      const std::uint64_t after = ((shift ? before << 1 : before) + b) & mask;
      operand_.push_back(b);
      shift_.push_back(shift);
      acc_.push_back(after);
      toggles_.push_back(static_cast<double>(std::popcount(before ^ after)) / acc_bits_);
    }
    // D_MULT instance (w, a): in every block of 4 cycles W = 1 in 0, 2 or 4 cycles (0 and 2 for
    // w = 1/2); A = 1 in the fraction a of those (alternating 1, 0 for a = 1/2); the cycles with
    // W = 0 get A = 1, 0 alternately (activation toggles as random data has them).
    for (int w = 0; w < kDmultLevels; ++w) {
      for (int a = 0; a < kDmultLevels; ++a) {
        std::vector<int> ws, as;
        for (int c = 0; c < cycles_; ++c) {
          const int j = c % kDmultBlock;
          const int wi = w == 2 ? 1 : w == 1 ? (j % 2 == 0 ? 1 : 0) : 0;
          const int nth = wi == 1 ? (w == 2 ? j : j / 2) : (w == 1 ? j / 2 : j);
          const int ai = wi == 1 ? (a == 2   ? 1
                                    : a == 1 ? (nth % 2 == 0 ? 1 : 0)
                                             : 0)
                                 : (nth % 2 == 0 ? 1 : 0);
          ws.push_back(wi);
          as.push_back(ai);
        }
        dm_w_.push_back(ws);
        dm_a_.push_back(as);
      }
    }
    // Row GBLB: high (A = 0) in cycle 0, toggling in cycles 1 .. DinToggles().
    int level = 1;
    for (int c = 0; c < cycles_; ++c) {
      if (c >= 1 && c <= DinToggles()) {
        level ^= 1;
      }
      gblb_.push_back(level);
    }
  }

  std::string Body(double vd) const {
    const double te = t_edge_s_;
    const std::string v = N(vd);
    std::string s;
    auto line = [&](const std::string& l) { s += l + "\n"; };
    for (const auto& name : Supplies()) {
      line(name + " " + name + " 0 " + v);
    }
    line("vload vload 0 " + v);  // loads standing for the next stage's inputs
    line("vck ck 0 " + Clock(vd));
    std::vector<std::string> guess, latch;
    auto at = [&](const std::string& node, int value) {
      return "v(" + node + ")=" + (value ? v : "0");
    };
    // A load full adder with its inputs at 0.
    auto idle_adder = [&](const std::string& inst, const std::string& sum, const std::string& co) {
      guess.insert(guess.end(), {at(inst + ".cob", 1), at(inst + ".sb", 1), at(sum, 0), at(co, 0)});
    };

    // Accumulator with ideal operand sources: operand k and shift k from 2 te before cycle k's
    // start to 2 te before cycle k+1's.
    auto operand = [&](const std::function<int(int)>& bit) {
      std::vector<std::pair<double, double>> pts = {{0.0, 0.0}};
      int prev = 0;
      for (int k = 0; k < cycles_; ++k) {
        Step(pts, CycleStart(k) - 2 * te, prev ? vd : 0.0, bit(k) ? vd : 0.0);
        prev = bit(k);
      }
      return Pwl(pts);
    };
    std::string acc = "xacc";
    for (int i = 0; i < acc_bits_; ++i) {
      const std::string is = std::to_string(i);
      line("vab" + is + " ab" + is + " 0 " + operand([&](int k) {
             return static_cast<int>((operand_[static_cast<std::size_t>(k)] >> i) & 1);
           }));
      acc += (i % 16 == 0 ? "\n+" : "") + std::string(" ab") + is;
    }
    line("vash ash 0 " + operand([&](int k) { return shift_[static_cast<std::size_t>(k)]; }));
    acc += "\n+ ash ck";
    for (int i = 0; i < acc_bits_; ++i) {
      acc += (i % 16 == 0 ? "\n+" : "") + std::string(" aq") + std::to_string(i);
      latch.push_back(at("aq" + std::to_string(i), 0));
    }
    line(acc + " vacc 0 " + accumulator_.name);
    for (const auto& n : accumulator_.zero_state) {
      const bool holds = n.node.ends_with(".s") || n.node.ends_with(".sf");
      (holds ? latch : guess).push_back(at("xacc." + n.node, n.value));
    }

    // D_MULT grid: each NOR drives one full-adder input and c_wire.
    for (int g = 0; g < kDmultLevels * kDmultLevels; ++g) {
      const std::string gs = std::to_string(g);
      std::vector<int> gblb;
      for (int a : dm_a_[static_cast<std::size_t>(g)]) {
        gblb.push_back(a ? 0 : 1);
      }
      line("vdml" + gs + " dml" + gs + " 0 " +
           Evaluation(dm_w_[static_cast<std::size_t>(g)], vd, true));
      line("vdmg" + gs + " dmg" + gs + " 0 " + Levels(gblb, vd, 2 * te));
      line("xdm" + gs + " dml" + gs + " dmg" + gs + " dmo" + gs + " vdm" + gs + " 0 d_mult");
      line("cwdm" + gs + " dmo" + gs + " 0 " + N(c_wire_f_));
      line("xldm" + gs + " dmo" + gs + " 0 0 ldms" + gs + " ldmc" + gs + " vload 0 full_adder");
      guess.push_back(at("dmo" + gs, 0));
      idle_adder("xldm" + gs, "ldms" + gs, "ldmc" + gs);
    }

    // The row: PCHB, the word lines and GBLB through line drivers, each line with c_row.
    std::vector<std::pair<double, double>> pch = {{0.0, 0.0}};
    std::vector<std::vector<std::pair<double, double>>> dwl(kCellsPerUnit, {{0.0, 0.0}}),
        awl(kCellsPerUnit, {{0.0, 0.0}});
    for (int c = 0; c < cycles_; ++c) {
      Step(pch, EvalStart(c), 0.0, vd);
      Step(pch, CycleStart(c + 1), vd, 0.0);
      for (auto* w : {&dwl[static_cast<std::size_t>(kDwl[c % 8])],
                      &awl[static_cast<std::size_t>(kAwl[c % 8])]}) {
        Step(*w, EvalStart(c) + 2 * te, 0.0, vd);
        Step(*w, CycleStart(c + 1) - 6 * te, vd, 0.0);
      }
    }
    line("vpchi pchi 0 " + Pwl(pch));
    line("xdpch pchi pchb vpch 0 line_driver");
    line("cpch pchb 0 " + N(c_row_f_));
    line("vdini dini 0 " + Levels(gblb_, vd, 2 * te));
    line("xddin dini gblb vdin 0 line_driver");
    line("cgblb gblb 0 " + N(c_row_f_));
    guess.insert(guess.end(), {at("pchb", 0), at("xdpch.inb", 1), at("gblb", gblb_.front()),
                               at("xddin.inb", 1 - gblb_.front())});
    for (int k = 0; k < kCellsPerUnit; ++k) {
      const std::string ks = std::to_string(k);
      for (const char* wl : {"dwl", "awl"}) {
        const auto& pts = std::string(wl) == "dwl" ? dwl : awl;
        const std::string n = wl + ks;
        line("v" + n + "i " + n + "i 0 " + Pwl(pts[static_cast<std::size_t>(k)]));
        line("xd" + n + " " + n + "i " + n + " v" + wl + " 0 line_driver");
        line("c" + n + " " + n + " 0 " + N(c_row_f_));
        guess.insert(guess.end(), {at(n, 0), at("xd" + n + ".inb", 1)});
      }
    }
    line("vsmpb smpb 0 " + v);
    for (int u = 0; u < columns_; ++u) {
      const std::string us = std::to_string(u), x = "xr" + us;
      line(x +
           " 0 gblb awl0 awl1 awl2 awl3 awl4 awl5 awl6 awl7 dwl0 dwl1 dwl2 dwl3 dwl4 dwl5 dwl6 "
           "dwl7\n+ 0 pchb 0 smpb rdo" +
           us + " rao" + us + " rcs" + us + " vcell vlbl vlblb vdmr vamr 0 hcima_split");
      line("crdo" + us + " rdo" + us + " 0 " + N(c_wire_f_));
      for (int k = 0; k < kCellsPerUnit; ++k) {
        const int w = u < Ones(k) ? 1 : 0;
        const std::string cell = x + ".x" + std::to_string(k);
        latch.insert(latch.end(), {at(cell + ".q", w), at(cell + ".qb", 1 - w)});
      }
      // Idle: lines precharged, the A_MULT passing GBL = 0 and holding its capacitor at 0.
      guess.insert(guess.end(), {at(x + ".lbl", 1), at(x + ".lblb", 1), at("rdo" + us, 0),
                                 at(x + ".xa.wb", 0), at("rao" + us, 0), at("rcs" + us, 0)});
    }
    return s + Cards(".nodeset", guess) + Cards(".ic", latch);
  }

  // The sample fails (no energy figure) unless every accumulation, product and line read is
  // right.
  void CheckLogic(const GridPoint& p, const spice::RunResult& run) const {
    const auto t = Vec(run, "time");
    const double vd = p.vdd_v, te = t_edge_s_;
    for (int c = 0; c < cycles_; ++c) {
      const auto acc = Code(run, "aq", acc_bits_, EvalStart(c + 1) - te, vd);
      if (acc != acc_[static_cast<std::size_t>(c + 1)]) {
        throw Error("accumulator holds " + std::to_string(acc) + " after accumulation " +
                    std::to_string(c) + ", expected " +
                    std::to_string(acc_[static_cast<std::size_t>(c + 1)]) +
                    " (raise digital.t_cycle)");
      }
      const double end_eval = CycleStart(c + 1) - 8 * te;
      for (int g = 0; g < kDmultLevels * kDmultLevels; ++g) {
        const auto gi = static_cast<std::size_t>(g), ci = static_cast<std::size_t>(c);
        const int expect = dm_w_[gi][ci] & dm_a_[gi][ci];
        const double x = measure::ValueAt(t, Vec(run, "v(dmo" + std::to_string(g) + ")"), end_eval);
        if ((x > vd / 2) != (expect != 0)) {
          throw Error("D_MULT " + std::to_string(g) + " output is " + N(x) + " V in cycle " +
                      std::to_string(c) + ", expected logic " + std::to_string(expect));
        }
      }
      const double read = CycleStart(c + 1) - 7 * te;
      for (int u = 0; u < columns_; ++u) {
        const std::string us = std::to_string(u);
        const bool lbl_high = u < Ones(kAwl[c % 8]);    // LBL reads W
        const bool lblb_high = u >= Ones(kDwl[c % 8]);  // LBLB reads not W
        for (const auto& [node, high] :
             {std::pair{"v(xr" + us + ".lbl)", lbl_high}, {"v(xr" + us + ".lblb)", lblb_high}}) {
          const double x = measure::ValueAt(t, Vec(run, node), read);
          if ((x > vd / 2) != high) {
            throw Error(node + " is " + N(x) + " V at the end of cycle " + std::to_string(c) +
                        "'s read, expected " + (high ? "high" : "low") +
                        " (raise digital.t_cycle)");
          }
        }
      }
    }
  }

  int acc_bits_ = 24, operand_bits_ = 8, columns_ = 8;
  std::vector<double> toggles_grid_;  // the table's axis
  double c_row_f_ = 0, c_lbl_f_ = 0, c_sample_f_ = 0;
  measure::Accumulator accumulator_;
  std::vector<std::uint64_t> acc_;      // register after accumulation k-1 (acc_[0] = 0)
  std::vector<std::uint64_t> operand_;  // [accumulation]
  std::vector<int> shift_;              // [accumulation]
  std::vector<double> toggles_;         // register bits that change in accumulation k, fraction
  std::vector<std::vector<int>> dm_w_, dm_a_;  // [D_MULT instance][cycle]
  std::vector<int> gblb_;                      // the row's GBLB level per cycle (1 = high)
};

}  // namespace

std::unique_ptr<Bench> MakeAdderTreeBench(const Recipe& recipe) {
  return std::make_unique<AdderTreeBench>(recipe);
}

std::unique_ptr<Bench> MakeDigitalBench(const Recipe& recipe) {
  return std::make_unique<DigitalBench>(recipe);
}

}  // namespace cimchar::characterize::benches
