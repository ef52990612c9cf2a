#include "measure/block_netlists.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace cimchar::measure {
namespace {

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) {
    ++n;
  }
  return n;
}

TEST(BlockNetlists, DacHasOneMuxPerNodeOfTheTree) {
  for (int bits = 1; bits <= 4; ++bits) {
    std::string s = ActivationDacSubckt(bits);
    // 2^bits - 1 multiplexers of two TGs (4 MOS) + one inverter (2 MOS) per bit.
    EXPECT_EQ(Count(s, " nch w="), 2 * ((1 << bits) - 1) + bits) << s;
    EXPECT_NE(s.find(".subckt act_dac" + std::to_string(bits)), std::string::npos);
    EXPECT_EQ(s.find("{{"), std::string::npos);
  }
  EXPECT_THROW(ActivationDacSubckt(0), UsageError);
  EXPECT_THROW(ActivationDacSubckt(5), UsageError);
  EXPECT_EQ(ActivationDacPorts(2), "d0 d1 ref0 ref1 ref2 ref3");
}

TEST(BlockNetlists, DacUsesThePdkModelNames) {
  std::string s = ActivationDacSubckt(2, {.nmos = "my_n", .pmos = "my_p"});
  EXPECT_EQ(s.find(" nch "), std::string::npos);
  EXPECT_NE(s.find(" my_n "), std::string::npos);
  EXPECT_NE(s.find(" my_p "), std::string::npos);
}

TEST(BlockNetlists, ReferenceLadder) {
  EXPECT_DOUBLE_EQ(DacLevel(4, 15, 0.6), 0.6);
  EXPECT_DOUBLE_EQ(DacLevel(4, 0, 0.6), 0.0);
  EXPECT_DOUBLE_EQ(DacLevel(2, 1, 0.9), 0.3);
  EXPECT_THROW(DacLevel(2, 4, 0.9), UsageError);
  std::string s = DacReferenceSources(2, 0.9);
  EXPECT_NE(s.find("vref3 ref3 0 0.9\n"), std::string::npos) << s;
  EXPECT_THROW(DacReferenceSources(2, -1.0), UsageError);
}

TEST(BlockNetlists, SarAdcScalesWithBits) {
  for (int bits = 1; bits <= 6; ++bits) {
    std::string s = SarAdcSubckt({.bits = bits, .c_unit_f = 4e-15, .vdd_v = 1.0, .models = {}});
    EXPECT_EQ(Count(s, "\ncb"), bits);
    EXPECT_EQ(Count(s, " sar_ff\n"), 2 * bits);
    EXPECT_EQ(s.find("{{"), std::string::npos);
  }
  std::string s = SarAdcSubckt({.bits = 3, .c_unit_f = 4e-15, .vdd_v = 1.0, .models = {}});
  EXPECT_NE(s.find("cb2 vx bot2 1.6e-14\n"), std::string::npos) << s;
  EXPECT_THROW(SarAdcSubckt({.bits = 7, .c_unit_f = 4e-15, .vdd_v = 1.0, .models = {}}),
               UsageError);
  EXPECT_THROW(SarAdcSubckt({.bits = 3, .c_unit_f = 0.0, .vdd_v = 1.0, .models = {}}), UsageError);
  EXPECT_EQ(SarAdcPorts(3), "b0 b1 b2");
}

TEST(BlockNetlists, SarTiming) {
  EXPECT_DOUBLE_EQ(SarConversionTime(3, 1e-9, 2e-9), 9e-9);
  std::string clk = SarClockPwl(2, 1.0, 1e-9, 2e-9, 1e-10);
  EXPECT_EQ(clk.rfind("pwl(0 0 2e-09 0 2.1e-09 1 ", 0), 0u) << clk;
  EXPECT_EQ(clk.substr(clk.size() - 7), " 0) r=0") << clk;
  EXPECT_EQ(Count(clk, " 1 "), 4) << clk;  // two pulses, each high at two points
  EXPECT_THROW(SarClockPwl(2, 1.0, 1e-9, 2e-10, 1e-10), UsageError);
}

TEST(BlockNetlists, ChargeLineRows) {
  std::vector<LineRow> rows = {{.gbl = "g0", .weight = true, .lbl_source = ""},
                               {.gbl = "g1", .weight = false, .lbl_source = ""},
                               {.gbl = "g1", .weight = false, .lbl_source = "pwl(0 0 1 1)"}};
  std::string s = ChargeLineRows(rows);
  EXPECT_NE(s.find("xr0 g0 lbl0 smp smpb sh shb line vdd vss cs_row\n"), std::string::npos) << s;
  EXPECT_NE(s.find("vw0 lbl0 vdd 0\n"), std::string::npos);
  EXPECT_NE(s.find("vw1 lbl1 0 0\n"), std::string::npos);
  EXPECT_NE(s.find("vw2 lbl2 0 pwl(0 0 1 1)\n"), std::string::npos);
  EXPECT_THROW(ChargeLineRows({}), UsageError);
}

}  // namespace
}  // namespace cimchar::measure
