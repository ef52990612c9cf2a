// Charge-sharing line: line voltage against the number of active rows and the activation level.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "circuits_support.h"
#include "measure/block_netlists.h"
#include "measure/transfer.h"
#include "measure/waveform.h"

namespace cimchar::circuits_test {
namespace {

constexpr double kCSample = 2e-15;         // F, A_MULT sampling capacitor
constexpr double kCLinePerRow = 0.25e-15;  // F, line wiring per row
// Linearity bound: the line voltage stays within this fraction of its full scale of the best
// straight line through every (active rows x activation, voltage) point: 1 % at 1.0 V; 5 % at
// 0.6 V, where the transmission gates pass mid-scale voltages with little overdrive.
double LinearityBound(double vdd_v) { return vdd_v < 0.8 ? 0.05 : 0.01; }
// The switches' junction capacitance adds to the line (about 0.8 fF per row with these sizes),
// so the gain is below the ideal N Cs / (N Cs + C_line); it must stay within this fraction.
constexpr double kGainTolerance = 0.25;

struct Param {
  double vdd;
  int rows;
};

class CsLineTest : public ::testing::TestWithParam<Param> {};

TEST_P(CsLineTest, MonotonicAndLinear) {
  const auto [vdd, n] = GetParam();
  const double te = 5e-11;
  const double ts = vdd < 0.8 ? 1.5e-9 : 0.6e-9;
  const double tc = vdd < 0.8 ? 4e-9 : 1.6e-9;
  // Cycles: active rows 0, n/8, n/4, n/2, 3n/4, n at full activation, then n rows at 1/5,
  // 2/5, 3/5, 4/5 of it.
  std::vector<int> active = {0, n / 8, n / 4, n / 2, 3 * n / 4, n, n, n, n, n};
  std::vector<double> level = {vdd, vdd,       vdd,       vdd,       vdd,
                               vdd, 0.2 * vdd, 0.4 * vdd, 0.6 * vdd, 0.8 * vdd};
  const std::size_t cycles = active.size();
  std::vector<measure::LineRow> rows;
  for (int r = 0; r < n; ++r) {
    std::vector<double> w;
    for (std::size_t c = 0; c < cycles; ++c) {
      w.push_back(r < active[c] ? vdd : 0.0);
    }
    rows.push_back({.gbl = "gbl", .weight = false, .lbl_source = StepPwl(w, tc, te)});
  }
  const double c_line = n * kCLinePerRow;
  netlist::Bindings b;
  b.Set("vdd", vdd).Set("temp", 27.0).Set("c_sample", kCSample).Set("c_line", c_line);
  b.Set("t_cycle", tc).Set("t_sample", ts).Set("t_edge", te);
  b.SetText("gbl", StepPwl(level, tc, te)).SetText("rows", measure::ChargeLineRows(rows));
  auto r =
      RunBench("cs_line_" + std::to_string(n) + "_" + VddTag(vdd), RenderBench("cs_line.sp", b),
               {"tran 2e-11 " + netlist::FormatNumber(static_cast<double>(cycles) * tc)},
               {"time", "v(line)"});
  ASSERT_TRUE(r.ok());
  const auto& t = r.vectors.at("time");
  std::vector<double> x;
  std::vector<double> v;
  for (std::size_t c = 0; c < cycles; ++c) {
    double t1 = static_cast<double>(c + 1) * tc;
    x.push_back(active[c] * level[c] / n);
    v.push_back(measure::MeanOver(t, r.vectors.at("v(line)"), t1 - 6 * te, t1 - 4 * te));
  }
  // Monotonic in the number of active rows (cycles 0..5) and in the activation (6..9, 5).
  EXPECT_TRUE(measure::IsMonotonic(std::vector<double>(v.begin(), v.begin() + 6), true));
  std::vector<double> by_level = {v[6], v[7], v[8], v[9], v[5]};
  EXPECT_TRUE(measure::IsMonotonic(by_level, true));
  auto fit = measure::FitLine(x, v);
  const double ideal_gain = n * kCSample / (n * kCSample + c_line);
  const std::string k = "cs_line_n" + std::to_string(n) + "_" + VddTag(vdd);
  Report(k + "_full_scale", v[5] * 1e3, "mV");
  Report(k + "_gain", fit.slope, "V_per_V");
  Report(k + "_ideal_gain", ideal_gain, "V_per_V");
  Report(k + "_offset", fit.intercept * 1e3, "mV");
  Report(k + "_max_nonlinearity", fit.max_abs_residual / v[5] * 100, "pct_of_full_scale");
  EXPECT_LT(fit.max_abs_residual, LinearityBound(vdd) * v[5]);
  EXPECT_NEAR(fit.slope, ideal_gain, kGainTolerance * ideal_gain);
}

INSTANTIATE_TEST_SUITE_P(
    Tt,
    CsLineTest,
    ::testing::Values(Param{1.0, 16}, Param{1.0, 144}, Param{0.6, 16}, Param{0.6, 144}),
    [](const auto& info) {
      return VddTag(info.param.vdd).replace(4, 1, "v") + "_n" + std::to_string(info.param.rows);
    });

}  // namespace
}  // namespace cimchar::circuits_test
