// NOR D_MULT: full truth table and energy per evaluation.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "circuits_support.h"
#include "measure/waveform.h"

namespace cimchar::circuits_test {
namespace {

class DMultTest : public ::testing::TestWithParam<double> {};

TEST_P(DMultTest, TruthTableAndEnergy) {
  const double vdd = GetParam();
  const double tp = vdd < 0.8 ? 2e-9 : 1e-9;
  const double te = 5e-11;
  // (W, A) per phase: every combination, entered from different neighbours.
  const std::vector<std::pair<int, int>> wa = {{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0},
                                               {1, 0}, {1, 1}, {0, 1}, {0, 0}};
  std::vector<double> lblb;
  std::vector<double> gblb;
  for (auto [w, a] : wa) {
    lblb.push_back(w ? 0.0 : vdd);
    gblb.push_back(a ? 0.0 : vdd);
  }
  netlist::Bindings b;
  b.Set("vdd", vdd).Set("temp", 27.0).Set("c_load", 1e-15);
  b.SetText("lblb", StepPwl(lblb, tp, te)).SetText("gblb", StepPwl(gblb, tp, te));
  const double t_stop = static_cast<double>(wa.size()) * tp;
  auto r =
      RunBench("d_mult_" + VddTag(vdd), RenderBench("d_mult.sp", b),
               {"tran 5e-12 " + netlist::FormatNumber(t_stop)}, {"time", "v(dout)", "vddm#branch"});
  ASSERT_TRUE(r.ok());
  const auto& t = r.vectors.at("time");
  for (std::size_t k = 0; k < wa.size(); ++k) {
    double v = measure::ValueAt(t, r.vectors.at("v(dout)"), (static_cast<double>(k) + 0.9) * tp);
    bool expect = wa[k].first && wa[k].second;
    EXPECT_NEAR(v, expect ? vdd : 0.0, 0.05 * vdd) << "W=" << wa[k].first << " A=" << wa[k].second;
  }
  // Energy over the 8 evaluations after the first phase (4 output toggles: 0->1->0 twice).
  double e =
      measure::SupplyEnergy(t, vdd, r.vectors.at("vddm#branch"), tp - 2 * te, t_stop - 2 * te);
  Report("d_mult_energy_per_eval_" + VddTag(vdd), e / 8 * 1e15, "fJ");
  EXPECT_GT(e, 0.0);
}

INSTANTIATE_TEST_SUITE_P(Tt, DMultTest, ::testing::ValuesIn(Supplies()), [](const auto& info) {
  return VddTag(info.param).replace(4, 1, "v");
});

}  // namespace
}  // namespace cimchar::circuits_test
