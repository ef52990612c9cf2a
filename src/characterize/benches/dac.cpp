// DAC bench: the activation DAC driving one row's global bit line (measure::ActivationDacSubckt,
// as in netlists/benches/a_mult_dac.sp), in one transient per Monte Carlo sample.
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
// The LBL/LBLB precharge, word lines and digital activation drivers are measured by the digital
// bench (src/characterize/benches/digital.cpp).
#include <algorithm>
#include <cmath>

#include "calib/schema.h"
#include "characterize/benches/common.h"
#include "characterize/benches/drivers.h"
#include "core/error.h"
#include "measure/waveform.h"

namespace cimchar::characterize::benches {
namespace {

namespace schema = calib::schema;

constexpr const char* kDeck =
    R"(* dac bench: activation DAC driving GBL
{{models}}
.include ../cells/a_mult.sp
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
.end
)";

class DacBench final : public Bench {
 public:
  explicit DacBench(const Recipe& recipe) : recipe_(recipe) {
    CheckBenchKeys(recipe, {"bits", "c_gbl", "c_sample", "columns", "w_ones", "t_step", "t_edge"});
    bits_ = RangedInt(recipe, "bits", 4, 1, 4);
    c_gbl_f_ = RangedNumber(recipe, "c_gbl", 20e-15, 1e-17, 1e-11, "F");
    c_sample_f_ = RangedNumber(recipe, "c_sample", 2e-15, 1e-17, 1e-12, "F");
    columns_ = RangedInt(recipe, "columns", 8, 0, 64);
    w_ones_ = RangedInt(recipe, "w_ones", columns_ / 2, 0, columns_);
    t_edge_s_ = RangedNumber(recipe, "t_edge", 50e-12, 1e-12, 1e-9, "s");
    t_step_s_ = RangedNumber(recipe, "t_step", 3e-9, 10 * t_edge_s_, 1e-6, "s");
    codes_ = 1 << bits_;
  }

  std::string Name() const override { return "dac"; }
  std::vector<BenchAxis> Axes() const override { return {}; }

  std::vector<Column> Columns() const override {
    std::vector<Column> c;
    for (int code = 0; code < codes_; ++code) {
      c.push_back({CodeColumn(schema::kDacEnergy, code), "J"});
    }
    for (int code = 0; code < codes_; ++code) {
      c.push_back({CodeColumn(schema::kDacSettleError, code), "V"});
    }
    return c;
  }

  std::vector<lut::ReduceRequest> Quantities() const override {
    std::vector<double> codes;
    lut::ReduceRequest dac{.quantity = std::string(schema::kDacEnergy), .units = "J"};
    lut::ReduceRequest settle{.quantity = std::string(schema::kDacSettleError), .units = "V"};
    for (int code = 0; code < codes_; ++code) {
      codes.push_back(code);
      dac.columns.push_back(CodeColumn(schema::kDacEnergy, code));
      settle.columns.push_back(CodeColumn(schema::kDacSettleError, code));
    }
    dac.column_axis = settle.column_axis =
        lut::Axis::Numeric(std::string(schema::kCodeAxis), "1", codes);
    return {dac, settle};
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
    netlist::Bindings b;
    b.Set("vdd", vd).Set("temp", p.temp_c).Set("c_gbl", c_gbl_f_).Set("c_sample", c_sample_f_);
    b.SetText("dac", measure::ActivationDacSubckt(bits_, Models(recipe_))).Set("dac_bits", bits_);
    b.SetText("dac_ports", measure::ActivationDacPorts(bits_));
    b.SetText("refs", measure::DacReferenceSources(bits_, vd));
    b.SetText("codes", codes).SetText("loads", loads);
    return RenderBenchText(recipe_, kDeck, "dac bench (src/characterize/benches/dac.cpp)", p.corner,
                           b, inputs);
  }

  std::vector<std::string> Analysis(const GridPoint& /*p*/) const override {
    const double t_stop = DacStart(codes_);
    // Maximum step 4 t_edge between the edges (the charge integrals move by < 1 % from 1 t_edge).
    return {"tran " + netlist::FormatNumber(4 * t_edge_s_) + " " + netlist::FormatNumber(t_stop)};
  }

  std::vector<std::string> Vectors(const GridPoint& /*p*/) const override {
    std::vector<std::string> v = {"time", "v(gbl)", "i(vdd)"};
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
    out.insert(out.end(), settle.begin(), settle.end());
    return out;
  }

  std::string DynamicNoiseMethod() const override { return "none (energies)"; }

 private:
  double DacStart(int code) const { return (1 + 2 * code) * t_step_s_; }

  Recipe recipe_;
  int bits_ = 4, codes_ = 16, columns_ = 8, w_ones_ = 4;
  double c_gbl_f_ = 0, c_sample_f_ = 0, t_edge_s_ = 0, t_step_s_ = 0;
};

}  // namespace

std::unique_ptr<Bench> MakeDacBench(const Recipe& recipe) {
  return std::make_unique<DacBench>(recipe);
}

}  // namespace cimchar::characterize::benches
