// DAC and precharge bench: the activation DAC driving one row's global bit line
// (measure::ActivationDacSubckt, as in netlists/benches/a_mult_dac.sp), and the LBL/LBLB
// precharge of one HCIMA unit (netlists/cells/hcima.sp), in one transient per Monte Carlo
// sample (the two circuits share no node and have supplies of their own).
//
// dac/energy_j over the `code` axis (0 .. 2^bits - 1): energy of one drive of GBL, per row.
// GBL carries the wire `c_gbl` and `columns` A_MULT inputs (`w_ones` of them with W = 1, so their
// sampling capacitors track GBL; SMP held high). Each code c gets one step of t_step from code 0
// (GBL discharged) to c and one back to 0; its energy over those two steps is what the reference
// ladder sources deliver (charge out of their + terminals times their voltage; charge returned
// is not credited, as a reference buffer does not recover it) + the DAC's supply (bit
// inverters) + the bit-line drivers of D0.. (gate charge of the switch tree), minus the static
// power of the idle first step (code 0) over the same two steps: leakage is not in the figure.
// Code 0 is therefore 0 J up to noise; the model (src/mac/lut_calibration.cpp) averages the
// codes into its per-row DAC energy, uniform codes. This is a return-to-zero drive (GBL
// discharged between ops); for a code-to-code drive it is an upper bound (the references then
// charge GBL only by the step up, and each bit line toggles in half the ops, not in every op
// with the bit set). dac/settle_error_v: GBL minus the code's ideal level at the end of the
// drive step (t_step, default the apath sampling time): how far the DAC settles in that time
// (at 0.6 V the mid-scale codes settle slowly: the energy is then what the drive spent in t_step).
//
// precharge/energy_row_j (no bench axis): energy of one row's LBL + LBLB precharge per cycle.
// The unit's cells hold W = 0, 1, 0, 1 in cells 0..3. Four cycles (evaluate, then precharge,
// t_phase each) read AWL/DWL = (0,1), (1,3), (2,0), (3,2): LBL and LBLB both fall, only LBLB,
// only LBL, neither, i.e. the four cases of uniform random bits once each. Energy per cycle =
// the unit's supply (the precharge PMOS restoring the lines, and what the lines' swing switches
// inside the unit: the A_MULT's W inverter, the D_MULT's inner node; GBLB is held at VDD so DOUT
// stays 0, GBL at 0 so AOUT stays 0) + the PCHB driver (gate charge of P0/P1), averaged over the
// four cycles, minus the static power of the idle first phase (lines precharged) over the same
// time. The word-line drivers (AWL/DWL gate charge) are not counted.
#include <algorithm>
#include <cmath>

#include "characterize/benches/common.h"
#include "characterize/benches/drivers.h"
#include "core/error.h"
#include "measure/waveform.h"

namespace cimchar::characterize::benches {
namespace {

constexpr const char* kDeck =
    R"(* dac bench: activation DAC driving GBL; LBL/LBLB precharge of one HCIMA unit
{{models}}
.include ../cells/hcima.sp
{{dac}}
.temp {{temp}}
vdd vdd 0 {{vdd}}
vdda vdda 0 {{vdd}}
vss vss 0 0
{{refs}}
{{codes}}
xdac {{dac_ports}} gbl vdd vss act_dac{{dac_bits}}
cgbl gbl 0 {{c_gbl}}
vsmp smp 0 {{vdd}}
vsmpb smpb 0 0
{{loads}}
vddh vddh 0 {{vdd}}
vpchb pchb 0 {{pchb}}
{{wordlines}}
vgblu gblu 0 0
vgblbu gblbu 0 {{vdd}}
vrwen rwen 0 0
vsmpu smpu 0 0
vsmpbu smpbu 0 {{vdd}}
xu gblu gblbu awl0 awl1 awl2 awl3 awl4 awl5 awl6 awl7 dwl0 dwl1 dwl2 dwl3 dwl4 dwl5 dwl6 dwl7
+ rwen pchb smpu smpbu doutu aoutu csu vddh vss hcima
.ic v(xu.x0.q)=0 v(xu.x0.qb)={{vdd}} v(xu.x1.q)={{vdd}} v(xu.x1.qb)=0
.ic v(xu.x2.q)=0 v(xu.x2.qb)={{vdd}} v(xu.x3.q)={{vdd}} v(xu.x3.qb)=0
.ic v(xu.x4.q)=0 v(xu.x4.qb)={{vdd}} v(xu.x5.q)=0 v(xu.x5.qb)={{vdd}}
.ic v(xu.x6.q)=0 v(xu.x6.qb)={{vdd}} v(xu.x7.q)=0 v(xu.x7.qb)={{vdd}}
.end
)";

// The precharge cycles: (cell read on LBL through AWL, cell read on LBLB through DWL), and the
// stored W of cells 0..3 (the .ic lines of kDeck).
constexpr int kCycles = 4;
constexpr int kAwl[kCycles] = {0, 1, 2, 3};
constexpr int kDwl[kCycles] = {1, 3, 0, 2};
constexpr int kStoredW[4] = {0, 1, 0, 1};

class DacBench final : public Bench {
 public:
  explicit DacBench(const Recipe& recipe) : recipe_(recipe) {
    CheckBenchKeys(
        recipe, {"bits", "c_gbl", "c_sample", "columns", "w_ones", "t_step", "t_phase", "t_edge"});
    bits_ = RangedInt(recipe, "bits", 4, 1, 4);
    c_gbl_f_ = RangedNumber(recipe, "c_gbl", 20e-15, 1e-17, 1e-11, "F");
    c_sample_f_ = RangedNumber(recipe, "c_sample", 2e-15, 1e-17, 1e-12, "F");
    columns_ = RangedInt(recipe, "columns", 8, 0, 64);
    w_ones_ = RangedInt(recipe, "w_ones", columns_ / 2, 0, columns_);
    t_edge_s_ = RangedNumber(recipe, "t_edge", 50e-12, 1e-12, 1e-9, "s");
    t_step_s_ = RangedNumber(recipe, "t_step", 3e-9, 10 * t_edge_s_, 1e-6, "s");
    t_phase_s_ = RangedNumber(recipe, "t_phase", 2e-9, 10 * t_edge_s_, 1e-6, "s");
    codes_ = 1 << bits_;
  }

  std::string Name() const override { return "dac"; }
  std::vector<BenchAxis> Axes() const override { return {}; }

  std::vector<Column> Columns() const override {
    std::vector<Column> c;
    for (int code = 0; code < codes_; ++code) {
      c.push_back({"energy_j_" + std::to_string(code), "J"});
    }
    c.push_back({"precharge_energy_row_j", "J"});
    for (int code = 0; code < codes_; ++code) {
      c.push_back({"settle_error_v_" + std::to_string(code), "V"});
    }
    return c;
  }

  std::vector<lut::ReduceRequest> Quantities() const override {
    std::vector<double> codes;
    lut::ReduceRequest dac{.quantity = "dac/energy_j", .units = "J"};
    lut::ReduceRequest settle{.quantity = "dac/settle_error_v", .units = "V"};
    for (int code = 0; code < codes_; ++code) {
      codes.push_back(code);
      dac.columns.push_back("energy_j_" + std::to_string(code));
      settle.columns.push_back("settle_error_v_" + std::to_string(code));
    }
    dac.column_axis = settle.column_axis = lut::Axis::Numeric("code", "1", codes);
    return {dac,
            settle,
            {.quantity = "precharge/energy_row_j",
             .units = "J",
             .columns = {"precharge_energy_row_j"}}};
  }

  std::string Deck(const GridPoint& p, std::vector<std::filesystem::path>& inputs) const override {
    const double vd = p.vdd_v;
    // DAC bit sources: code c during step 1 + 2c, code 0 otherwise.
    std::string codes;
    for (int k = 0; k < bits_; ++k) {
      std::vector<std::pair<double, double>> pts = {{0.0, 0.0}};
      for (int c = 0; c < codes_; ++c) {
        if ((c >> k) & 1) {
          const double t0 = DacStart(c);
          pts.insert(pts.end(), {{t0, 0.0},
                                 {t0 + t_edge_s_, vd},
                                 {t0 + t_step_s_, vd},
                                 {t0 + t_step_s_ + t_edge_s_, 0.0}});
        }
      }
      codes += "vd" + std::to_string(k) + " d" + std::to_string(k) + " 0 " + Pwl(pts) + "\n";
    }
    std::string loads;
    for (int j = 0; j < columns_; ++j) {
      const std::string n = std::to_string(j);
      loads += "vw" + n + " lbl" + n + " 0 " + (j < w_ones_ ? netlist::FormatNumber(vd) : "0") +
               "\nxa" + n + " gbl lbl" + n + " smp smpb aout" + n + " cs" + n +
               " vdda vss a_mult\n";
    }
    // Precharge: PCHB low in phase 0 (idle) and in every second phase from 2 on; cycle j
    // evaluates in phase 1 + 2j (PCHB high, AWL kAwl[j] and DWL kDwl[j] high inside it).
    std::vector<std::pair<double, double>> pchb = {{0.0, 0.0}};
    std::vector<std::vector<std::pair<double, double>>> awl(8), dwl(8);
    for (auto& w : awl) {
      w = {{0.0, 0.0}};
    }
    for (auto& w : dwl) {
      w = {{0.0, 0.0}};
    }
    for (int j = 0; j < kCycles; ++j) {
      const double t0 = (1 + 2 * j) * t_phase_s_;
      const double t1 = t0 + t_phase_s_;
      pchb.insert(pchb.end(), {{t0, 0.0}, {t0 + t_edge_s_, vd}, {t1 - t_edge_s_, vd}, {t1, 0.0}});
      for (auto* w : {&awl[kAwl[j]], &dwl[kDwl[j]]}) {
        w->insert(w->end(), {{t0 + t_edge_s_, 0.0},
                             {t0 + 2 * t_edge_s_, vd},
                             {t1 - 2 * t_edge_s_, vd},
                             {t1 - t_edge_s_, 0.0}});
      }
    }
    std::string wordlines;
    for (int k = 0; k < 8; ++k) {
      const std::string n = std::to_string(k);
      wordlines += "vawl" + n + " awl" + n + " 0 " + Pwl(awl[k]) + "\n";
      wordlines += "vdwl" + n + " dwl" + n + " 0 " + Pwl(dwl[k]) + "\n";
    }
    netlist::Bindings b;
    b.Set("vdd", vd).Set("temp", p.temp_c).Set("c_gbl", c_gbl_f_).Set("c_sample", c_sample_f_);
    b.SetText("dac", measure::ActivationDacSubckt(bits_, Models(recipe_))).Set("dac_bits", bits_);
    b.SetText("dac_ports", measure::ActivationDacPorts(bits_));
    b.SetText("refs", measure::DacReferenceSources(bits_, vd));
    b.SetText("codes", codes).SetText("loads", loads);
    b.SetText("pchb", Pwl(pchb)).SetText("wordlines", wordlines);
    return RenderBenchText(recipe_, kDeck, "dac bench (src/characterize/benches/dac.cpp)", p.corner,
                           b, inputs);
  }

  std::vector<std::string> Analysis(const GridPoint& /*p*/) const override {
    const double t_stop = std::max(DacStart(codes_), (1 + 2 * kCycles) * t_phase_s_);
    // Maximum step 4 t_edge between the edges (the charge integrals move by < 1 % from 1 t_edge).
    return {"tran " + netlist::FormatNumber(4 * t_edge_s_) + " " + netlist::FormatNumber(t_stop)};
  }

  std::vector<std::string> Vectors(const GridPoint& /*p*/) const override {
    std::vector<std::string> v = {"time",     "v(gbl)",    "i(vdd)",    "i(vddh)",
                                  "i(vpchb)", "v(xu.lbl)", "v(xu.lblb)"};
    for (int k = 0; k < bits_; ++k) {
      v.push_back("i(vd" + std::to_string(k) + ")");
    }
    for (int j = 0; j < codes_; ++j) {
      v.push_back("i(vref" + std::to_string(j) + ")");
    }
    return v;
  }

  std::vector<double> Measure(const GridPoint& p, const spice::RunResult& run) const override {
    const auto t = Vec(run, "time");
    const double vd = p.vdd_v;
    std::vector<double> out;
    // DAC: the energy of a window [t0, t1].
    auto dac_energy = [&](double t0, double t1) {
      double e = measure::SupplyEnergy(t, vd, Vec(run, "i(vdd)"), t0, t1);
      for (int k = 0; k < bits_; ++k) {
        e += DriverEnergy(t, Vec(run, "i(vd" + std::to_string(k) + ")"), vd, t0, t1);
      }
      for (int j = 0; j < codes_; ++j) {
        e += DriverEnergy(t, Vec(run, "i(vref" + std::to_string(j) + ")"),
                          measure::DacLevel(bits_, j, vd), t0, t1);
      }
      return e;
    };
    const double idle_w = dac_energy(t_edge_s_, t_step_s_) / (t_step_s_ - t_edge_s_);
    const auto gbl = Vec(run, "v(gbl)");
    std::vector<double> settle;
    for (int c = 0; c < codes_; ++c) {
      const double t0 = DacStart(c);
      const double settled = measure::ValueAt(t, gbl, t0 + t_step_s_ - t_edge_s_);
      settle.push_back(settled - measure::DacLevel(bits_, c, vd));
      out.push_back(dac_energy(t0, t0 + 2 * t_step_s_) - idle_w * 2 * t_step_s_);
    }
    // Precharge.
    auto unit_energy = [&](double t0, double t1) {
      return measure::SupplyEnergy(t, vd, Vec(run, "i(vddh)"), t0, t1) +
             DriverEnergy(t, Vec(run, "i(vpchb)"), vd, t0, t1);
    };
    const double idle_unit_w = unit_energy(t_edge_s_, t_phase_s_) / (t_phase_s_ - t_edge_s_);
    const auto lbl = Vec(run, "v(xu.lbl)");
    const auto lblb = Vec(run, "v(xu.lblb)");
    double sum = 0;
    for (int j = 0; j < kCycles; ++j) {
      const double t0 = (1 + 2 * j) * t_phase_s_;
      const double t_read = t0 + t_phase_s_ - 2 * t_edge_s_;
      // LBL reads W[awl], LBLB reads not W[dwl]: each must be on the right side of VDD/2.
      const struct {
        std::span<const double> v;
        bool high;
        const char* name;
      } lines[] = {{lbl, kStoredW[kAwl[j]] == 1, "LBL"}, {lblb, kStoredW[kDwl[j]] == 0, "LBLB"}};
      for (const auto& line : lines) {
        const double x = measure::ValueAt(t, line.v, t_read);
        if ((x > 0.5 * vd) != line.high) {
          throw Error(std::string(line.name) + " is " + netlist::FormatNumber(x) +
                      " V at the end of read cycle " + std::to_string(j) + " (raise dac.t_phase)");
        }
      }
      sum += unit_energy(t0, t0 + 2 * t_phase_s_);
    }
    out.push_back((sum - idle_unit_w * 2 * kCycles * t_phase_s_) / kCycles);
    out.insert(out.end(), settle.begin(), settle.end());
    return out;
  }

  std::string DynamicNoiseMethod() const override { return "none (energies)"; }

 private:
  double DacStart(int code) const { return (1 + 2 * code) * t_step_s_; }

  Recipe recipe_;
  int bits_ = 4, codes_ = 16, columns_ = 8, w_ones_ = 4;
  double c_gbl_f_ = 0, c_sample_f_ = 0, t_edge_s_ = 0, t_step_s_ = 0, t_phase_s_ = 0;
};

}  // namespace

std::unique_ptr<Bench> MakeDacBench(const Recipe& recipe) {
  return std::make_unique<DacBench>(recipe);
}

}  // namespace cimchar::characterize::benches
