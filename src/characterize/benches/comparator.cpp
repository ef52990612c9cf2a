// Column comparator readout bench: the ADC-less readout of a column, binary (one comparator at a
// reference level) or ternary (two comparators at the reference level -/+ a threshold). Each
// comparator is the SAR ADC's StrongARM latch (netlists/blocks/strongarm.sp) behind a
// bottom-plate sampler: while SMP is high the bottom plate of Cs follows the line (NMOS switch)
// and the top plate VX is held at VCM (PMOS switch); then the bottom plate goes to the
// comparator's reference node (NMOS switch), so VX = VCM + g (V_ref - V_line) and the latch,
// clocked by CLK, decides V(line) > V_ref against VY, a matched capacitor held at VCM by a
// matched switch. The references come from a resistor ladder on its own supply (decoupled by a
// capacitor per node), shared by `columns` columns; its static power is split between them and
// the charge this column's references draw is its own.
//
// One transient per Monte Carlo sample: `steps` back-to-back conversions of a staircase that
// spans every comparator's designed level by +-window/2. Before each conversion the line (a
// capacitor c_line) is driven to the step's level through a switch that opens halfway through
// the sampling phase, so the readout loads a floating line as the column's does.
//   threshold_<k>_v  the line level where comparator k flips: the middle between the two
//                    neighbouring sampled levels that split its decisions with fewest errors;
//   offset_<k>_v     threshold minus the designed level (static sigma across dies: the
//                    comparator's offset, switches and sampler included);
//   energy_decision_j  the comparators' VDD energy plus the charge VCM, CLK and the switch
//                    phases deliver counted at VDD, per decision;
//   reference_energy_j the ladder's supply energy per conversion for this column;
//   kickback_v       the largest |shift| of the floating line from the switch opening to the
//                    end of its conversion.
#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include "calib/readouts/comparator_schema.h"
#include "calib/schema.h"
#include "characterize/benches/common.h"
#include "characterize/benches/drivers.h"
#include "core/error.h"
#include "measure/waveform.h"

namespace cimchar::characterize::benches {
namespace {

namespace schema = calib::schema;

constexpr const char* kDeck =
    R"(* column comparator readout: {{comparators}} StrongARM comparator(s) behind bottom-plate samplers
{{models}}
.include ../blocks/strongarm.sp
.temp {{temp}}
vdd vdd 0 {{vdd}}
vss vss 0 0
vcm vcm 0 {{vcm}}
vsmp smp 0 {{smp}}
vsmpb smpb 0 {{smpb}}
vref ph 0 {{ph}}
vclk clk 0 {{clk}}
* reference ladder on its own supply, one decoupling capacitor per node
vddr vddr 0 {{vdd}}
{{ladder}}
* the line: driven to the step's level, floating while the readout samples and converts
vst st 0 {{staircase}}
vcon con 0 {{con}}
sline st line con 0 swline
.model swline sw vt={{v_half}} vh=0 ron=100 roff=1e12
cline line 0 {{c_line}}
{{readout}}
.end
)";

constexpr double kDecouplingF = 2e-12;  // per reference node
constexpr double kDivergedOfVdd = 1.5;  // a node beyond 1.5 VDD: the solver diverged
// Ten picojoules per decision (a thousand times a StrongARM's): the solver diverged.
constexpr double kDivergedDecisionJ = 1e-11;

class ComparatorBench final : public Bench {
 public:
  explicit ComparatorBench(const Recipe& recipe) : recipe_(recipe) {
    CheckBenchKeys(recipe,
                   {"comparators", "ref", "threshold", "c_s", "c_top_parasitic", "vcm", "c_line",
                    "ladder_r", "columns", "steps", "window", "t_clk", "t_clk_low_vdd", "t_sample",
                    "t_sample_low_vdd", "t_edge", "t_max_step", "noise_c_x", "noise_vth"});
    comparators_ = RangedInt(recipe, "comparators", 2, 1, 2);
    ref_of_vdd_ = RangedNumber(recipe, "ref", 0.15, 0.02, 0.45, "of VDD");
    th_of_vdd_ = RangedNumber(recipe, "threshold", 0.012, 0.0, 0.2, "of VDD");
    if (comparators_ == 2 && !(th_of_vdd_ > 0.0)) {
      throw UsageError("comparator.threshold must be > 0 for two comparators (ternary)");
    }
    if (2.0 * (ref_of_vdd_ + th_of_vdd_) >= 1.0) {
      throw UsageError(
          "comparator.ref + comparator.threshold must stay below VDD / 2 (the "
          "one-bit sampler's reference is twice the level)");
    }
    c_s_f_ = RangedNumber(recipe, "c_s", 16e-15, 1e-16, 1e-11, "F");
    c_par_f_ = RangedNumber(recipe, "c_top_parasitic", 2e-15, 0.0, 1e-11, "F");
    vcm_v_ = RangedNumber(recipe, "vcm", 0.5, 0.1, 1.5, "V");
    c_line_f_ = RangedNumber(recipe, "c_line", 300e-15, 1e-15, 1e-9, "F");
    ladder_r_ = RangedNumber(recipe, "ladder_r", 200e3, 1e2, 1e9, "Ohm");
    columns_ = RangedInt(recipe, "columns", 8, 1, 4096);
    steps_ = RangedInt(recipe, "steps", 24, 4, 400);
    window_v_ = RangedNumber(recipe, "window", 0.064, 1e-4, 0.5, "V");
    t_edge_s_ = RangedNumber(recipe, "t_edge", 5e-11, 1e-12, 1e-8, "s");
    t_clk_s_ = RangedNumber(recipe, "t_clk", 1e-9, 8 * t_edge_s_, 1e-6, "s");
    t_clk_low_s_ = RangedNumber(recipe, "t_clk_low_vdd", 4e-9, 8 * t_edge_s_, 1e-6, "s");
    t_sample_s_ = RangedNumber(recipe, "t_sample", 1e-9, 4 * t_edge_s_, 1e-6, "s");
    t_sample_low_s_ = RangedNumber(recipe, "t_sample_low_vdd", 2e-9, 4 * t_edge_s_, 1e-6, "s");
    t_max_step_s_ = RangedNumber(recipe, "t_max_step", 2e-10, 1e-13, 1e-8, "s");
    c_x_f_ = RangedNumber(recipe, "noise_c_x", 5.5e-15, 1e-17, 1e-12, "F");
    vth_v_ = RangedNumber(recipe, "noise_vth", 0.423, 0.05, 1.0, "V");
  }

  std::string Name() const override { return "comparator"; }
  std::vector<BenchAxis> Axes() const override { return {}; }

  // Bench's default quantities ("comparator/<column>") are the schema's names.
  std::vector<Column> Columns() const override {
    std::vector<Column> c;
    for (const schema::ComparatorLevel& level : Comparators()) {
      c.push_back({std::string(schema::ColumnOf(level.threshold_v)), "V"});
    }
    for (const schema::ComparatorLevel& level : Comparators()) {
      c.push_back({std::string(schema::ColumnOf(level.offset_v)), "V"});
    }
    c.push_back({std::string(schema::ColumnOf(schema::kComparatorEnergyDecision)), "J"});
    c.push_back({std::string(schema::ColumnOf(schema::kComparatorReferenceEnergy)), "J"});
    c.push_back({std::string(schema::ColumnOf(schema::kComparatorKickbackV)), "V"});
    return c;
  }

  std::string Deck(const GridPoint& p, std::vector<std::filesystem::path>& inputs) const override {
    const Timing tm = TimingAt(p.vdd_v);
    const std::vector<double> lv = Levels(p.vdd_v);
    netlist::Bindings b;
    b.Set("vdd", p.vdd_v).Set("temp", p.temp_c).Set("vcm", vcm_v_).Set("v_half", 0.5 * p.vdd_v);
    b.Set("c_line", c_line_f_).Set("comparators", comparators_);
    const double t_conv = tm.conversion;
    std::vector<std::pair<double, double>> smp, smpb, ph;
    for (int n = 0; n < steps_; ++n) {
      const double t0 = n * t_conv;
      const double fall = t0 + tm.t_sample - t_edge_s_;
      // SMP (and SMPB) end the sampling; PH moves the bottom plates to the references two
      // edges later, until an edge before the conversion ends.
      smp.insert(smp.end(), {{t0, p.vdd_v},
                             {fall, p.vdd_v},
                             {fall + t_edge_s_, 0.0},
                             {t0 + t_conv - t_edge_s_, 0.0}});
      smpb.insert(smpb.end(), {{t0, 0.0},
                               {fall, 0.0},
                               {fall + t_edge_s_, p.vdd_v},
                               {t0 + t_conv - t_edge_s_, p.vdd_v}});
      ph.insert(ph.end(), {{t0, 0.0},
                           {fall + 2 * t_edge_s_, 0.0},
                           {fall + 3 * t_edge_s_, p.vdd_v},
                           {t0 + t_conv - 2 * t_edge_s_, p.vdd_v},
                           {t0 + t_conv - t_edge_s_, 0.0}});
    }
    b.SetText("smp", Pwl(smp)).SetText("smpb", Pwl(smpb)).SetText("ph", Pwl(ph));
    b.SetText("clk", measure::SarClockPwl(1, p.vdd_v, tm.t_sample, tm.t_clk, t_edge_s_, steps_));
    // Ladder vddr - r - ref<k> (highest first) - ... - 0: node k at 2 x level k.
    std::string ladder;
    std::string above = "vddr";
    double frac_above = 1.0;
    for (std::size_t k = lv.size(); k-- > 0;) {
      const double frac = lv[k] / p.vdd_v;
      const std::string node = "ref" + std::to_string(k);
      ladder += "rlad" + std::to_string(k) + " " + above + " " + node + " " +
                netlist::FormatNumber(ladder_r_ * (frac_above - frac)) + "\n";
      ladder += "cdec_ref" + std::to_string(k) + " " + node + " 0 " +
                netlist::FormatNumber(kDecouplingF) + "\n";
      // The operating point starts the node at its level.
      ladder += ".ic v(" + node + ")=" + netlist::FormatNumber(lv[k]) + "\n";
      above = node;
      frac_above = frac;
    }
    ladder += "rladb " + above + " 0 " + netlist::FormatNumber(ladder_r_ * frac_above) + "\n";
    b.SetText("ladder", ladder);
    const double c_top = c_s_f_ + c_par_f_;
    const measure::DeviceModels models = Models(recipe_);
    const std::string nm = " " + models.nmos + " w=1e-6 l=65e-9\n";
    const std::string pm = " " + models.pmos + " w=1e-6 l=65e-9\n";
    std::string readout;
    for (std::size_t k = 0; k < lv.size(); ++k) {
      const std::string i = std::to_string(k);
      readout += "* comparator " + i + "\n";
      readout += "mcin" + i + " cbp" + i + " smp line vss" + nm;
      readout += "mcref" + i + " cbp" + i + " ph ref" + i + " vss" + nm;
      readout += "ccs" + i + " cbp" + i + " cvx" + i + " " + netlist::FormatNumber(c_s_f_) + "\n";
      readout += "ccpx" + i + " cvx" + i + " 0 " + netlist::FormatNumber(c_par_f_) + "\n";
      readout += "mctx" + i + " cvx" + i + " smpb vcm vdd" + pm;
      readout += "ccy" + i + " cvy" + i + " 0 " + netlist::FormatNumber(c_top) + "\n";
      readout += "mcty" + i + " cvy" + i + " smpb vcm vdd" + pm;
      readout += "xcmp" + i + " cvy" + i + " cvx" + i + " clk cdec" + i + " vdd vss strongarm\n";
    }
    b.SetText("readout", readout);
    // Staircase: each step's level from the conversion's start; the line switch closes for the
    // first half of the sampling phase.
    const double lo = lv.front() - 0.5 * window_v_;
    const double hi = lv.back() + 0.5 * window_v_;
    std::vector<std::pair<double, double>> st, con;
    for (int n = 0; n < steps_; ++n) {
      const double t0 = n * tm.conversion;
      const double level = lo + (hi - lo) * n / (steps_ - 1);
      st.push_back({t0, level});
      st.push_back({t0 + tm.conversion - t_edge_s_, level});
      con.push_back({t0, 0.0});
      con.push_back({t0 + t_edge_s_, p.vdd_v});
      con.push_back({t0 + 0.5 * tm.t_sample, p.vdd_v});
      con.push_back({t0 + 0.5 * tm.t_sample + t_edge_s_, 0.0});
      con.push_back({t0 + tm.conversion - t_edge_s_, 0.0});
    }
    b.SetText("staircase", Pwl(st));
    b.SetText("con", Pwl(con));
    return RenderBenchText(recipe_, kDeck,
                           "comparator readout bench (src/characterize/benches/comparator.cpp)",
                           p.corner, b, inputs);
  }

  std::vector<std::string> Analysis(const GridPoint& p) const override {
    const Timing tm = TimingAt(p.vdd_v);
    return {"tran " + netlist::FormatNumber(t_max_step_s_ / 4) + " " +
            netlist::FormatNumber(steps_ * tm.conversion) + " 0 " +
            netlist::FormatNumber(t_max_step_s_)};
  }

  std::vector<std::string> Vectors(const GridPoint& /*p*/) const override {
    std::vector<std::string> v = {"time",    "v(line)", "i(vdd)",   "i(vddr)", "i(vcm)",
                                  "i(vclk)", "i(vsmp)", "i(vsmpb)", "i(vref)"};
    for (int k = 0; k < comparators_; ++k) {
      v.push_back("v(cdec" + std::to_string(k) + ")");
    }
    return v;
  }

  std::vector<double> Measure(const GridPoint& p, const spice::RunResult& run) const override {
    const Timing tm = TimingAt(p.vdd_v);
    const std::vector<double> lv = Levels(p.vdd_v);
    const auto t = Vec(run, "time");
    const auto line = Vec(run, "v(line)");
    std::vector<double> sampled(static_cast<std::size_t>(steps_));
    double kickback = 0.0;
    for (int n = 0; n < steps_; ++n) {
      const double t0 = n * tm.conversion;
      const double open = measure::ValueAt(t, line, t0 + 0.5 * tm.t_sample + 2 * t_edge_s_);
      // The sample the converter holds: the line when SMP falls.
      sampled[static_cast<std::size_t>(n)] = measure::ValueAt(t, line, t0 + tm.t_sample);
      const double end = measure::ValueAt(t, line, t0 + tm.conversion - 2 * t_edge_s_);
      kickback = std::max(kickback, std::abs(end - open));
    }
    std::vector<double> thresholds, offsets;
    for (int k = 0; k < comparators_; ++k) {
      const auto d = Vec(run, "v(cdec" + std::to_string(k) + ")");
      std::vector<std::pair<double, int>> vd;
      for (int n = 0; n < steps_; ++n) {
        // The bit is valid from t_sample + t_clk until the conversion ends.
        const double at = n * tm.conversion + tm.conversion - 2 * t_edge_s_;
        vd.push_back({sampled[static_cast<std::size_t>(n)],
                      measure::ValueAt(t, d, at) > 0.5 * p.vdd_v ? 1 : 0});
      }
      const double th = Transition(vd, k);
      thresholds.push_back(th);
      offsets.push_back(th - lv[static_cast<std::size_t>(k)]);
    }
    // Energy over every conversion.
    const double t1 = steps_ * tm.conversion;
    const double e_vdd = measure::SupplyEnergy(t, p.vdd_v, Vec(run, "i(vdd)"), 0.0, t1);
    const double e_drivers = DriverEnergy(t, Vec(run, "i(vcm)"), p.vdd_v, 0.0, t1) +
                             DriverEnergy(t, Vec(run, "i(vclk)"), p.vdd_v, 0.0, t1) +
                             DriverEnergy(t, Vec(run, "i(vsmp)"), p.vdd_v, 0.0, t1) +
                             DriverEnergy(t, Vec(run, "i(vsmpb)"), p.vdd_v, 0.0, t1) +
                             DriverEnergy(t, Vec(run, "i(vref)"), p.vdd_v, 0.0, t1);
    const double e_ladder = measure::SupplyEnergy(t, p.vdd_v, Vec(run, "i(vddr)"), 0.0, t1);
    const double e_static = p.vdd_v * p.vdd_v / ladder_r_ * t1;
    // The ladder's static power is shared by the columns; the charge above it is this column's.
    const double e_reference = (std::max(0.0, e_ladder - e_static) + e_static / columns_) / steps_;
    // A run whose nodes left the supply range (the solver diverged) is a failed sample, not a
    // figure: its energies would swamp the mean.
    for (int k = 0; k < comparators_; ++k) {
      for (double v : Vec(run, "v(cdec" + std::to_string(k) + ")")) {
        if (std::abs(v) > kDivergedOfVdd * p.vdd_v) {
          throw Error("comparator " + Names()[static_cast<std::size_t>(k)] + "'s output reached " +
                      netlist::FormatNumber(v) + " V at VDD = " + netlist::FormatNumber(p.vdd_v) +
                      " V: the transient diverged");
        }
      }
    }
    const double e_decision = (e_vdd + e_drivers) / (steps_ * comparators_);
    if (!(e_decision < kDivergedDecisionJ) || !(std::abs(e_ladder) < kDivergedDecisionJ * steps_)) {
      throw Error("supply energy of " + netlist::FormatNumber(e_decision) +
                  " J per decision (ladder " + netlist::FormatNumber(e_ladder) +
                  " J): the transient diverged");
    }
    std::vector<double> out = thresholds;
    out.insert(out.end(), offsets.begin(), offsets.end());
    out.push_back(e_decision);
    out.push_back(e_reference);
    out.push_back(kickback);
    return out;
  }

  std::vector<double> DynamicSigma(const GridPoint& p) const override {
    // Input-referred per decision: kT/C of the top plate and the reference side, and the
    // StrongARM's integration-phase noise, through g = Cs / C_top.
    const double c_top = c_s_f_ + c_par_f_;
    const double g = c_s_f_ / c_top;
    const double cmp = StrongArmNoiseV(p.temp_c, vcm_v_, vth_v_, c_x_f_) / g;
    const double sigma = std::sqrt(2.0 * KT(p.temp_c) / c_top / (g * g) + cmp * cmp);
    std::vector<double> out(Columns().size(), std::numeric_limits<double>::quiet_NaN());
    for (int k = 0; k < comparators_; ++k) {
      out[static_cast<std::size_t>(k)] = sigma;
      out[static_cast<std::size_t>(comparators_ + k)] = sigma;
    }
    return out;
  }

  std::string DynamicNoiseMethod() const override {
    return "comparator: analytic terms per decision, input-referred: sqrt(2 kT / C_top / g^2 + "
           "sigma_cmp^2), sigma_cmp^2 = 2 gamma kT V_ov / (V_th C_x) / g^2 (the adc bench's "
           "StrongARM model) with gamma = 1, V_ov = max(vcm - noise_vth, 0.05 V), g = Cs / C_top, "
           "C_top = Cs + c_top_parasitic; energy and kickback: none";
  }

  std::vector<std::string> ProvenanceNotes() const override {
    return {"comparator: " + std::to_string(comparators_) +
            " StrongARM comparator(s) (netlists/blocks/strongarm.sp) behind bottom-plate samplers "
            "(Cs " +
            netlist::FormatNumber(c_s_f_) + " F); references from a resistor ladder of " +
            netlist::FormatNumber(ladder_r_) + " Ohm shared by " + std::to_string(columns_) +
            " columns"};
  }

  std::vector<std::pair<std::string, std::string>> Parameters() const override {
    return {{std::string(schema::kComparatorComparatorsKey), std::to_string(comparators_)},
            {"comparator.ref", netlist::FormatNumber(ref_of_vdd_)},
            {"comparator.threshold", netlist::FormatNumber(th_of_vdd_)},
            {"comparator.c_line", netlist::FormatNumber(c_line_f_)},
            {"comparator.columns", std::to_string(columns_)}};
  }

 private:
  struct Timing {
    double t_sample = 0, t_clk = 0, conversion = 0;
  };
  Timing TimingAt(double vdd_v) const {
    Timing tm;
    const bool low = vdd_v <= 0.8 + 1e-12;
    tm.t_sample = low ? t_sample_low_s_ : t_sample_s_;
    tm.t_clk = low ? t_clk_low_s_ : t_clk_s_;
    tm.conversion = measure::SarConversionTime(1, tm.t_sample, tm.t_clk);
    return tm;
  }
  // The designed levels on the line, increasing.
  std::vector<double> Levels(double vdd_v) const {
    if (comparators_ == 1) {
      return {ref_of_vdd_ * vdd_v};
    }
    return {(ref_of_vdd_ - th_of_vdd_) * vdd_v, (ref_of_vdd_ + th_of_vdd_) * vdd_v};
  }
  // The comparators' names and quantities, thresholds increasing.
  std::span<const schema::ComparatorLevel> Comparators() const {
    return schema::ComparatorLevels(comparators_);
  }
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const schema::ComparatorLevel& level : Comparators()) {
      names.emplace_back(level.name);
    }
    return names;
  }
  // The level splitting the decisions with fewest errors (0 below, 1 above).
  double Transition(std::vector<std::pair<double, int>> vd, int k) const {
    std::sort(vd.begin(), vd.end());
    int ones_below = 0;
    int zeros_above = 0;
    for (const auto& [v, d] : vd) {
      zeros_above += d == 0 ? 1 : 0;
    }
    int best = std::numeric_limits<int>::max();
    std::size_t at = 0;
    for (std::size_t m = 0; m <= vd.size(); ++m) {
      const int errors = ones_below + zeros_above;
      if (errors < best) {
        best = errors;
        at = m;
      }
      if (m < vd.size()) {
        ones_below += vd[m].second;
        zeros_above -= vd[m].second == 0 ? 1 : 0;
      }
    }
    if (at == 0 || at == vd.size()) {
      int ones = 0;
      for (const auto& [v, d] : vd) {
        ones += d;
      }
      throw Error("comparator " + Names()[static_cast<std::size_t>(k)] +
                  " did not flip within the staircase (" + netlist::FormatNumber(vd.front().first) +
                  " .. " + netlist::FormatNumber(vd.back().first) + " V; it decided 'above' at " +
                  std::to_string(ones) + " of " + std::to_string(vd.size()) +
                  " steps): raise comparator.window");
    }
    return 0.5 * (vd[at - 1].first + vd[at].first);
  }

  Recipe recipe_;
  int comparators_ = 2, columns_ = 8, steps_ = 24;
  double ref_of_vdd_ = 0, th_of_vdd_ = 0, c_s_f_ = 0, c_par_f_ = 0, vcm_v_ = 0, c_line_f_ = 0;
  double ladder_r_ = 0, window_v_ = 0, t_edge_s_ = 0, t_clk_s_ = 0, t_clk_low_s_ = 0;
  double t_sample_s_ = 0, t_sample_low_s_ = 0, t_max_step_s_ = 0, c_x_f_ = 0, vth_v_ = 0;
};

}  // namespace

std::unique_ptr<Bench> MakeComparatorBench(const Recipe& recipe) {
  return std::make_unique<ComparatorBench>(recipe);
}

}  // namespace cimchar::characterize::benches
