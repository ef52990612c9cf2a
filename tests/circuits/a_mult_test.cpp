// A_MULT fed by the 4-bit activation DAC: AOUT follows every code for W = 1, stays at 0 for W = 0.

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

constexpr int kBits = 4;

class AMultTest : public ::testing::TestWithParam<double> {};

TEST_P(AMultTest, FollowsEveryDacCode) {
  const double vdd = GetParam();
  const double tp = vdd < 0.8 ? 4e-9 : 1.5e-9;
  const double te = 5e-11;
  const int codes = 1 << kBits;
  std::string sources;
  for (int k = 0; k < kBits; ++k) {
    std::vector<double> level;
    for (int c = 0; c < codes; ++c) {
      level.push_back(((c >> k) & 1) ? vdd : 0.0);
    }
    sources +=
        "vd" + std::to_string(k) + " d" + std::to_string(k) + " 0 " + StepPwl(level, tp, te) + "\n";
  }
  netlist::Bindings b;
  b.Set("vdd", vdd).Set("temp", 27.0).Set("c_gbl", 20e-15).Set("c_sample", 2e-15);
  b.SetText("dac", measure::ActivationDacSubckt(kBits)).Set("dac_bits", kBits);
  b.SetText("dac_ports", measure::ActivationDacPorts(kBits));
  b.SetText("refs", measure::DacReferenceSources(kBits, vdd)).SetText("codes", sources);
  auto r = RunBench("a_mult_dac_" + VddTag(vdd), RenderBench("a_mult_dac.sp", b),
                    {"tran 1e-11 " + netlist::FormatNumber(codes * tp)},
                    {"time", "v(cs1)", "v(aout0)", "v(cs0)"});
  ASSERT_TRUE(r.ok());
  const auto& t = r.vectors.at("time");
  std::vector<double> out;
  double max_err = 0.0;
  double max_zero = 0.0;
  for (int c = 0; c < codes; ++c) {
    double t1 = (c + 1) * tp - 2 * te;
    double v = measure::MeanOver(t, r.vectors.at("v(cs1)"), t1 - 0.1 * tp, t1);
    out.push_back(v);
    max_err = std::max(max_err, std::abs(v - measure::DacLevel(kBits, c, vdd)));
    max_zero = std::max(max_zero,
                        std::abs(measure::MeanOver(t, r.vectors.at("v(cs0)"), t1 - 0.1 * tp, t1)));
  }
  Report("a_mult_w1_max_error_" + VddTag(vdd), max_err * 1e3, "mV");
  Report("a_mult_w1_full_code_" + VddTag(vdd), out.back() * 1e3, "mV");
  Report("a_mult_w0_max_abs_" + VddTag(vdd), max_zero * 1e3, "mV");
  EXPECT_TRUE(measure::IsMonotonic(out, true));
  // Bound: a quarter DAC LSB at nominal supply; at 0.6 V both devices of every TG see only
  // about VDD/2 of overdrive at mid-scale and settle slowly, so one LSB.
  const double lsb = vdd / (codes - 1);
  EXPECT_LT(max_err, (vdd < 0.8 ? 1.0 : 0.25) * lsb);
  EXPECT_LT(max_zero, 5e-3);
}

INSTANTIATE_TEST_SUITE_P(Tt, AMultTest, ::testing::ValuesIn(Supplies()), [](const auto& info) {
  return VddTag(info.param).replace(4, 1, "v");
});

}  // namespace
}  // namespace cimchar::circuits_test
