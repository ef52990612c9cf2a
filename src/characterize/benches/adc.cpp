// SAR ADC bench (measure::SarAdcSubckt): comparator threshold, code transition levels,
// DNL/INL and energy per conversion, all from one transient per Monte Carlo sample.
//
// Phase 1 (comparator threshold): SMP stays high, so the top plate VX tracks VIN, while the
// clock runs `bisect_steps` comparator decisions. VIN is driven by a bisection loop (a
// behavioural integrator that moves VIN by ±window/2^(k+1) after decision k, down when the
// comparator said VX > VCMP), so the decisions close in on the comparator's threshold. The
// threshold is the middle of the tightest bracket [highest VX decided 0, lowest VX decided 1],
// VX taken at the start of each rising clock edge; the bracket width is stored (resolution).
// Phase 2 (transitions): one conversion per code D = 1 .. 2^b-1 with VIN at the nominal code
// centre D·LSB. Each comparison of a conversion is made with the array in a configuration C
// (decided bits above, trial bit 1, bits below 0), and the transition from code C-1 to C is
// decided exactly in configuration C, so T(C) = VIN - VX(before the edge) + V_threshold: every
// comparison yields one transition level, exact up to the threshold resolution and the input
// dependence of the sampling switch's charge injection over half an LSB.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "characterize/benches/common.h"
#include "characterize/benches/drivers.h"
#include "core/error.h"
#include "measure/transfer.h"
#include "measure/waveform.h"

namespace cimchar::characterize::benches {
namespace {

constexpr const char* kDeck = R"(* SAR ADC characterization: comparator threshold by bisection, then one conversion per code
{{models}}
.include ../blocks/strongarm.sp
{{adc}}
.temp {{temp}}
vdd vdd 0 {{vdd}}
vss vss 0 0
vref vref 0 {{vref}}
vcmp vcmp 0 {{vcmp}}
vsmp smp 0 {{smp}}
vclk clk 0 {{clk}}
vstair stair 0 {{stair}}
vstart start 0 {{vcmp}}
cacc acc 0 1e-12
racc acc start 1e12
bacc 0 acc i = {{bisect}}
bvin vin 0 v = {{vin_select}}
xadc vin smp clk vref vcmp {{adc_bits}} vdd vss sar_adc{{bits}}
.end
)";

// Noise model constants (stated in DynamicNoiseMethod).
constexpr double kGamma = 1.0;  // channel thermal-noise factor, short-channel value

class AdcBench final : public Bench {
 public:
  explicit AdcBench(const Recipe& recipe) : recipe_(recipe) {
    CheckBenchKeys(recipe, {"bits", "c_unit", "c_top_parasitic", "t_clk", "t_clk_low_vdd",
                            "t_sample", "t_edge", "bisect_steps", "bisect_window", "noise_c_x",
                            "noise_vth"});
    bits_ = RangedInt(recipe, "bits", 3, 2, 6);
    c_unit_f_ = RangedNumber(recipe, "c_unit", 5e-15, 1e-17, 1e-12, "F");
    c_par_f_ = RangedNumber(recipe, "c_top_parasitic", 4e-15, 0.0, 1e-11, "F");
    t_edge_s_ = RangedNumber(recipe, "t_edge", 50e-12, 1e-12, 1e-9, "s");
    t_clk_s_ = RangedNumber(recipe, "t_clk", 1e-9, 5 * t_edge_s_, 1e-6, "s");
    t_clk_low_s_ = RangedNumber(recipe, "t_clk_low_vdd", 4e-9, 5 * t_edge_s_, 1e-6, "s");
    t_sample_s_ = RangedNumber(recipe, "t_sample", 1e-9, 3 * t_edge_s_, 1e-6, "s");
    steps_ = RangedInt(recipe, "bisect_steps", 12, 2, 40);
    window_v_ = RangedNumber(recipe, "bisect_window", 0.064, 1e-4, 0.5, "V");
    c_x_f_ = RangedNumber(recipe, "noise_c_x", 2e-15, 1e-17, 1e-12, "F");
    vth_v_ = RangedNumber(recipe, "noise_vth", 0.423, 0.05, 1.0, "V");
    codes_ = (1 << bits_) - 1;
  }

  std::string Name() const override { return "adc"; }
  std::vector<BenchAxis> Axes() const override { return {}; }

  std::vector<Column> Columns() const override {
    std::vector<Column> c = {{"comparator_offset_v", "V"},
                             {"comparator_bracket_v", "V"},
                             {"energy_conversion_j", "J"}};
    for (int d = 1; d <= codes_; ++d) {
      c.push_back({"transition_v_" + std::to_string(d), "V"});
    }
    for (int d = 1; d <= codes_; ++d) {
      c.push_back({"inl_lsb_" + std::to_string(d), "1"});
    }
    for (int d = 1; d < codes_; ++d) {
      c.push_back({"dnl_lsb_" + std::to_string(d), "1"});
    }
    return c;
  }

  std::vector<lut::ReduceRequest> Quantities() const override {
    std::vector<double> codes, inner;
    lut::ReduceRequest tr{.quantity = "adc/transition_v", .units = "V"};
    lut::ReduceRequest inl{.quantity = "adc/inl_lsb", .units = "1"};
    lut::ReduceRequest dnl{.quantity = "adc/dnl_lsb", .units = "1"};
    for (int d = 1; d <= codes_; ++d) {
      codes.push_back(d);
      tr.columns.push_back("transition_v_" + std::to_string(d));
      inl.columns.push_back("inl_lsb_" + std::to_string(d));
      if (d < codes_) {
        inner.push_back(d);
        dnl.columns.push_back("dnl_lsb_" + std::to_string(d));
      }
    }
    tr.column_axis = inl.column_axis = lut::Axis::Numeric("code", "1", codes);
    dnl.column_axis = lut::Axis::Numeric("inner_code", "1", inner);
    return {{.quantity = "adc/comparator_offset_v", .units = "V",
             .columns = {"comparator_offset_v"}},
            {.quantity = "adc/comparator_bracket_v", .units = "V",
             .columns = {"comparator_bracket_v"}},
            {.quantity = "adc/energy_conversion_j", .units = "J",
             .columns = {"energy_conversion_j"}},
            tr,
            inl,
            dnl};
  }

  std::string Deck(const GridPoint& p, std::vector<std::filesystem::path>& inputs) const override {
    const Timing tm = TimingAt(p);
    const double vd = p.vdd_v;
    std::vector<std::pair<double, double>> clk = {{0.0, 0.0}};
    auto pulse = [&](double rise, double fall) {
      clk.insert(clk.end(), {{rise, 0.0}, {rise + t_edge_s_, vd}, {fall - t_edge_s_, vd},
                             {fall, 0.0}});
    };
    for (int k = 0; k < steps_; ++k) {
      pulse((k + 0.5) * tm.t_clk, (k + 1.0) * tm.t_clk);
    }
    std::vector<std::pair<double, double>> smp = {{0.0, vd}};
    std::vector<std::pair<double, double>> stair = {{0.0, CodeCentre(p, 1)}};
    for (int c = 0; c < codes_; ++c) {
      const double s = tm.Start(c);
      for (int j = 0; j < bits_; ++j) {
        pulse(tm.Rise(c, j), tm.Rise(c, j) + 0.5 * tm.t_clk);
      }
      smp.insert(smp.end(), {{s + t_sample_s_ - t_edge_s_, vd}, {s + t_sample_s_, 0.0},
                             {tm.Start(c + 1) - t_edge_s_, 0.0}, {tm.Start(c + 1), vd}});
      if (c > 0) {
        stair.insert(stair.end(), {{s, CodeCentre(p, c)}, {s + t_edge_s_, CodeCentre(p, c + 1)}});
      }
    }
    const std::string vh = netlist::FormatNumber(0.5 * vd);
    const std::string tclk = netlist::FormatNumber(tm.t_clk);
    const std::string t1 = netlist::FormatNumber(tm.t1);
    // VIN moves by window/2^(k+1) while CLK is low after decision k (ramp over t_clk/2).
    const std::string bisect =
        "1e-12*" + netlist::FormatNumber(2.0 * window_v_ / tm.t_clk) + "*exp(-0.6931471805599453*" +
        "floor(time/" + tclk + "))*u(" + vh + "-v(clk))*(1-2*u(v(xadc.cmp)-" + vh + "))*u(time-" +
        tclk + ")*u(" + t1 + "-time)";
    netlist::Bindings b;
    b.Set("vdd", vd).Set("temp", p.temp_c).Set("vref", vd).Set("vcmp", Vcmp(p));
    b.SetText("smp", Pwl(smp)).SetText("clk", Pwl(clk)).SetText("stair", Pwl(stair));
    b.SetText("bisect", bisect);
    b.SetText("vin_select", "u(" + t1 + "-time)*v(acc)+u(time-" + t1 + ")*v(stair)");
    b.SetText("adc", measure::SarAdcSubckt({.bits = bits_, .c_unit_f = c_unit_f_, .vdd_v = vd,
                                            .models = Models(recipe_)}));
    b.SetText("adc_bits", measure::SarAdcPorts(bits_)).Set("bits", bits_);
    return RenderBenchText(recipe_, kDeck, "adc bench (src/characterize/benches/adc.cpp)",
                           p.corner, b, inputs);
  }

  std::vector<std::string> Analysis(const GridPoint& p) const override {
    const Timing tm = TimingAt(p);
    return {"tran " + netlist::FormatNumber(t_edge_s_ / 2) + " " +
            netlist::FormatNumber(tm.Start(codes_))};
  }

  std::vector<std::string> Vectors(const GridPoint& /*p*/) const override {
    std::vector<std::string> v = {"time",    "v(xadc.vx)", "v(xadc.cmp)", "i(vdd)",
                                  "i(vref)", "i(vclk)",    "i(vsmp)"};
    for (int k = 0; k < bits_; ++k) {
      v.push_back("v(b" + std::to_string(k) + ")");
    }
    return v;
  }

  std::vector<double> Measure(const GridPoint& p, const spice::RunResult& run) const override {
    const Timing tm = TimingAt(p);
    const auto t = Vec(run, "time");
    const auto vx = Vec(run, "v(xadc.vx)");
    const auto cmp = Vec(run, "v(xadc.cmp)");
    const double vh = 0.5 * p.vdd_v;
    // Phase 1: the tightest bracket of the comparator threshold.
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    for (int k = 0; k < steps_; ++k) {
      const double v = measure::ValueAt(t, vx, (k + 0.5) * tm.t_clk);
      const bool one = measure::ValueAt(t, cmp, (k + 1.4) * tm.t_clk) > vh;
      if (one) {
        hi = std::min(hi, v);
      } else {
        lo = std::max(lo, v);
      }
    }
    if (!std::isfinite(lo) || !std::isfinite(hi)) {
      throw Error("comparator threshold not bracketed within +-" +
                  netlist::FormatNumber(window_v_) + " V of VCMP (raise adc.bisect_window)");
    }
    const double v_th = 0.5 * (lo + hi);
    // Phase 2: a transition level from every comparison.
    std::map<int, std::vector<double>> levels;
    double energy = 0;
    for (int c = 0; c < codes_; ++c) {
      const double vin = CodeCentre(p, c + 1);
      const double t_code = tm.Rise(c, bits_ - 1) + 0.9 * tm.t_clk;
      long long code = 0;
      for (int k = 0; k < bits_; ++k) {
        if (measure::ValueAt(t, Vec(run, "v(b" + std::to_string(k) + ")"), t_code) > vh) {
          code |= 1LL << k;
        }
      }
      for (int j = 0; j < bits_; ++j) {
        const int trial = bits_ - 1 - j;
        const int config = static_cast<int>(((code >> (trial + 1)) << (trial + 1)) | (1LL << trial));
        levels[config].push_back(vin - measure::ValueAt(t, vx, tm.Rise(c, j)) + v_th);
      }
      const double t0 = tm.Start(c);
      const double t1 = std::min(tm.Start(c + 1), t.back());
      energy += measure::SupplyEnergy(t, p.vdd_v, Vec(run, "i(vdd)"), t0, t1) +
                measure::SupplyEnergy(t, p.vdd_v, Vec(run, "i(vref)"), t0, t1) +
                DriverEnergy(t, Vec(run, "i(vclk)"), p.vdd_v, t0, t1) +
                DriverEnergy(t, Vec(run, "i(vsmp)"), p.vdd_v, t0, t1);
    }
    std::vector<double> tr;
    for (int d = 1; d <= codes_; ++d) {
      auto it = levels.find(d);
      if (it == levels.end()) {
        throw Error("no comparison decided the transition to code " + std::to_string(d));
      }
      double sum = 0;
      for (double v : it->second) {
        sum += v;
      }
      tr.push_back(sum / static_cast<double>(it->second.size()));
    }
    const measure::AdcLinearity lin = measure::AdcLinearityFromTransitions(tr);
    std::vector<double> out = {v_th - Vcmp(p), hi - lo, energy / codes_};
    out.insert(out.end(), tr.begin(), tr.end());
    out.insert(out.end(), lin.inl_lsb.begin(), lin.inl_lsb.end());
    out.insert(out.end(), lin.dnl_lsb.begin(), lin.dnl_lsb.end());
    return out;
  }

  std::vector<double> DynamicSigma(const GridPoint& p) const override {
    const double kt = KT(p.temp_c);
    const double cmp = ComparatorNoise(p);
    const double c_top = std::ldexp(c_unit_f_, bits_) + c_par_f_;
    std::vector<double> out(Columns().size(), std::numeric_limits<double>::quiet_NaN());
    out[0] = cmp;
    for (int d = 0; d < codes_; ++d) {
      out[3 + d] = std::sqrt(kt / c_top + cmp * cmp);
    }
    return out;
  }

  std::string DynamicNoiseMethod() const override {
    return "adc: analytic terms. Comparator (adc/comparator_offset_v): StrongARM integration-"
           "phase input-referred noise sigma^2 = 2 gamma kT V_ov / (V_th C_x) (white drain noise "
           "of the input pair integrated while the X/Y nodes fall by V_th; Razavi, 'The StrongARM "
           "Latch', IEEE SSC Magazine 2015; Nuzzo et al., IEEE TCAS-I 2008) with gamma = 1, "
           "V_ov = max(VCMP - V_th, 0.05 V), V_th = adc.noise_vth, C_x = adc.noise_c_x; "
           "transitions (adc/transition_v): sqrt(kT/C_top + sigma_cmp^2), C_top = 2^bits c_unit "
           "+ c_top_parasitic (top-plate sampling); energy, DNL, INL: none";
  }

 private:
  struct Timing {
    double t_clk = 0, t_sample = 0, t1 = 0, t_conv = 0;
    double Start(int c) const { return t1 + c * t_conv; }
    double Rise(int c, int j) const { return Start(c) + t_sample + (j + 0.5) * t_clk; }
  };

  Timing TimingAt(const GridPoint& p) const {
    Timing tm;
    const bool low = p.vdd_v < 0.8 && recipe_.bench_keys.count("adc.t_clk") == 0;
    tm.t_clk = low ? t_clk_low_s_ : t_clk_s_;
    tm.t_sample = t_sample_s_;
    tm.t1 = (steps_ + 1) * tm.t_clk;
    tm.t_conv = measure::SarConversionTime(bits_, t_sample_s_, tm.t_clk);
    return tm;
  }

  double Gain() const {
    const double array = std::ldexp(c_unit_f_, bits_);
    return array / (array + c_par_f_);
  }
  double Lsb(const GridPoint& p) const { return Gain() * p.vdd_v / std::ldexp(1.0, bits_); }
  // Comparator reference that puts the transitions at (D - 1/2) LSB.
  double Vcmp(const GridPoint& p) const { return (std::ldexp(1.0, bits_) - 1.5) * Lsb(p); }
  double CodeCentre(const GridPoint& p, int code) const { return code * Lsb(p); }

  double ComparatorNoise(const GridPoint& p) const {
    const double v_ov = std::max(Vcmp(p) - vth_v_, 0.05);
    return std::sqrt(2.0 * kGamma * KT(p.temp_c) * v_ov / (vth_v_ * c_x_f_));
  }

  Recipe recipe_;
  int bits_ = 3, codes_ = 7, steps_ = 12;
  double c_unit_f_ = 0, c_par_f_ = 0, t_edge_s_ = 0, t_clk_s_ = 0, t_clk_low_s_ = 0;
  double t_sample_s_ = 0, window_v_ = 0, c_x_f_ = 0, vth_v_ = 0;
};

}  // namespace

std::unique_ptr<Bench> MakeAdcBench(const Recipe& recipe) {
  return std::make_unique<AdcBench>(recipe);
}

}  // namespace cimchar::characterize::benches
