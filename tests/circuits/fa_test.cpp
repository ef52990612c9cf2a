// 28T mirror full adder: full truth table and energy per evaluation.

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "circuits_support.h"
#include "measure/waveform.h"

namespace cimchar::circuits_test {
namespace {

class FullAdderTest : public ::testing::TestWithParam<double> {};

TEST_P(FullAdderTest, TruthTableAndEnergy) {
  const double vdd = GetParam();
  const double tp = vdd < 0.8 ? 2e-9 : 1e-9;
  const double te = 5e-11;
  // (A, B, CI) per phase as a 3-bit number: a Gray-code walk over all eight combinations, then
  // jumps that change two or three inputs at once.
  const std::vector<int> abc = {0, 1, 3, 2, 6, 7, 5, 4, 0, 7, 0, 3, 5, 6, 1, 2, 4};
  std::array<std::vector<double>, 3> in;
  for (int v : abc) {
    for (int k = 0; k < 3; ++k) {
      in[k].push_back(((v >> (2 - k)) & 1) ? vdd : 0.0);
    }
  }
  netlist::Bindings b;
  b.Set("vdd", vdd).Set("temp", 27.0).Set("c_wire", 0.25e-15);
  b.SetText("a", StepPwl(in[0], tp, te)).SetText("b", StepPwl(in[1], tp, te));
  b.SetText("ci", StepPwl(in[2], tp, te));
  const double t_stop = static_cast<double>(abc.size()) * tp;
  auto r = RunBench("full_adder_" + VddTag(vdd), RenderBench("full_adder.sp", b),
                    {"tran 5e-12 " + netlist::FormatNumber(t_stop)},
                    {"time", "v(s)", "v(co)", "vddf#branch"});
  ASSERT_TRUE(r.ok());
  const auto& t = r.vectors.at("time");
  for (std::size_t k = 0; k < abc.size(); ++k) {
    const int ones = ((abc[k] >> 2) & 1) + ((abc[k] >> 1) & 1) + (abc[k] & 1);
    const double at = (static_cast<double>(k) + 0.9) * tp;
    EXPECT_NEAR(measure::ValueAt(t, r.vectors.at("v(s)"), at), (ones & 1) ? vdd : 0.0, 0.05 * vdd)
        << "S for A,B,CI = " << abc[k];
    EXPECT_NEAR(measure::ValueAt(t, r.vectors.at("v(co)"), at), (ones >> 1) ? vdd : 0.0, 0.05 * vdd)
        << "CO for A,B,CI = " << abc[k];
  }
  // Energy over the evaluations after the first phase (each changes at least one input).
  const double e =
      measure::SupplyEnergy(t, vdd, r.vectors.at("vddf#branch"), tp - 2 * te, t_stop - 2 * te);
  const double per_eval = e / static_cast<double>(abc.size() - 1);
  Report("full_adder_energy_per_eval_" + VddTag(vdd), per_eval * 1e15, "fJ");
  EXPECT_GT(per_eval, 0.0);
  // A cell of a few fF switched at most once per output and node: well below 100 fF * VDD^2.
  EXPECT_LT(per_eval, 100e-15 * vdd * vdd);
}

INSTANTIATE_TEST_SUITE_P(Tt, FullAdderTest, ::testing::ValuesIn(Supplies()), [](const auto& info) {
  return VddTag(info.param).replace(4, 1, "v");
});

}  // namespace
}  // namespace cimchar::circuits_test
