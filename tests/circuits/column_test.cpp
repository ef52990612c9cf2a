// One column's analog path: 144 rows x A_MULT -> charge-sharing line -> 3-bit SAR ADC gives the
// hand-computed code for a few input vectors.
//
// What the line needs, measured on this bench (netlists/README.md, column entry):
// - Settled samples. A bare switch-matrix DAC driving 48 rows' sampling capacitors directly
//   settles with a time constant of about 1.1 ns at 1.0 V (its four series transmission gates
//   pass mid-rail levels with little overdrive); in a 1 ns sampling phase GBL reached 0.32 V of
//   0.50 V. Each row's GBL is therefore driven by an AIN, as in the macro, and at 0.6 V the rows
//   sample for 5 ns (T0 and the sampling switch pass mid-rail levels with ~0.3 V of overdrive).
// - The switches' capacitances in the hand computation: a row holds its charge on c_hold, not
//   c_sample, and adds c_share, not c_sample, to the line (both measured small-signal on one
//   row, row_cap.sp: 2.84 / 3.79 fF at 1.0 V for c_sample = 2 fF).
// - A settled ADC input: at 0.6 V the line charges the ADC's sampling capacitor through its
//   input switch more slowly, so the line is shared for 5 ns there.
// Left out of the hand computation and inside the half-LSB margin: the -11 / -13 mV (1.0 / 0.6
// V) the share and reset switches inject into the line, and the ADC's own offsets.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "adc_support.h"
#include "circuits_support.h"
#include "measure/block_netlists.h"
#include "measure/waveform.h"

namespace cimchar::circuits_test {
namespace {

constexpr int kRows = 144;
constexpr int kGroups = 3;  // rows 0-47, 48-95, 96-143: one DAC each
constexpr int kGroupRows = kRows / kGroups;
constexpr int kDacBits = 4;
constexpr double kCSample = 2e-15;
constexpr double kCLine = kRows * 0.25e-15;
// AIN (paper Fig. 2b): each row's GBL is driven by its own analog input driver, a unity-gain
// follower of the DAC output (ideal controlled source) with this output resistance, loaded by
// the row's GBL across the macro's other columns (as in the a_mult_dac bench).
constexpr double kRAinOhm = 2e3;
constexpr double kCGblF = 20e-15;
// The rows' charge-holding and sharing capacitances are measured at this frequency.
constexpr double kCapFrequencyHz = 1e8;

// One input vector: in each group the first `active` rows hold W = 1 and the group's DAC code.
struct Vector {
  std::array<int, kGroups> active;
  std::array<int, kGroups> code;
};

// Capacitances of one row of the line (netlists/benches/row_cap.sp): c_hold holds a row's
// sample (c_sample + its switches' junction and overlap capacitance on CS); c_share is what one
// row adds to the line while sharing (c_hold + the share switch's line side and channel).
struct RowCaps {
  double hold_f = 0.0;
  double share_f = 0.0;
};

RowCaps MeasureRowCaps(double vdd, double v_bias) {
  netlist::Bindings b;
  b.Set("vdd", vdd).Set("temp", 27.0).Set("c_sample", kCSample);
  b.Set("v_gbl", v_bias).Set("v_bias", v_bias).Set("c_line", kCLine);
  const std::string w = netlist::FormatNumber(2 * std::numbers::pi * kCapFrequencyHz);
  const std::string f = netlist::FormatNumber(kCapFrequencyHz);
  auto r = RunBench("row_cap_" + VddTag(vdd), RenderBench("row_cap.sp", b),
                    {"ac lin 1 " + f + " " + f, "let c_hold = -1/(" + w + "*imag(v(xh.cs)))",
                     "let c_share = -1/(" + w + "*imag(v(lines)))"},
                    {"c_hold", "c_share"});
  if (!r.ok()) {
    return {};
  }
  return {.hold_f = r.vectors.at("c_hold").at(0), .share_f = r.vectors.at("c_share").at(0)};
}

// Sum over rows of W * code / (2^bits - 1): the line's ideal fraction of full scale times rows.
double RowUnits(const Vector& v) {
  double sum = 0.0;
  for (int g = 0; g < kGroups; ++g) {
    sum += v.active[g] * v.code[g] / 15.0;
  }
  return sum;
}

// Hand computation: each row holds c_hold * V(GBL) * W; sharing spreads the charge over every
// capacitor on the line, c_total = rows * c_share + c_line + the ADC's sampling capacitor (its
// input switch is on). The ADC's range is matched to the line's full scale (VREF = VDD, the
// range a share of it), so code = floor(2^bits * units / rows) (transitions at D LSB), capped
// at 2^bits - 1. The vectors put the line at code centres.
long long ExpectedCode(const Vector& v) {
  double d = std::ldexp(RowUnits(v) / kRows, kAdcBits);
  return std::min<long long>(std::llround(std::floor(d)), (1 << kAdcBits) - 1);
}

class ColumnTest : public ::testing::TestWithParam<double> {};

TEST_P(ColumnTest, HandComputedCodes) {
  const double vdd = GetParam();
  const double v_fs = vdd;  // DAC full scale
  const double tclk = AdcClock(vdd);
  // Rows sample: the DAC's switch tree, T0 and the sampling switch settle. At 0.6 V mid-rail
  // levels pass these transmission gates with about 0.3 V of overdrive: 5 ns.
  const double ts = vdd < 0.8 ? 5e-9 : 1e-9;
  // + share onto the line and the ADC's top plate, through the ADC's sampling switch: at 0.6 V
  // it passes mid-rail levels with little overdrive (time constant about 1 ns on 44 fF).
  const double ta = ts + (vdd < 0.8 ? 5e-9 : 1e-9);
  const double te = 5e-11;
  const double tconv = measure::SarConversionTime(kAdcBits, ta, tclk);
  // sum(code/15 * active) = 9, 45, 81, 99, 117 (code centres: 18 units per LSB) -> codes 0, 2,
  // 4, 5, 6.
  const std::vector<Vector> vectors = {
      {{9, 0, 0}, {15, 0, 0}},     {{45, 0, 0}, {15, 0, 0}},       {{48, 33, 0}, {15, 15, 0}},
      {{48, 48, 19}, {15, 10, 15}}, {{48, 48, 21}, {15, 15, 15}},
  };
  const RowCaps caps = MeasureRowCaps(vdd, v_fs / 3);
  ASSERT_GT(caps.hold_f, kCSample);
  ASSERT_GT(caps.share_f, caps.hold_f);
  // The ADC's range r VDD equals the line's full scale, its sampling capacitor is
  // 2^bits c_unit / r: line_fs (rows c_share + c_line) + 2^bits c_unit VDD = v_fs rows c_hold.
  measure::SarAdcOptions adc = AdcOptions(vdd);
  const double line_fs =
      (v_fs * kRows * caps.hold_f - std::ldexp(adc.c_unit_f, kAdcBits) * vdd) /
      (kRows * caps.share_f + kCLine);
  adc.range_of_vref = line_fs / AdcVref(vdd);
  ASSERT_LE(adc.range_of_vref, 1.0);
  const std::string k = "column_" + VddTag(vdd);
  Report(k + "_row_c_hold", caps.hold_f * 1e15, "fF");
  Report(k + "_row_c_share", caps.share_f * 1e15, "fF");
  Report(k + "_line_full_scale", line_fs * 1e3, "mV");

  // DACs (one per group, as the bench's rows of a group share a code) and one AIN per row.
  std::string dacs =
      measure::ActivationDacSubckt(kDacBits) + measure::DacReferenceSources(kDacBits, v_fs);
  for (int g = 0; g < kGroups; ++g) {
    std::string gs = std::to_string(g);
    for (int b = 0; b < kDacBits; ++b) {
      std::vector<double> level;
      for (const auto& v : vectors) {
        level.push_back(((v.code[g] >> b) & 1) ? vdd : 0.0);
      }
      dacs += "vg" + gs + "d" + std::to_string(b) + " g" + gs + "d" + std::to_string(b) + " 0 " +
              StepPwl(level, tconv, te) + "\n";
    }
    dacs += "xdac" + gs + " " + measure::ActivationDacPorts(kDacBits, "g" + gs + "d") + " dac" +
            gs + " vdd vss act_dac" + std::to_string(kDacBits) + "\n";
  }
  std::vector<measure::LineRow> rows;
  for (int r = 0; r < kRows; ++r) {
    const int g = r / kGroupRows;
    const std::string rs = std::to_string(r);
    dacs += "eain" + rs + " ain" + rs + " 0 dac" + std::to_string(g) + " 0 1\n" + "rain" + rs +
            " ain" + rs + " gbl" + rs + " " + netlist::FormatNumber(kRAinOhm) + "\ncgbl" + rs +
            " gbl" + rs + " 0 " + netlist::FormatNumber(kCGblF) + "\n";
    std::vector<double> w;
    for (const auto& v : vectors) {
      w.push_back(r % kGroupRows < v.active[g] ? vdd : 0.0);
    }
    rows.push_back({.gbl = "gbl" + rs, .weight = false, .lbl_source = StepPwl(w, tconv, te)});
  }
  netlist::Bindings b;
  b.Set("vdd", vdd).Set("temp", 27.0).Set("c_sample", kCSample).Set("c_line", kCLine);
  b.Set("vref", AdcVref(vdd)).Set("vcm", measure::kSarVcmV);
  b.Set("t_conv", tconv).Set("t_share_start", ts).Set("t_sample_adc", ta).Set("t_edge", te);
  const int n = static_cast<int>(vectors.size());
  b.SetText("adc_smp", measure::SarSamplePwl(kAdcBits, vdd, ta, tclk, te, n));
  b.SetText("clk", measure::SarClockPwl(kAdcBits, vdd, ta, tclk, te, n));
  b.SetText("adc", measure::SarAdcSubckt(adc));
  b.Set("bits", kAdcBits).SetText("adc_bits", measure::SarAdcPorts(kAdcBits));
  b.SetText("dacs", dacs).SetText("rows", measure::ChargeLineRows(rows));
  const double t_stop = static_cast<double>(vectors.size()) * tconv;
  std::vector<std::string> vec = {"time", "v(line)", "v(xadc.bots)"};
  for (int g = 0; g < kGroups; ++g) {
    vec.push_back("v(xr" + std::to_string(g * kGroupRows) + ".cs)");
  }
  for (int b = 0; b < kAdcBits; ++b) {
    vec.push_back("v(b" + std::to_string(b) + ")");
  }
  // The adc bench's steps (every clock edge is a breakpoint of its PWL).
  auto r = RunBench(k, RenderBench("column.sp", b),
                    {"tran 2.5e-11 " + netlist::FormatNumber(t_stop) + " 0 2e-10"}, vec, 400.0);
  ASSERT_TRUE(r.ok());
  const auto& t = r.vectors.at("time");
  double max_sample_error = 0.0;
  double max_adc_input_error = 0.0;
  for (std::size_t c = 0; c < vectors.size(); ++c) {
    const double t0 = static_cast<double>(c) * tconv;
    // The first row of each group holds W = 1 whenever its group is active: its sample against
    // the DAC level.
    for (int g = 0; g < kGroups; ++g) {
      if (vectors[c].active[g] > 0) {
        const auto& cs = r.vectors.at("v(xr" + std::to_string(g * kGroupRows) + ".cs)");
        max_sample_error = std::max(
            max_sample_error, std::abs(measure::ValueAt(t, cs, t0 + ts - te) -
                                       measure::DacLevel(kDacBits, vectors[c].code[g], v_fs)));
      }
    }
    std::vector<double> levels;
    for (int b = 0; b < kAdcBits; ++b) {
      levels.push_back(measure::ValueAt(t, r.vectors.at("v(b" + std::to_string(b) + ")"),
                                        t0 + tconv - 0.25 * tclk));
    }
    const long long code = measure::CodeFromLevels(levels, vdd / 2);
    const double v_line = measure::ValueAt(t, r.vectors.at("v(line)"), t0 + ta - 2 * te);
    // The ADC's sampling capacitor has followed the line when its sampling ends.
    max_adc_input_error = std::max(
        max_adc_input_error,
        std::abs(measure::ValueAt(t, r.vectors.at("v(xadc.bots)"), t0 + ta - 2 * te) - v_line));
    const double v_hand = line_fs * RowUnits(vectors[c]) / kRows;
    const std::string kv = k + "_vector" + std::to_string(c);
    Report(kv + "_line", v_line * 1e3, "mV");
    Report(kv + "_line_hand", v_hand * 1e3, "mV");
    Report(kv + "_code", static_cast<double>(code), "code");
    EXPECT_EQ(code, ExpectedCode(vectors[c])) << "vector " << c << ", line " << v_line << " V";
  }
  Report(k + "_max_row_sample_error", max_sample_error * 1e3, "mV");
  Report(k + "_max_adc_input_error", max_adc_input_error * 1e3, "mV");
}

INSTANTIATE_TEST_SUITE_P(Tt, ColumnTest, ::testing::ValuesIn(Supplies()), [](const auto& info) {
  return VddTag(info.param).replace(4, 1, "v");
});

}  // namespace
}  // namespace cimchar::circuits_test
