#include "measure/block_netlists.h"

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

std::string SarAdcSubckt(const SarAdcOptions& o) {
  if (o.bits < 1 || o.bits > 6) {
    throw UsageError("SarAdcSubckt: bits must be 1..6, got " + std::to_string(o.bits));
  }
  if (!(o.c_unit_f > 0.0)) {
    throw UsageError("SarAdcSubckt: unit capacitor must be > 0 F, got " + Num(o.c_unit_f));
  }
  if (!(o.vdd_v > 0.0)) {
    throw UsageError("SarAdcSubckt: vdd must be > 0 V, got " + Num(o.vdd_v));
  }
  const int n = o.bits;
  const std::string b = std::to_string(n);
  std::string s = "* SAR ADC, " + b + " bit(s), one bit per clock cycle (see block_netlists.h)\n";
  s += ".subckt sar_adc" + b + " vin smp clk vref vcmp";
  for (int k = 0; k < n; ++k) {
    s += " b" + std::to_string(k);
  }
  s += " vdd vss\n";
  // Sampling switch onto the top plate.
  s += Inverter(o.models, "smp", "smp", "smpb");
  s += Tg(o.models, "smp", "vin", "vx", "smp", "smpb", "400e-9", "800e-9");
  // Capacitor DAC and bottom-plate drivers (inverters from VREF).
  for (int k = 0; k < n; ++k) {
    std::string ks = std::to_string(k);
    s += "cb" + ks + " vx bot" + ks + " " + Num(o.c_unit_f * static_cast<double>(1 << k)) + "\n";
    s += "mpb" + ks + " bot" + ks + " ctl" + ks + " vref vref " + o.models.pmos +
         " w=1e-6 l=65e-9\n";
    s += "mnb" + ks + " bot" + ks + " ctl" + ks + " vss vss " + o.models.nmos +
         " w=500e-9 l=65e-9\n";
  }
  s += "cdum vx vss " + Num(o.c_unit_f) + "\n";
  // Comparator: cmp = 1 when VX > VCMP, held between evaluations.
  s += "xcmp vx vcmp clk cmp vdd vss strongarm\n";
  // SAR logic.
  const std::string th_lo = Num(0.45 * o.vdd_v);
  const std::string th_hi = Num(0.55 * o.vdd_v);
  s += "abin [smp clk cmp] [dsmp dclk dcmp] sar_in\n";
  s += ".model sar_in adc_bridge(in_low=" + th_lo + " in_high=" + th_hi +
       " rise_delay=2e-11 fall_delay=2e-11)\n";
  s += "aclkb dclk dclkb sar_inv\n";
  s += "azero dzero sar_zero\n";
  for (int k = 0; k < n; ++k) {
    std::string ks = std::to_string(k);
    // Token: T[n-1] is set while sampling, the others are cleared; shifts down each cycle.
    if (k == n - 1) {
      s += "at" + ks + " dzero dclkb dsmp NULL dt" + ks + " dtn" + ks + " sar_ff\n";
    } else {
      s += "at" + ks + " dt" + std::to_string(k + 1) + " dclkb NULL dsmp dt" + ks + " dtn" + ks +
           " sar_ff\n";
    }
    // Bit: takes the comparator decision in the cycle that holds the token, else keeps.
    s += "am1_" + ks + " [dt" + ks + " dcmp] dm1_" + ks + " sar_and\n";
    s += "am2_" + ks + " [dtn" + ks + " db" + ks + "] dm2_" + ks + " sar_and\n";
    s += "am3_" + ks + " [dm1_" + ks + " dm2_" + ks + "] dbd" + ks + " sar_or\n";
    s += "ab" + ks + " dbd" + ks + " dclkb NULL dsmp db" + ks + " dbn" + ks + " sar_ff\n";
    // Bottom plate: 0 V while sampling or when the trial/decided bit is 1, else VREF.
    s += "ac" + ks + " [dt" + ks + " db" + ks + " dsmp] dctl" + ks + " sar_or\n";
  }
  s += "about [";
  for (int k = 0; k < n; ++k) {
    s += (k ? " " : "") + std::string("dctl") + std::to_string(k) + " db" + std::to_string(k);
  }
  s += "] [";
  for (int k = 0; k < n; ++k) {
    s += (k ? " " : "") + std::string("ctl") + std::to_string(k) + " b" + std::to_string(k);
  }
  s += "] sar_out\n";
  s += ".model sar_out dac_bridge(out_low=0 out_high=" + Num(o.vdd_v) +
       " out_undef=" + Num(0.5 * o.vdd_v) + " t_rise=2e-11 t_fall=2e-11)\n";
  s += ".model sar_inv d_inverter(rise_delay=2e-11 fall_delay=2e-11)\n";
  s += ".model sar_and d_and(rise_delay=2e-11 fall_delay=2e-11)\n";
  s += ".model sar_or d_or(rise_delay=2e-11 fall_delay=2e-11)\n";
  s += ".model sar_zero d_pulldown(load=1e-12)\n";
  s += ".model sar_ff d_dff(clk_delay=5e-11 set_delay=5e-11 reset_delay=5e-11 rise_delay=2e-11 "
       "fall_delay=2e-11)\n";
  s += ".ends sar_adc" + b + "\n";
  return s;
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
    int bits, double vdd_v, double t_sample_s, double t_clk_s, double t_edge_s) {
  if (!(t_edge_s > 0.0) || !(t_clk_s > 4.0 * t_edge_s) || !(t_sample_s > 2.0 * t_edge_s)) {
    throw UsageError("SarClockPwl: need t_clk > 4 t_edge > 0 and t_sample > 2 t_edge");
  }
  std::string s = "pwl(0 0";
  for (int k = 0; k < bits; ++k) {
    double rise = t_sample_s + (k + 0.5) * t_clk_s;
    double fall = t_sample_s + (k + 1.0) * t_clk_s;
    s += " " + Num(rise) + " 0 " + Num(rise + t_edge_s) + " " + Num(vdd_v) + " " +
         Num(fall - t_edge_s) + " " + Num(vdd_v) + " " + Num(fall) + " 0";
  }
  s += " " + Num(SarConversionTime(bits, t_sample_s, t_clk_s)) + " 0) r=0";
  return s;
}

std::string SarSamplePwl(
    int bits, double vdd_v, double t_sample_s, double t_clk_s, double t_edge_s) {
  if (!(t_edge_s > 0.0) || !(t_sample_s > 2.0 * t_edge_s)) {
    throw UsageError("SarSamplePwl: need t_sample > 2 t_edge > 0");
  }
  double t_conv = SarConversionTime(bits, t_sample_s, t_clk_s);
  return "pwl(0 " + Num(vdd_v) + " " + Num(t_sample_s - t_edge_s) + " " + Num(vdd_v) + " " +
         Num(t_sample_s) + " 0 " + Num(t_conv - t_edge_s) + " 0 " + Num(t_conv) + " " + Num(vdd_v) +
         ") r=0";
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
