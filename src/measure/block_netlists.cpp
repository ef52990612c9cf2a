#include "measure/block_netlists.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"

namespace cimchar::measure {
namespace {

// Shortest form that reads back as the same double (what the renderer writes).
std::string Num(double v) {
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) {
      break;
    }
  }
  return buf;
}

void CheckDacBits(int bits, const char* what) {
  if (bits < 1 || bits > 4) {
    throw UsageError(std::string(what) + ": DAC bits must be 1..4, got " + std::to_string(bits));
  }
}

// A transmission gate from a to b, on when g is high (gb is its complement).
std::string Tg(const DeviceModels& m,
               const std::string& name,
               const std::string& a,
               const std::string& b,
               const std::string& g,
               const std::string& gb,
               const std::string& wn,
               const std::string& wp) {
  return "mn" + name + " " + a + " " + g + " " + b + " vss " + m.nmos + " w=" + wn + " l=65e-9\n" +
         "mp" + name + " " + a + " " + gb + " " + b + " vdd " + m.pmos + " w=" + wp + " l=65e-9\n";
}

std::string Inverter(const DeviceModels& m,
                     const std::string& name,
                     const std::string& in,
                     const std::string& out,
                     const std::string& supply = "vdd") {
  return "mpi" + name + " " + out + " " + in + " " + supply + " " + supply + " " + m.pmos +
         " w=400e-9 l=65e-9\n" + "mni" + name + " " + out + " " + in + " vss vss " + m.nmos +
         " w=200e-9 l=65e-9\n";
}

}  // namespace

std::string ActivationDacSubckt(int bits, const DeviceModels& models) {
  CheckDacBits(bits, "ActivationDacSubckt");
  int levels = 1 << bits;
  std::string s = "* activation DAC, " + std::to_string(bits) +
                  " bit(s): binary tree of TG 2:1 multiplexers, LSB first\n";
  s += ".subckt act_dac" + std::to_string(bits);
  for (int k = 0; k < bits; ++k) {
    s += " d" + std::to_string(k);
  }
  for (int j = 0; j < levels; ++j) {
    s += (j % 8 == 0 ? "\n+" : "") + std::string(" ref") + std::to_string(j);
  }
  s += "\n+ out vdd vss\n";
  for (int k = 0; k < bits; ++k) {
    s += Inverter(models, "d" + std::to_string(k), "d" + std::to_string(k),
                  "db" + std::to_string(k));
  }
  for (int level = 0; level < bits; ++level) {
    int muxes = levels >> (level + 1);
    std::string d = "d" + std::to_string(level);
    std::string db = "db" + std::to_string(level);
    for (int i = 0; i < muxes; ++i) {
      auto in = [&](int idx) {
        return level == 0 ? "ref" + std::to_string(idx)
                          : "n" + std::to_string(level - 1) + "_" + std::to_string(idx);
      };
      std::string out = level == bits - 1 ? std::string("out")
                                          : "n" + std::to_string(level) + "_" + std::to_string(i);
      std::string tag = std::to_string(level) + "_" + std::to_string(i);
      s += Tg(models, "1_" + tag, in(2 * i + 1), out, d, db, "400e-9", "800e-9");
      s += Tg(models, "0_" + tag, in(2 * i), out, db, d, "400e-9", "800e-9");
    }
  }
  s += ".ends act_dac" + std::to_string(bits) + "\n";
  return s;
}

std::string ActivationDacPorts(int bits,
                               const std::string& bit_prefix,
                               const std::string& ref_prefix) {
  CheckDacBits(bits, "ActivationDacPorts");
  std::string s;
  for (int k = 0; k < bits; ++k) {
    s += (k ? " " : "") + bit_prefix + std::to_string(k);
  }
  for (int j = 0; j < (1 << bits); ++j) {
    s += " " + ref_prefix + std::to_string(j);
  }
  return s;
}

double DacLevel(int bits, int code, double v_full_scale_v) {
  CheckDacBits(bits, "DacLevel");
  int top = (1 << bits) - 1;
  if (code < 0 || code > top) {
    throw UsageError("DacLevel: code " + std::to_string(code) + " is outside 0.." +
                     std::to_string(top));
  }
  return v_full_scale_v * code / top;
}

std::string DacReferenceSources(int bits, double v_full_scale_v, const std::string& prefix) {
  CheckDacBits(bits, "DacReferenceSources");
  if (!(v_full_scale_v >= 0.0)) {
    throw UsageError("DacReferenceSources: full scale must be >= 0 V, got " + Num(v_full_scale_v));
  }
  std::string s;
  for (int j = 0; j < (1 << bits); ++j) {
    std::string node = prefix + std::to_string(j);
    s += "v" + node + " " + node + " 0 " + Num(DacLevel(bits, j, v_full_scale_v)) + "\n";
  }
  return s;
}

namespace {

// SAR ADC switch widths. The top-plate switches are wide because they pass VCM with only
// VCM - |Vtp| of overdrive. The sampling capacitor's input transmission gate (per farad) settles
// the line's range within the share phase (0.6 V: its NMOS has >= 0.4 V of gate drive); its
// ground switch and the DAC drivers (per unit) have full gate drive.
constexpr double kSarTopSwitchW = 4e-6;
constexpr double kSarInSwitchWPerF = 4e-6 / 48e-15;
constexpr double kSarGndSwitchWPerF = 1e-6 / 48e-15;
constexpr double kSarDriverPW = 400e-9;
constexpr double kSarDriverNW = 200e-9;

// Generated-netlist helpers for the SAR ADC: flat devices (no nested subcircuits, so Monte Carlo
// names every transistor `<instance>.m<name>`), L = 65 nm, bulk at the rail.
class Gen {
 public:
  explicit Gen(const DeviceModels& m) : m_(m) {}

  void N(const std::string& name,
         const std::string& d,
         const std::string& g,
         const std::string& s,
         double w) {
    text += "mn" + name + " " + d + " " + g + " " + s + " vss " + m_.nmos + " w=" + Num(w) +
            " l=65e-9\n";
  }
  void P(const std::string& name,
         const std::string& d,
         const std::string& g,
         const std::string& s,
         double w) {
    text += "mp" + name + " " + d + " " + g + " " + s + " vdd " + m_.pmos + " w=" + Num(w) +
            " l=65e-9\n";
  }
  void Inv(const std::string& name,
           const std::string& in,
           const std::string& out,
           double wn = 200e-9,
           double wp = 400e-9) {
    P(name, out, in, "vdd", wp);
    N(name, out, in, "vss", wn);
  }
  // Transmission gate a-b, on when g is high (gb its complement).
  void Tg(const std::string& name,
          const std::string& a,
          const std::string& b,
          const std::string& g,
          const std::string& gb,
          double wn = 200e-9,
          double wp = 400e-9) {
    N(name, a, g, b, wn);
    P(name, a, gb, b, wp);
  }
  void Nor2(const std::string& name,
            const std::string& a,
            const std::string& b,
            const std::string& out,
            double wn = 200e-9,
            double wp = 800e-9) {
    P(name + "a", name + "_p", a, "vdd", wp);
    P(name + "b", out, b, name + "_p", wp);
    N(name + "a", out, a, "vss", wn);
    N(name + "b", out, b, "vss", wn);
  }
  void Nand2(const std::string& name,
             const std::string& a,
             const std::string& b,
             const std::string& out,
             double wn = 400e-9,
             double wp = 400e-9) {
    P(name + "a", out, a, "vdd", wp);
    P(name + "b", out, b, "vdd", wp);
    N(name + "a", out, a, name + "_n", wn);
    N(name + "b", name + "_n", b, "vss", wn);
  }
  // Positive-edge master-slave D flip-flop with asynchronous reset (r high: q = 0; rb is r's
  // complement), 20 transistors: master transparent while ck is low (input TG, NAND(a, rb) and a
  // clocked feedback inverter), slave transparent while ck is high (TG, NOR(s, r), feedback
  // inverter that also gives qb). Both latches clear under reset, so releasing it at either
  // clock level keeps q = 0.
  void Dffr(const std::string& name,
            const std::string& d,
            const std::string& ck,
            const std::string& ckb,
            const std::string& r,
            const std::string& rb,
            const std::string& q,
            const std::string& qb) {
    const std::string a = name + "_a", ab = name + "_ab", af = name + "_af", s = name + "_s";
    Tg(name + "i", d, a, ckb, ck);
    Nand2(name + "m", a, rb, ab);
    Inv(name + "f", ab, af);
    Tg(name + "fm", af, a, ck, ckb);
    Tg(name + "t", ab, s, ck, ckb);
    Nor2(name + "s", s, r, q);
    Inv(name + "q", q, qb);
    Tg(name + "fs", qb, s, ckb, ck);
  }

  // D latch with asynchronous reset, 10 transistors: transparent while en is high (input TG),
  // q = NOT NAND(l, rb) (rb low clears it), held through a feedback TG while en is low.
  void Dlatchr(const std::string& name,
               const std::string& d,
               const std::string& en,
               const std::string& enb,
               const std::string& rb,
               const std::string& q) {
    const std::string l = name + "_l", lb = name + "_lb";
    Tg(name + "i", d, l, en, enb);
    Nand2(name + "m", l, rb, lb);
    Inv(name + "q", lb, q);
    Tg(name + "f", q, l, enb, en);
  }

  std::string text;

 private:
  const DeviceModels& m_;
};

void CheckSarOptions(const SarAdcOptions& o, const char* what) {
  if (o.bits < 1 || o.bits > 6) {
    throw UsageError(std::string(what) + ": bits must be 1..6, got " + std::to_string(o.bits));
  }
  if (!(o.c_unit_f > 0.0)) {
    throw UsageError(std::string(what) + ": unit capacitor must be > 0 F, got " + Num(o.c_unit_f));
  }
  if (!(o.vdd_v > 0.0)) {
    throw UsageError(std::string(what) + ": vdd must be > 0 V, got " + Num(o.vdd_v));
  }
  if (!(o.range_of_vref > 0.0 && o.range_of_vref <= 1.0)) {
    throw UsageError(std::string(what) + ": the range must be a share of VREF in (0, 1], got " +
                     Num(o.range_of_vref));
  }
}

}  // namespace

double SamplingCapacitance(const SarAdcOptions& o) {
  CheckSarOptions(o, "SamplingCapacitance");
  return std::ldexp(o.c_unit_f, o.bits) / o.range_of_vref;
}

std::string SarAdcSubckt(const SarAdcOptions& o) {
  CheckSarOptions(o, "SarAdcSubckt");
  const int n = o.bits;
  const std::string b = std::to_string(n);
  const bool xspice = o.logic == SarLogic::kXspice;
  const double c_sample = SamplingCapacitance(o);
  Gen g(o.models);
  g.text = "* SAR ADC, " + b +
           " bit(s): sampling capacitor + reference-scaled capacitor DAC, "
           "one bit per clock cycle, SAR logic " +
           (xspice ? "in XSPICE digital (draws no supply current)" : "at transistor level") +
           " (see block_netlists.h)\n";
  g.text += ".subckt sar_adc" + b + " vin smp clk vref vcm";
  for (int k = 0; k < n; ++k) {
    g.text += " b" + std::to_string(k);
  }
  g.text += " vdd vss\n";
  // Sampling phases: smpb opens the top-plate switches first, smpd (five gate delays later)
  // the input switch; hb enables the DAC and the sampling plate's ground switch only while
  // neither is sampling.
  g.text += "* sampling phases\n";
  g.Inv("s1", "smp", "smpb", 400e-9, 800e-9);
  g.Inv("s2", "smpb", "smpr", 400e-9, 800e-9);
  g.Inv("s3", "smpr", "smp3", 400e-9, 800e-9);
  g.Inv("s4", "smp3", "smp4", 400e-9, 800e-9);
  g.Inv("s5", "smp4", "smpdb", 400e-9, 800e-9);
  g.Inv("s6", "smpdb", "smpd", 400e-9, 800e-9);
  g.Nor2("hs", "smp", "smpd", "hb");
  g.Inv("hs", "hb", "h");
  // Top plate VX and the comparator's reference side VY (a matched capacitor), both held at
  // VCM while sampling.
  g.text += "* top plate vx and reference side vy, held at vcm while sampling\n";
  g.P("tx", "vx", "smpb", "vcm", kSarTopSwitchW);
  g.P("ty", "vy", "smpb", "vcm", kSarTopSwitchW);
  g.text += "cy vy vss " + Num(c_sample + (std::ldexp(1.0, n) - 1.0) * o.c_unit_f) + "\n";
  // Sampling capacitor: its bottom plate follows VIN while sampling, then goes to ground.
  g.text += "* sampling capacitor: bottom plate at vin while sampling, then 0\n";
  g.text += "cs vx bots " + Num(c_sample) + "\n";
  g.Tg("in", "vin", "bots", "smpd", "smpdb", c_sample * kSarInSwitchWPerF,
       c_sample * kSarInSwitchWPerF);
  g.N("gs", "bots", "hb", "vss", c_sample * kSarGndSwitchWPerF);
  // Capacitor DAC: binary units, bottom plates at 0 while sampling, then VREF while the trial
  // or decided bit is 1; driven by inverters supplied from VREF.
  g.text += "* capacitor DAC: bottom plate k at vref while bit k (trial or decided) is 1\n";
  for (int k = 0; k < n; ++k) {
    const std::string ks = std::to_string(k);
    const double units = std::ldexp(1.0, k);
    g.text += "cb" + ks + " vx bot" + ks + " " + Num(units * o.c_unit_f) + "\n";
    g.P("r" + ks, "bot" + ks, "zb" + ks, "vref", units * kSarDriverPW);
    g.N("r" + ks, "bot" + ks, "zb" + ks, "vss", units * kSarDriverNW);
  }
  // Comparator: cmp = 1 when VY > VX, i.e. VIN above the trial level.
  g.text += "xcmp vy vx clk cmp vdd vss strongarm\n";
  if (xspice) {
    const std::string th_lo = Num(0.45 * o.vdd_v);
    const std::string th_hi = Num(0.55 * o.vdd_v);
    g.text += "* SAR logic, XSPICE digital (the same logic as the transistor version)\n";
    g.text += "abin [smp clk cmp h] [dsmp dclk dcmp dh] sar_in\n";
    g.text += ".model sar_in adc_bridge(in_low=" + th_lo + " in_high=" + th_hi +
              " rise_delay=2e-11 fall_delay=2e-11)\n";
    g.text += "aclkb dclk dclkb sar_inv\n";
    g.text += "azero dzero sar_zero\n";
    for (int j = n - 1; j >= 0; --j) {
      const std::string js = std::to_string(j);
      // The MSB's token is set while sampling, the others cleared; it moves down on each
      // falling CLK edge.
      g.text += "at" + js + " " +
                (j == n - 1 ? std::string("dzero") : "dt" + std::to_string(j + 1)) + " dclkb " +
                (j == n - 1 ? "dsmp NULL " : "NULL dsmp ") + "dt" + js + " dtn" + js + " sar_ff\n";
    }
    for (int k = 0; k < n; ++k) {
      const std::string ks = std::to_string(k);
      g.text += "al" + ks + " dcmp dt" + ks + " NULL dsmp db" + ks + " dbn" + ks + " sar_latch\n";
      g.text += "ax" + ks + " [dt" + ks + " db" + ks + "] dx" + ks + " sar_nor\n";
      g.text += "az" + ks + " [dx" + ks + " dh] dz" + ks + " sar_nor\n";
      g.text += "azb" + ks + " dz" + ks + " dzb" + ks + " sar_inv\n";
    }
    g.text += "about [";
    for (int k = 0; k < n; ++k) {
      const std::string ks = std::to_string(k);
      g.text += (k ? " " : "") + std::string("dzb") + ks + " db" + ks;
    }
    g.text += "] [";
    for (int k = 0; k < n; ++k) {
      const std::string ks = std::to_string(k);
      g.text += (k ? " " : "") + std::string("zb") + ks + " b" + ks;
    }
    g.text += "] sar_out\n";
    g.text += ".model sar_out dac_bridge(out_low=0 out_high=" + Num(o.vdd_v) +
              " out_undef=" + Num(0.5 * o.vdd_v) + " t_rise=2e-11 t_fall=2e-11)\n";
    g.text += ".model sar_inv d_inverter(rise_delay=2e-11 fall_delay=2e-11)\n";
    g.text += ".model sar_nor d_nor(rise_delay=2e-11 fall_delay=2e-11)\n";
    g.text += ".model sar_zero d_pulldown(load=1e-12)\n";
    g.text +=
        ".model sar_ff d_dff(clk_delay=5e-11 set_delay=5e-11 reset_delay=5e-11 "
        "rise_delay=2e-11 fall_delay=2e-11)\n";
    g.text +=
        ".model sar_latch d_dlatch(data_delay=5e-11 enable_delay=5e-11 set_delay=5e-11 "
        "reset_delay=5e-11 rise_delay=2e-11 fall_delay=2e-11)\n";
  } else {
    g.text += "* SAR logic, transistor level\n";
    g.Inv("c1", "clk", "clkb");
    g.Inv("c2", "clkb", "clkd");
    // Token shift register, clocked on falling CLK: the MSB's flip-flop is cleared while
    // sampling and its qb is the token, the others' q.
    for (int j = n - 1; j >= 0; --j) {
      const std::string js = std::to_string(j);
      if (j == n - 1) {
        g.Dffr("ft" + js, "vdd", "clkb", "clkd", "smpr", "smpb", "tb" + js, "t" + js);
      } else {
        g.Dffr("ft" + js, "t" + std::to_string(j + 1), "clkb", "clkd", "smpr", "smpb", "t" + js,
               "tb" + js);
      }
    }
    for (int k = 0; k < n; ++k) {
      const std::string ks = std::to_string(k);
      // Bit k: a latch transparent while the token is at k; it closes when the token leaves
      // (after the falling CLK edge of cycle k) holding that cycle's decision.
      g.Dlatchr("l" + ks, "cmp", "t" + ks, "tb" + ks, "smpb", "b" + ks);
      // DAC input: zb = NOT((token or bit) and not sampling).
      g.Nor2("x" + ks, "t" + ks, "b" + ks, "x" + ks);
      g.Nor2("z" + ks, "x" + ks, "h", "z" + ks);
      g.Inv("z" + ks, "z" + ks, "zb" + ks, 400e-9, 800e-9);
    }
  }
  g.text += ".ends sar_adc" + b + "\n";
  return g.text;
}

std::string SarAdcPorts(int bits) {
  std::string s;
  for (int k = 0; k < bits; ++k) {
    s += (k ? " b" : "b") + std::to_string(k);
  }
  return s;
}

double SarConversionTime(int bits, double t_sample_s, double t_clk_s) {
  return t_sample_s + (bits + 1) * t_clk_s;
}

std::string SarClockPwl(
    int bits, double vdd_v, double t_sample_s, double t_clk_s, double t_edge_s, int conversions) {
  if (!(t_edge_s > 0.0) || !(t_clk_s > 4.0 * t_edge_s) || !(t_sample_s > 2.0 * t_edge_s)) {
    throw UsageError("SarClockPwl: need t_clk > 4 t_edge > 0 and t_sample > 2 t_edge");
  }
  if (conversions < 1) {
    throw UsageError("SarClockPwl: need at least one conversion, got " +
                     std::to_string(conversions));
  }
  const double t_conv = SarConversionTime(bits, t_sample_s, t_clk_s);
  std::string s = "pwl(0 0";
  for (int c = 0; c < conversions; ++c) {
    for (int k = 0; k < bits; ++k) {
      const double rise = c * t_conv + t_sample_s + (k + 0.5) * t_clk_s;
      const double fall = c * t_conv + t_sample_s + (k + 1.0) * t_clk_s;
      s += " " + Num(rise) + " 0 " + Num(rise + t_edge_s) + " " + Num(vdd_v) + " " +
           Num(fall - t_edge_s) + " " + Num(vdd_v) + " " + Num(fall) + " 0";
    }
  }
  return s + ")";
}

std::string SarSamplePwl(
    int bits, double vdd_v, double t_sample_s, double t_clk_s, double t_edge_s, int conversions) {
  if (!(t_edge_s > 0.0) || !(t_sample_s > 2.0 * t_edge_s)) {
    throw UsageError("SarSamplePwl: need t_sample > 2 t_edge > 0");
  }
  if (conversions < 1) {
    throw UsageError("SarSamplePwl: need at least one conversion, got " +
                     std::to_string(conversions));
  }
  const double t_conv = SarConversionTime(bits, t_sample_s, t_clk_s);
  std::string s = "pwl(0 " + Num(vdd_v);
  for (int c = 0; c < conversions; ++c) {
    const double t0 = c * t_conv;
    if (c > 0) {
      s += " " + Num(t0 - t_edge_s) + " 0 " + Num(t0) + " " + Num(vdd_v);
    }
    s += " " + Num(t0 + t_sample_s - t_edge_s) + " " + Num(vdd_v) + " " + Num(t0 + t_sample_s) +
         " 0";
  }
  return s + ")";
}

std::string ChargeLineRows(const std::vector<LineRow>& rows,
                           const std::string& line_node,
                           const std::string& vdd_node,
                           const std::string& prefix) {
  if (rows.empty()) {
    throw UsageError("ChargeLineRows: a charge-sharing line needs at least one row");
  }
  std::string s;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string rs = prefix + std::to_string(r);
    s += "x" + prefix + "r" + std::to_string(r) + " " + rows[r].gbl + " lbl" + rs +
         " smp smpb sh shb " + line_node + " vdd vss cs_row\n";
    if (!rows[r].lbl_source.empty()) {
      s += "vw" + rs + " lbl" + rs + " 0 " + rows[r].lbl_source + "\n";
    } else {
      s += "vw" + rs + " lbl" + rs + " " + (rows[r].weight ? vdd_node : std::string("0")) + " 0\n";
    }
  }
  return s;
}

}  // namespace cimchar::measure
