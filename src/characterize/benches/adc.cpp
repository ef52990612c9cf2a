// SAR ADC bench (measure::SarAdcSubckt): comparator threshold and memory, code transition
// levels, DNL/INL, history shift and energy per conversion, all from one transient per Monte
// Carlo sample. characterization/README.md states the quantities; here is how they are taken.
//
// The converter compares VXY = V(VX) - V(VY) with its threshold: bit = 1 when VXY < V_th. Before
// a decision in trial configuration D, VXY = a - g (VIN - D LSB) (a: the sampled offset, g: the
// array's share of the top plate, LSB = VREF / 2^b), so the transition to code D (decided in
// configuration D) lies at T(D) = VIN + (VXY - V_th) / g for any conversion that makes a
// decision in configuration D, with VIN and VXY its own: every decision yields one transition
// level, exact up to the threshold's resolution.
//
// Phase 1 (threshold): two bisections of conversions of two clock cycles, interleaved. A
// bisects the transition to code 2^(b-2), whose decision follows the MSB decision 0; B the one
// to 3 * 2^(b-2), after an MSB decision 1. Each drives VIN through a behavioural integrator that
// moves it by +-window/2^(k+1) after its decision k (down after a 1). V_th(after 0) and
// V_th(after 1): the middle of the tightest bracket [highest VXY decided 0 .. lowest VXY
// decided 1] of A and of B; the gain g: the least-squares slope of -VXY against VIN within
// each bisection (pooled).
// Phase 2 (transitions, history, energy): full conversions of the centre of every code and of
// one LSB beyond each end of the range (so an offset above half an LSB still has its end
// transitions decided), each code p of the history's previous codes (adc.history) followed by
// the same test input X (the centre of code 2^(b-1) - 1, half an LSB below the MSB
// transition). Transitions: the mean of
// the estimates of the code conversions' decisions within one LSB of their threshold (every
// transition is visited at half an LSB), each with the threshold after its own previous
// decision. History: every decision of X's conversion after p starts from X's sample as p left
// it, so the shift of transition k after p is (VXY of X's first decision after p minus its mean
// over p) / g, plus for the MSB transition (X's first decision follows p's last decision) the
// comparator's memory -(V_th(after p's last decision) - its mean) / g. Energy: the code
// conversions (every code once), per conversion: VDD's supply energy, and the charge VREF, VCM,
// CLK's and SMP's sources deliver counted at VDD (PhaseEnergy).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "calib/readouts/sar_schema.h"
#include "calib/schema.h"
#include "characterize/benches/common.h"
#include "characterize/benches/drivers.h"
#include "core/error.h"
#include "measure/transfer.h"
#include "measure/waveform.h"

namespace cimchar::characterize::benches {
namespace {

namespace schema = calib::schema;

constexpr const char* kDeck =
    R"(* SAR ADC characterization: comparator threshold by bisection, then full conversions
{{models}}
.include ../blocks/strongarm.sp
{{adc}}
.temp {{temp}}
vdd vdd 0 {{vdd}}
vss vss 0 0
vref vref 0 {{vref}}
vcm vcm 0 {{vcm}}
vsmp smp 0 {{smp}}
vclk clk 0 {{clk}}
* bisection integrators A and B (update windows in ga, gb), the level of the other
* conversions, and the selection of VIN
vstarta starta 0 {{v_start_a}}
vstartb startb 0 {{v_start_b}}
caca acca 0 1e-12
raca acca starta 1e12
baca 0 acca i = 1e-12*v(ga)*(1-2*u(v(xadc.cmp)-{{v_half}}))
cacb accb 0 1e-12
racb accb startb 1e12
bacb 0 accb i = 1e-12*v(gb)*(1-2*u(v(xadc.cmp)-{{v_half}}))
vga ga 0 {{ga}}
vgb gb 0 {{gb}}
vsela sela 0 {{sela}}
vselb selb 0 {{selb}}
vlev lev 0 {{lev}}
bvin vins 0 v = v(sela)*v(acca)+v(selb)*v(accb)+v(lev)
rvin vins vin 100
xadc vin smp clk vref vcm {{adc_bits}} vdd vss sar_adc{{bits}}
.end
)";

// Noise model constants (stated in DynamicNoiseMethod).

// Energy a source delivers, counted at VDD: the net charge it pushes out of its + terminal in
// each phase between `edges` (ngspice: current into +), summed over the phases where it is
// positive, times vdd_v. A reference buffer or driver supplied from VDD with a local
// decoupling capacitor draws that charge from VDD; charge handed back within a phase is netted
// (and the solver's ringing with it), charge handed back over a whole phase is not credited.
double PhaseEnergy(std::span<const double> t,
                   std::span<const double> i,
                   double vdd_v,
                   const std::vector<double>& edges) {
  double q = 0.0;
  for (std::size_t k = 0; k + 1 < edges.size(); ++k) {
    q += std::max(0.0, -measure::Integral(t, i, edges[k], edges[k + 1]));
  }
  return vdd_v * q;
}

class AdcBench final : public Bench {
 public:
  explicit AdcBench(const Recipe& recipe) : recipe_(recipe) {
    CheckBenchKeys(
        recipe, {"bits", "c_unit", "c_top_parasitic", "vref", "range_of_vref", "vcm", "logic",
                 "t_clk", "t_clk_low_vdd", "t_sample", "t_sample_low_vdd", "t_edge", "t_max_step",
                 "bisect_steps", "bisect_window", "history", "noise_c_x", "noise_vth"});
    bits_ = RangedInt(recipe, "bits", 3, 2, 6);
    c_unit_f_ = RangedNumber(recipe, "c_unit", 2e-15, 1e-17, 1e-12, "F");
    c_par_f_ = RangedNumber(recipe, "c_top_parasitic", 4e-15, 0.0, 1e-11, "F");
    vref_of_vdd_ = RangedNumber(recipe, "vref", measure::kSarVrefOfVdd, 0.05, 1.0, "of VDD");
    range_of_vref_ = RangedNumber(recipe, "range_of_vref", measure::SarAdcOptions{}.range_of_vref,
                                  0.01, 1.0, "");
    vcm_v_ = RangedNumber(recipe, "vcm", measure::kSarVcmV, 0.0, 2.0, "V");
    xspice_ = SarLogicKey(recipe, "logic") == measure::SarLogic::kXspice;
    t_edge_s_ = RangedNumber(recipe, "t_edge", 50e-12, 1e-12, 1e-9, "s");
    t_clk_s_ = RangedNumber(recipe, "t_clk", 1e-9, 8 * t_edge_s_, 1e-6, "s");
    t_clk_low_s_ = RangedNumber(recipe, "t_clk_low_vdd", 4e-9, 8 * t_edge_s_, 1e-6, "s");
    t_sample_s_ = RangedNumber(recipe, "t_sample", 1e-9, 3 * t_edge_s_, 1e-6, "s");
    t_sample_low_s_ = RangedNumber(recipe, "t_sample_low_vdd", 2e-9, 3 * t_edge_s_, 1e-6, "s");
    t_max_step_s_ = RangedNumber(recipe, "t_max_step", 2e-10, t_edge_s_ / 2, 1e-8, "s");
    steps_ = RangedInt(recipe, "bisect_steps", 8, 2, 30);
    window_v_ = RangedNumber(recipe, "bisect_window", 0.064, 1e-4, 0.5, "V");
    c_x_f_ = RangedNumber(recipe, "noise_c_x", 5.5e-15, 1e-17, 1e-12, "F");
    vth_v_ = RangedNumber(recipe, "noise_vth", 0.423, 0.05, 1.0, "V");
    codes_ = (1 << bits_) - 1;
    const auto history = recipe.bench_keys.find("adc.history");
    const std::string h = history == recipe.bench_keys.end() ? "all" : history->second;
    if (h == "all") {
      previous_.resize(static_cast<std::size_t>(codes_ + 1));
      std::iota(previous_.begin(), previous_.end(), 0);
    } else if (h == "ends") {
      previous_ = {0, codes_};
    } else {
      throw UsageError("adc.history must be 'all' (every previous code) or 'ends' (codes 0 and " +
                       std::to_string(codes_) + "), got '" + h + "'");
    }
  }

  std::string Name() const override { return "adc"; }

  // The converter's operating point (column.ini repeats it for the validation).
  std::vector<std::pair<std::string, std::string>> Parameters() const override {
    return {{"adc.bits", std::to_string(bits_)},
            {"adc.c_unit", netlist::FormatNumber(c_unit_f_)},
            {"adc.vref", netlist::FormatNumber(vref_of_vdd_)},
            {"adc.range_of_vref", netlist::FormatNumber(range_of_vref_)},
            {"adc.vcm", netlist::FormatNumber(vcm_v_)},
            {"adc.logic", xspice_ ? "xspice" : "transistor"}};
  }
  std::vector<BenchAxis> Axes() const override { return {}; }

  std::vector<Column> Columns() const override {
    std::vector<Column> c;
    for (const std::string_view quantity : kScalars) {
      c.push_back({std::string(schema::ColumnOf(quantity)), UnitsOf(quantity)});
    }
    for (int d = 1; d <= codes_; ++d) {
      c.push_back({CodeColumn(schema::kAdcTransitionV, d), "V"});
    }
    for (int d = 1; d <= codes_; ++d) {
      c.push_back({CodeColumn(schema::kAdcInlLsb, d), "1"});
    }
    for (int d = 1; d < codes_; ++d) {
      c.push_back({CodeColumn(schema::kAdcDnlLsb, d), "1"});
    }
    for (const std::string_view quantity :
         {schema::kAdcHistoryShiftV, schema::kAdcHistoryShiftLsb}) {
      for (int d = 1; d <= codes_; ++d) {
        for (int p : previous_) {
          c.push_back({HistoryColumn(quantity, d, p), UnitsOf(quantity)});
        }
      }
    }
    return c;
  }

  std::vector<lut::ReduceRequest> Quantities() const override {
    std::vector<double> codes, inner, previous(previous_.begin(), previous_.end());
    lut::ReduceRequest tr{.quantity = std::string(schema::kAdcTransitionV), .units = "V"};
    lut::ReduceRequest inl{.quantity = std::string(schema::kAdcInlLsb), .units = "1"};
    lut::ReduceRequest dnl{.quantity = std::string(schema::kAdcDnlLsb), .units = "1"};
    lut::ReduceRequest hv{.quantity = std::string(schema::kAdcHistoryShiftV), .units = "V"};
    lut::ReduceRequest hl{.quantity = std::string(schema::kAdcHistoryShiftLsb), .units = "1"};
    for (int d = 1; d <= codes_; ++d) {
      codes.push_back(d);
      tr.columns.push_back(CodeColumn(schema::kAdcTransitionV, d));
      inl.columns.push_back(CodeColumn(schema::kAdcInlLsb, d));
      if (d < codes_) {
        inner.push_back(d);
        dnl.columns.push_back(CodeColumn(schema::kAdcDnlLsb, d));
      }
      for (int p : previous_) {
        hv.columns.push_back(HistoryColumn(schema::kAdcHistoryShiftV, d, p));
        hl.columns.push_back(HistoryColumn(schema::kAdcHistoryShiftLsb, d, p));
      }
    }
    tr.column_axis = inl.column_axis = hv.column_axis = hl.column_axis =
        lut::Axis::Numeric(std::string(schema::kCodeAxis), "1", codes);
    hv.inner_axis = hl.inner_axis =
        lut::Axis::Numeric(std::string(schema::kPreviousCodeAxis), "1", previous);
    dnl.column_axis = lut::Axis::Numeric(std::string(schema::kInnerCodeAxis), "1", inner);
    std::vector<lut::ReduceRequest> out;
    // One value per sample each, recorded in the column named as the quantity after "adc/".
    for (const std::string_view quantity : kScalars) {
      out.push_back({.quantity = std::string(quantity),
                     .units = UnitsOf(quantity),
                     .columns = {std::string(schema::ColumnOf(quantity))}});
    }
    out.insert(out.end(), {tr, inl, dnl, hv, hl});
    return out;
  }

  std::string Deck(const GridPoint& p, std::vector<std::filesystem::path>& inputs) const override {
    const Timing tm = TimingAt(p);
    const std::vector<Conversion> plan = Plan(p, tm);
    const double vd = p.vdd_v;
    std::vector<std::pair<double, double>> smp = {{0.0, vd}}, clk = {{0.0, 0.0}};
    std::vector<std::pair<double, double>> ga = {{0.0, 0.0}}, gb = {{0.0, 0.0}};
    // VIN's selection and level: a conversion's value holds from a quarter clock after the
    // previous conversion's sampling ended (its input switches are open then) until its own
    // sampling ends.
    std::vector<std::pair<double, double>> sela = {{0.0, 0.0}}, selb = {{0.0, 0.0}},
                                           lev = {{0.0, 0.0}};
    for (std::size_t i = 0; i < plan.size(); ++i) {
      const Conversion& c = plan[i];
      const double sa = c.kind == Kind::kBisectA ? 1.0 : 0.0;
      const double sb = c.kind == Kind::kBisectB ? 1.0 : 0.0;
      if (i == 0) {
        sela.back().second = sa;
        selb.back().second = sb;
        lev.back().second = c.level_v;
      } else {
        const double change = plan[i - 1].start + tm.t_sample + 0.25 * tm.t_clk;
        for (auto [w, v] :
             {std::pair{&sela, sa}, std::pair{&selb, sb}, std::pair{&lev, c.level_v}}) {
          w->insert(w->end(), {{change, w->back().second}, {change + t_edge_s_, v}});
        }
      }
      smp.insert(smp.end(), {{c.start + tm.t_sample - t_edge_s_, vd},
                             {c.start + tm.t_sample, 0.0},
                             {c.end - t_edge_s_, 0.0},
                             {c.end, vd}});
      for (int k = 0; k < c.clocks; ++k) {
        const double rise = tm.Rise(c.start, k);
        const double fall = rise + 0.5 * tm.t_clk;
        clk.insert(clk.end(),
                   {{rise, 0.0}, {rise + t_edge_s_, vd}, {fall - t_edge_s_, vd}, {fall, 0.0}});
      }
      if (c.kind == Kind::kBisectA || c.kind == Kind::kBisectB) {
        // Update window: from the decision's falling clock edge to the end of the next
        // conversion's sampling (the other bisection's: the comparator holds this decision
        // until its first rising edge, and VIN does not read this integrator then).
        const double a = tm.Rise(c.start, 1) + 0.5 * tm.t_clk + t_edge_s_;
        const double b = c.end + tm.t_sample;
        const double rate = window_v_ / std::ldexp(1.0, c.step + 1) / (b - a - t_edge_s_);
        auto& g = c.kind == Kind::kBisectA ? ga : gb;
        g.insert(g.end(), {{a, 0.0}, {a + t_edge_s_, rate}, {b - t_edge_s_, rate}, {b, 0.0}});
      }
    }
    netlist::Bindings b;
    b.Set("vdd", vd).Set("temp", p.temp_c).Set("vref", vref_of_vdd_ * vd).Set("vcm", vcm_v_);
    b.Set("v_start_a", std::ldexp(1.0, bits_ - 2) * Lsb(p));
    b.Set("v_start_b", 3.0 * std::ldexp(1.0, bits_ - 2) * Lsb(p)).Set("v_half", 0.5 * vd);
    b.SetText("smp", Pwl(smp)).SetText("clk", Pwl(clk)).SetText("ga", Pwl(ga));
    b.SetText("gb", Pwl(gb)).SetText("sela", Pwl(sela)).SetText("selb", Pwl(selb));
    b.SetText("lev", Pwl(lev));
    b.SetText("adc", measure::SarAdcSubckt({.bits = bits_,
                                            .c_unit_f = c_unit_f_,
                                            .range_of_vref = range_of_vref_,
                                            .vdd_v = vd,
                                            .logic = xspice_ ? measure::SarLogic::kXspice
                                                             : measure::SarLogic::kTransistor,
                                            .models = Models(recipe_)}));
    b.SetText("adc_bits", measure::SarAdcPorts(bits_)).Set("bits", bits_);
    return RenderBenchText(recipe_, kDeck, "adc bench (src/characterize/benches/adc.cpp)", p.corner,
                           b, inputs);
  }

  std::vector<std::string> Analysis(const GridPoint& p) const override {
    const Timing tm = TimingAt(p);
    return {"tran " + netlist::FormatNumber(t_edge_s_ / 2) + " " +
            netlist::FormatNumber(Plan(p, tm).back().end) + " 0 " +
            netlist::FormatNumber(t_max_step_s_)};
  }

  std::vector<std::string> Vectors(const GridPoint& /*p*/) const override {
    return {"time",   "v(xadc.vx)", "v(xadc.vy)", "v(xadc.cmp)", "v(vin)",
            "i(vdd)", "i(vref)",    "i(vcm)",     "i(vclk)",     "i(vsmp)"};
  }

  std::vector<double> Measure(const GridPoint& p, const spice::RunResult& run) const override {
    const Timing tm = TimingAt(p);
    const std::vector<Conversion> plan = Plan(p, tm);
    const auto t = Vec(run, "time");
    const auto vx = Vec(run, "v(xadc.vx)");
    const auto vy = Vec(run, "v(xadc.vy)");
    const auto cmp = Vec(run, "v(xadc.cmp)");
    const auto vin = Vec(run, "v(vin)");
    const double vh = 0.5 * p.vdd_v;
    // A conversion's sampled input; decision j: VXY before its rising edge, the decision
    // before its falling edge.
    auto sampled = [&](const Conversion& c) {
      return measure::ValueAt(t, vin, c.start + tm.t_sample - t_edge_s_);
    };
    auto before = [&](const Conversion& c, int j) {
      const double at = tm.Rise(c.start, j) - t_edge_s_;
      return measure::ValueAt(t, vx, at) - measure::ValueAt(t, vy, at);
    };
    auto decision = [&](const Conversion& c, int j) {
      return measure::ValueAt(t, cmp, tm.Rise(c.start, j) + 0.5 * tm.t_clk - t_edge_s_) > vh ? 1
                                                                                             : 0;
    };
    // Phase 1: the thresholds after a 0 (A) and after a 1 (B) from the second decisions; the
    // gain from VXY against VIN within each bisection.
    double lo[2] = {-kInf, -kInf}, hi[2] = {kInf, kInf};
    std::vector<double> xs[2], vs[2];
    for (const Conversion& c : plan) {
      if (c.kind != Kind::kBisectA && c.kind != Kind::kBisectB) {
        continue;
      }
      const int which = c.kind == Kind::kBisectA ? 0 : 1;
      if (decision(c, 0) != which) {
        throw Error("bisection " + std::string(which ? "B" : "A") + " step " +
                    std::to_string(c.step) + ": the MSB decision was " + std::to_string(1 - which) +
                    " (its input is " + netlist::FormatNumber(sampled(c)) +
                    " V; raise adc.bisect_window?)");
      }
      const double v = before(c, 1);
      if (decision(c, 1) == 1) {
        lo[which] = std::max(lo[which], v);
      } else {
        hi[which] = std::min(hi[which], v);
      }
      xs[which].push_back(sampled(c));
      vs[which].push_back(v);
    }
    double th[2] = {0.0, 0.0}, bracket = 0.0, sxy = 0.0, sxx = 0.0;
    for (int which = 0; which < 2; ++which) {
      if (!std::isfinite(lo[which]) || !std::isfinite(hi[which])) {
        throw Error("comparator threshold (after a " + std::to_string(which) +
                    ") not bracketed within +-" + netlist::FormatNumber(window_v_) +
                    " V of the nominal transition (raise adc.bisect_window)");
      }
      th[which] = 0.5 * (lo[which] + hi[which]);
      bracket = std::max(bracket, hi[which] - lo[which]);
      const auto n = static_cast<double>(xs[which].size());
      const double mx = std::accumulate(xs[which].begin(), xs[which].end(), 0.0) / n;
      const double mv = std::accumulate(vs[which].begin(), vs[which].end(), 0.0) / n;
      for (std::size_t i = 0; i < xs[which].size(); ++i) {
        sxy += (xs[which][i] - mx) * (vs[which][i] - mv);
        sxx += (xs[which][i] - mx) * (xs[which][i] - mx);
      }
    }
    const double g = -sxy / sxx;
    if (!(g > 0.05 && g < 1.5)) {
      throw Error("the top plate does not follow the sampled input (gain " +
                  netlist::FormatNumber(g) + "): the converter does not sample");
    }
    // Phase 2: a transition level from every decision of the code conversions; the test
    // conversions' first decisions.
    std::map<int, std::vector<double>> levels;
    std::vector<double> first_vxy(previous_.size());
    std::vector<int> last_before(previous_.size());
    double energy = 0.0;
    int conversions = 0;
    int last = 0;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      const Conversion& c = plan[i];
      if (c.kind == Kind::kTest) {
        first_vxy[c.step] = before(c, 0);
        last_before[c.step] = last;
      }
      if (c.kind == Kind::kCode || c.kind == Kind::kEdge) {
        const double x = sampled(c);
        int config = 1 << (bits_ - 1);
        for (int j = 0; j < bits_; ++j) {
          const double level = x + (before(c, j) - th[last]) / g;
          if (std::abs(level - x) <= kLevelReachLsb * Lsb(p)) {
            levels[config].push_back(level);
          }
          last = decision(c, j);
          const int bit = bits_ - 1 - j;
          config = (last ? config : config & ~(1 << bit)) | (bit > 0 ? 1 << (bit - 1) : 0);
        }
        if (c.kind == Kind::kCode) {
          std::vector<double> edges = {c.start, c.start + tm.t_sample};
          for (int j = 0; j < bits_; ++j) {
            edges.insert(edges.end(), {tm.Rise(c.start, j), tm.Rise(c.start, j) + 0.5 * tm.t_clk});
          }
          edges.push_back(std::min(c.end, t.back()));
          energy += measure::SupplyEnergy(t, p.vdd_v, Vec(run, "i(vdd)"), c.start, edges.back());
          for (const char* source : {"i(vref)", "i(vcm)", "i(vclk)", "i(vsmp)"}) {
            energy += PhaseEnergy(t, Vec(run, source), p.vdd_v, edges);
          }
          ++conversions;
        }
      } else {
        last = decision(c, c.clocks - 1);
      }
    }
    std::vector<double> tr;
    for (int d = 1; d <= codes_; ++d) {
      const auto& l = levels[d];
      if (l.empty()) {
        throw Error("no decision within " + netlist::FormatNumber(kLevelReachLsb) +
                    " LSB of the transition to code " + std::to_string(d) +
                    " (an offset beyond the range's ends?)");
      }
      tr.push_back(std::accumulate(l.begin(), l.end(), 0.0) / static_cast<double>(l.size()));
    }
    const measure::AdcLinearity lin = measure::AdcLinearityFromTransitions(tr);
    // History of transition d after previous code p: the test sample's shift, plus the MSB
    // decision's threshold after p's last decision.
    const double np = static_cast<double>(previous_.size());
    const double mean_vxy = std::accumulate(first_vxy.begin(), first_vxy.end(), 0.0) / np;
    double mean_th = 0.0;
    for (int l : last_before) {
      mean_th += th[l] / np;
    }
    std::vector<double> hist_v, hist_lsb;
    double hist_max = 0.0;
    for (int d = 1; d <= codes_; ++d) {
      for (std::size_t i = 0; i < previous_.size(); ++i) {
        double h = (first_vxy[i] - mean_vxy) / g;
        if (d == 1 << (bits_ - 1)) {
          h -= (th[last_before[i]] - mean_th) / g;
        }
        hist_v.push_back(h);
        hist_lsb.push_back(h / lin.lsb);
        hist_max = std::max(hist_max, std::abs(h / lin.lsb));
      }
    }
    std::vector<double> out = {-0.5 * (th[0] + th[1]) / g, bracket, (th[0] - th[1]) / g,
                               energy / conversions, hist_max};
    out.insert(out.end(), tr.begin(), tr.end());
    out.insert(out.end(), lin.inl_lsb.begin(), lin.inl_lsb.end());
    out.insert(out.end(), lin.dnl_lsb.begin(), lin.dnl_lsb.end());
    out.insert(out.end(), hist_v.begin(), hist_v.end());
    out.insert(out.end(), hist_lsb.begin(), hist_lsb.end());
    return out;
  }

  std::vector<double> DynamicSigma(const GridPoint& p) const override {
    const double kt = KT(p.temp_c);
    const double g = DesignGain();
    const double cmp = ComparatorNoise(p) / g;
    const double c_top = TopPlate();
    std::vector<double> out(Columns().size(), std::numeric_limits<double>::quiet_NaN());
    out[0] = cmp;
    for (int d = 0; d < codes_; ++d) {
      out[5 + d] = std::sqrt(2.0 * kt / c_top / (g * g) + cmp * cmp);
    }
    return out;
  }

  std::string DynamicNoiseMethod() const override {
    return "adc: analytic terms. Comparator (adc/comparator_offset_v): StrongARM integration-"
           "phase noise sigma^2 = 2 gamma kT V_ov / (V_th C_x) (white drain noise of the input "
           "pair integrated while the X/Y nodes fall by V_th; Razavi, 'The StrongARM Latch', "
           "IEEE SSC Magazine 2015; Nuzzo et al., IEEE TCAS-I 2008) with gamma = 1, V_ov = "
           "max(adc.vcm - V_th, 0.05 V), V_th = adc.noise_vth, C_x = adc.noise_c_x, referred to "
           "the input by g = Cs / C_top (Cs = 2^bits c_unit / range_of_vref, C_top = Cs + "
           "(2^bits - 1) c_unit + c_top_parasitic); transitions (adc/transition_v): "
           "sqrt(2 kT / C_top / g^2 + sigma_cmp^2) (kT/C of the top plate and of the reference "
           "side, each held at VCM on C_top while sampling); energy, DNL, INL, history: none";
  }

 private:
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  // A decision estimates its transition when the transition lies within this many LSB of the
  // conversion's input (the estimate is linear in VXY; the comparator stays linear there).
  static constexpr double kLevelReachLsb = 1.0;

  struct Timing {
    double t_clk = 0, t_sample = 0;
    // Rising edge of clock k of the conversion starting at `start`.
    double Rise(double start, int k) const { return start + t_sample + (k + 0.5) * t_clk; }
  };

  Timing TimingAt(const GridPoint& p) const {
    Timing tm;
    const bool low = p.vdd_v < 0.8;
    tm.t_clk = low && recipe_.bench_keys.count("adc.t_clk") == 0 ? t_clk_low_s_ : t_clk_s_;
    tm.t_sample =
        low && recipe_.bench_keys.count("adc.t_sample") == 0 ? t_sample_low_s_ : t_sample_s_;
    return tm;
  }

  // The conversions of one transient, in order.
  enum class Kind { kBisectA, kBisectB, kCode, kEdge, kTest };
  struct Conversion {
    Kind kind;
    int step = 0;  // bisection step, or the index into previous_ of a test conversion
    double start = 0, end = 0;
    int clocks = 0;
    double level_v = 0;  // VIN (the bisections read their integrators instead)
  };

  // Phase 1: bisections A and B alternating, conversions of two clock cycles
  // (t_sample + 2.5 t_clk). Phase 2: the centre of every code, each followed by the test input X
  // when it is one of the history's previous codes, SarConversionTime long.
  std::vector<Conversion> Plan(const GridPoint& p, const Timing& tm) const {
    std::vector<Conversion> plan;
    double t = 0.0;
    auto add = [&](Kind kind, int step, int clocks, double level, double length) {
      plan.push_back({.kind = kind,
                      .step = step,
                      .start = t,
                      .end = t + length,
                      .clocks = clocks,
                      .level_v = level});
      t += length;
    };
    const double t_short = tm.t_sample + 2.5 * tm.t_clk;
    const double t_conv = measure::SarConversionTime(bits_, tm.t_sample, tm.t_clk);
    const double lsb = Lsb(p);
    for (int k = 0; k < steps_; ++k) {
      add(Kind::kBisectA, k, 2, 0.0, t_short);
      add(Kind::kBisectB, k, 2, 0.0, t_short);
    }
    // One LSB outside the range at both ends too: with an offset above half an LSB the first
    // (last) transition is decided only by inputs below (above) the range.
    for (int code = -1; code <= codes_ + 1; ++code) {
      add(code < 0 || code > codes_ ? Kind::kEdge : Kind::kCode, code, bits_, (code + 0.5) * lsb,
          t_conv);
      const auto it = std::find(previous_.begin(), previous_.end(), code);
      if (it != previous_.end()) {
        add(Kind::kTest, static_cast<int>(it - previous_.begin()), bits_,
            (std::ldexp(1.0, bits_ - 1) - 0.5) * lsb, t_conv);
      }
    }
    return plan;
  }

  double Lsb(const GridPoint& p) const {
    return range_of_vref_ * vref_of_vdd_ * p.vdd_v / std::ldexp(1.0, bits_);
  }

  // The single-valued quantities, in record column order.
  static constexpr std::string_view kScalars[] = {
      schema::kAdcComparatorOffsetV, schema::kAdcComparatorBracketV, schema::kAdcComparatorMemoryV,
      schema::kAdcEnergyConversion, schema::kAdcHistoryShiftMaxLsb};
  static std::string UnitsOf(std::string_view quantity) {
    return quantity.ends_with("_v") ? "V" : quantity.ends_with("_j") ? "J" : "1";
  }
  // The record column of a history quantity at `code` after `previous`.
  static std::string HistoryColumn(std::string_view quantity, int code, int previous) {
    return CodeColumn(quantity, code) + "_after_" + std::to_string(previous);
  }

  // The top plate's capacitance and the sampling capacitor's share of it, from the design
  // values (the noise estimate; the measurement takes the gain from the waveforms).
  double TopPlate() const {
    return std::ldexp(c_unit_f_, bits_) / range_of_vref_ +
           (std::ldexp(1.0, bits_) - 1.0) * c_unit_f_ + c_par_f_;
  }
  double DesignGain() const { return std::ldexp(c_unit_f_, bits_) / range_of_vref_ / TopPlate(); }

  double ComparatorNoise(const GridPoint& p) const {
    return StrongArmNoiseV(p.temp_c, vcm_v_, vth_v_, c_x_f_);
  }

  Recipe recipe_;
  int bits_ = 3, codes_ = 7, steps_ = 8;
  bool xspice_ = false;
  std::vector<int> previous_;
  double c_unit_f_ = 0, c_par_f_ = 0, vref_of_vdd_ = 0, range_of_vref_ = 0, vcm_v_ = 0;
  double t_edge_s_ = 0, t_clk_s_ = 0, t_clk_low_s_ = 0, t_sample_s_ = 0, t_sample_low_s_ = 0;
  double t_max_step_s_ = 0, window_v_ = 0, c_x_f_ = 0, vth_v_ = 0;
};

}  // namespace

std::unique_ptr<Bench> MakeAdcBench(const Recipe& recipe) {
  return std::make_unique<AdcBench>(recipe);
}

}  // namespace cimchar::characterize::benches
