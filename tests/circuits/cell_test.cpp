// Split-port 6T cell inside the HCIMA unit: write, hold, read without upset, two bits read at
// once; read static noise margin from the butterfly.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "circuits_support.h"
#include "measure/transfer.h"
#include "measure/waveform.h"

namespace cimchar::circuits_test {
namespace {

constexpr double kHigh = 0.9;  // fraction of VDD a logic 1 must reach
constexpr double kLow = 0.1;   // fraction of VDD a logic 0 must stay below

class CellTest : public ::testing::TestWithParam<double> {};

TEST_P(CellTest, WriteHoldAndSplitPortRead) {
  const double vdd = GetParam();
  const double tp = vdd < 0.8 ? 4e-9 : 2e-9;
  netlist::Bindings b;
  b.Set("vdd", vdd).Set("temp", 27.0).Set("t_phase", tp).Set("t_edge", 5e-11);
  b.Set("c_sample", 2e-15).Set("c_gbl", 10e-15);
  std::string deck = RenderBench("hcima_rw.sp", b);
  std::vector<std::string> vec = {"time",    "xu.x0.q",  "xu.x1.q",   "xu.x2.q",
                                  "xu.x3.q", "xu.lbl",   "xu.lblb",   "dout",
                                  "aout",    "xu.x1.qb", "vdd#branch"};
  auto r = RunBench("hcima_rw_" + VddTag(vdd), deck,
                    {"tran 1e-11 " + netlist::FormatNumber(10 * tp) + " uic"}, vec);
  ASSERT_TRUE(r.ok());
  const auto& t = r.vectors.at("time");
  auto at = [&](const std::string& v, double phase_end) {
    return measure::ValueAt(t, r.vectors.at(v), phase_end * tp - 0.1 * tp);
  };
  // Writes (phases 0..3) flipped each cell from its opposite initial state.
  EXPECT_GT(at("xu.x0.q", 1), kHigh * vdd);
  EXPECT_LT(at("xu.x1.q", 2), kLow * vdd);
  EXPECT_LT(at("xu.x2.q", 3), kLow * vdd);
  EXPECT_GT(at("xu.x3.q", 4), kHigh * vdd);
  // Hold (phase 4).
  EXPECT_GT(at("xu.x0.q", 5), kHigh * vdd);
  EXPECT_LT(at("xu.x1.q", 5), kLow * vdd);
  // Read A (phase 6): AWL1 and DWL2 at once -> LBL = W1 = 0, LBLB = Wb2 = 1.
  EXPECT_LT(at("xu.lbl", 7), kLow * vdd);
  EXPECT_GT(at("xu.lblb", 7), kHigh * vdd);
  EXPECT_LT(at("dout", 7), kLow * vdd);  // W2 * A = 0
  EXPECT_LT(at("aout", 7), kLow * vdd);  // W1 * GBL = 0
  // Read B (phase 8): AWL0 and DWL3 -> LBL = W0 = 1, LBLB = Wb3 = 0.
  EXPECT_GT(at("xu.lbl", 9), kHigh * vdd);
  EXPECT_LT(at("xu.lblb", 9), kLow * vdd);
  EXPECT_GT(at("dout", 9), kHigh * vdd);  // W3 * A = 1
  EXPECT_GT(at("aout", 9), kHigh * vdd);  // W0 * GBL = VDD
  // No upset: every stored bit is intact at the end.
  EXPECT_GT(at("xu.x0.q", 10), kHigh * vdd);
  EXPECT_LT(at("xu.x1.q", 10), kLow * vdd);
  EXPECT_LT(at("xu.x2.q", 10), kLow * vdd);
  EXPECT_GT(at("xu.x3.q", 10), kHigh * vdd);
  // Read disturbance: the largest bump of cell 1's 0 node while it was read (phase 6).
  double bump = 0.0;
  const auto& q1 = r.vectors.at("xu.x1.q");
  for (std::size_t k = 0; k < t.size(); ++k) {
    if (t[k] > 6 * tp && t[k] < 7 * tp) {
      bump = std::max(bump, q1[k]);
    }
  }
  Report("cell_read_bump_" + VddTag(vdd), bump * 1e3, "mV");
  EXPECT_LT(bump, 0.3 * vdd);
  // LBL discharge time in read A: PCHB rises at 6 tp; LBL crosses VDD/2.
  auto fall = measure::Crossings(t, r.vectors.at("xu.lbl"), vdd / 2, measure::Edge::kFalling);
  auto it = std::find_if(fall.begin(), fall.end(), [&](double x) { return x > 6 * tp; });
  ASSERT_NE(it, fall.end());
  Report("cell_lbl_read_delay_" + VddTag(vdd), (*it - 6 * tp) * 1e12, "ps");
}

TEST_P(CellTest, StaticNoiseMargins) {
  const double vdd = GetParam();
  struct Mode {
    const char* name;
    double wl_a, wl_b;
  };
  for (Mode m : {Mode{"hold", 0.0, 0.0}, Mode{"read", vdd, vdd}, Mode{"read_split", vdd, 0.0}}) {
    netlist::Bindings b;
    b.Set("vdd", vdd).Set("temp", 27.0).Set("v_wl_a", m.wl_a).Set("v_wl_b", m.wl_b);
    auto r = RunBench(
        std::string("sram_snm_") + m.name, RenderBench("sram_snm.sp", b),
        {"dc vin 0 " + netlist::FormatNumber(vdd) + " " + netlist::FormatNumber(vdd / 400)},
        {"v(in)", "v(outa)", "v(outb)"});
    ASSERT_TRUE(r.ok());
    auto snm = measure::ButterflySnm(r.vectors.at("v(in)"), r.vectors.at("v(outa)"),
                                     r.vectors.at("v(outb)"));
    Report(std::string("cell_snm_") + m.name + "_" + VddTag(vdd), snm.snm_v * 1e3, "mV");
    EXPECT_GT(snm.snm_v, 0.05 * vdd) << m.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Tt, CellTest, ::testing::ValuesIn(Supplies()), [](const auto& info) {
  return VddTag(info.param).replace(4, 1, "v");
});

}  // namespace
}  // namespace cimchar::circuits_test
