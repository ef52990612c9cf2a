// SRAM cell bench (netlists/cells/sram6t_sp.sp): read static noise margin by the butterfly and
// hold leakage power, from one DC sweep per Monte Carlo sample.
//
// Static noise margins: three pairs of half cells driven open loop from one input IN (the
// bench netlists/benches/sram_snm.sp, three times over), bit lines at VDD (precharged):
//   cell/read_snm_v        both word lines at VDD (ordinary read: both storage nodes loaded);
//   cell/read_split_snm_v  only the Q side's word line (AWL) high: a split-port CIM read;
//   cell/hold_snm_v        both word lines at 0.
// Each is measure::ButterflySnm (Seevinck: the side of the largest square in the smaller lobe)
// over a sweep of IN from 0 to VDD in `sweep_points` steps. Each pair is its own pair of halves
// with its own mismatch (three cells of one die, not one cell in three modes).
//
// Leakage (cell/leakage_w): two complete split-port cells, one holding Q = 1 and one Q = 0
// (.nodeset; the state is checked), both word lines at 0 and both local bit lines at VDD, on a
// supply of their own; the power VDD * (I_cell supply + I_bit lines) averaged over the two
// states and over the sweep points (it does not depend on IN), per cell.
#include <algorithm>
#include <cmath>

#include "characterize/benches/common.h"
#include "characterize/benches/drivers.h"
#include "core/error.h"
#include "measure/transfer.h"

namespace cimchar::characterize::benches {
namespace {

constexpr const char* kDeck =
    R"(* cell bench: butterfly SNM (read, split-port read, hold) and hold leakage
{{models}}
.include ../cells/sram6t_sp.sp
.temp {{temp}}
vdd vdd 0 {{vdd}}
vss vss 0 0
vbl bl 0 {{vdd}}
vwl wl 0 {{vdd}}
vin in 0 0
xra in outra bl wl vdd vss sram_half
xrb in outrb bl wl vdd vss sram_half
xsa in outsa bl wl vdd vss sram_half
xsb in outsb bl vss vdd vss sram_half
xha in outha bl vss vdd vss sram_half
xhb in outhb bl vss vdd vss sram_half
vddc vddc 0 {{vdd}}
vblc blc 0 {{vdd}}
x1 blc blc vss vss vddc vss sram6t_sp
x0 blc blc vss vss vddc vss sram6t_sp
.nodeset v(x1.q)={{vdd}} v(x1.qb)=0 v(x0.q)=0 v(x0.qb)={{vdd}}
.end
)";

// Fraction of VDD a stored 1 must exceed (and a 0 stay below) for the leakage state to count.
constexpr double kStateMargin = 0.2;

class CellBench final : public Bench {
 public:
  explicit CellBench(const Recipe& recipe) : recipe_(recipe) {
    CheckBenchKeys(recipe, {"sweep_points"});
    points_ = RangedInt(recipe, "sweep_points", 400, 50, 10000);
  }

  std::string Name() const override { return "cell"; }
  std::vector<BenchAxis> Axes() const override { return {}; }

  std::vector<Column> Columns() const override {
    return {
        {"read_snm_v", "V"}, {"leakage_w", "W"}, {"read_split_snm_v", "V"}, {"hold_snm_v", "V"}};
  }

  std::string Deck(const GridPoint& p, std::vector<std::filesystem::path>& inputs) const override {
    netlist::Bindings b;
    b.Set("vdd", p.vdd_v).Set("temp", p.temp_c);
    return RenderBenchText(recipe_, kDeck, "cell bench (src/characterize/benches/cell.cpp)",
                           p.corner, b, inputs);
  }

  std::vector<std::string> Analysis(const GridPoint& p) const override {
    return {"dc vin 0 " + netlist::FormatNumber(p.vdd_v) + " " +
            netlist::FormatNumber(p.vdd_v / points_)};
  }

  std::vector<std::string> Vectors(const GridPoint& /*p*/) const override {
    return {"v(in)",    "v(outra)", "v(outrb)", "v(outsa)", "v(outsb)", "v(outha)",
            "v(outhb)", "i(vddc)",  "i(vblc)",  "v(x1.q)",  "v(x0.q)"};
  }

  std::vector<double> Measure(const GridPoint& p, const spice::RunResult& run) const override {
    const auto in = Vec(run, "v(in)");
    auto snm = [&](const char* a, const char* b) {
      return measure::ButterflySnm(in, Vec(run, a), Vec(run, b)).snm_v;
    };
    const auto q1 = Vec(run, "v(x1.q)");
    const auto q0 = Vec(run, "v(x0.q)");
    const auto i_cell = Vec(run, "i(vddc)");
    const auto i_bl = Vec(run, "i(vblc)");
    if (q1.size() != in.size() || q0.size() != in.size() || i_cell.size() != in.size() ||
        i_bl.size() != in.size()) {
      throw Error("the leakage vectors and v(in) differ in length");
    }
    double sum = 0;
    for (std::size_t k = 0; k < in.size(); ++k) {
      if (q1[k] < (1 - kStateMargin) * p.vdd_v || q0[k] > kStateMargin * p.vdd_v) {
        throw Error("a leakage cell lost its state (Q = " + netlist::FormatNumber(q1[k]) + " V / " +
                    netlist::FormatNumber(q0[k]) + " V at IN = " + netlist::FormatNumber(in[k]) +
                    " V)");
      }
      sum += -(i_cell[k] + i_bl[k]) * p.vdd_v;  // ngspice: current into the + terminal
    }
    const double leakage_w = sum / static_cast<double>(in.size()) / 2.0;
    return {snm("v(outra)", "v(outrb)"), leakage_w, snm("v(outsa)", "v(outsb)"),
            snm("v(outha)", "v(outhb)")};
  }

  std::string DynamicNoiseMethod() const override { return "none (static quantities)"; }

 private:
  Recipe recipe_;
  int points_ = 400;
};

}  // namespace

std::unique_ptr<Bench> MakeCellBench(const Recipe& recipe) {
  return std::make_unique<CellBench>(recipe);
}

}  // namespace cimchar::characterize::benches
