#include "measure/block_netlists.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "substring_count.h"

namespace cimchar::measure {
namespace {

using cimchar::testing::Count;

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
    for (SarLogic logic : {SarLogic::kTransistor, SarLogic::kXspice}) {
      std::string s = SarAdcSubckt({.bits = bits, .c_unit_f = 4e-15, .logic = logic});
      EXPECT_EQ(Count(s, "\ncb"), bits);
      EXPECT_EQ(s.find("{{"), std::string::npos);
      if (logic == SarLogic::kXspice) {
        // One token flip-flop and one decision latch per bit.
        EXPECT_EQ(Count(s, " sar_ff\n"), bits);
        EXPECT_EQ(Count(s, " sar_latch\n"), bits);
      } else {
        // Static CMOS only: every element is a transistor or a capacitor.
        EXPECT_EQ(Count(s, "\na"), 0) << s;
        EXPECT_EQ(Count(s, "\n.model"), 0);
        EXPECT_EQ(Count(s, "\nmpft"), 10 * bits);  // 20-transistor flip-flops: 10 PMOS each
        EXPECT_EQ(Count(s, "\nmpl"), 5 * bits);    // 10-transistor latches: 5 PMOS each
      }
    }
  }
  std::string s = SarAdcSubckt({.bits = 3, .c_unit_f = 4e-15, .range_of_vref = 0.5});
  EXPECT_NE(s.find("cb2 vx bot2 1.6e-14\n"), std::string::npos) << s;
  EXPECT_NE(s.find("cs vx bots 6.4e-14\n"), std::string::npos) << s;
  EXPECT_DOUBLE_EQ(SamplingCapacitance({.bits = 3, .c_unit_f = 4e-15, .range_of_vref = 0.5}),
                   64e-15);
  EXPECT_THROW(SarAdcSubckt({.bits = 7, .c_unit_f = 4e-15}), UsageError);
  EXPECT_THROW(SarAdcSubckt({.bits = 3, .c_unit_f = 0.0}), UsageError);
  EXPECT_THROW(SarAdcSubckt({.bits = 3, .range_of_vref = 0.0}), UsageError);
  EXPECT_THROW(SarAdcSubckt({.bits = 3, .range_of_vref = 1.5}), UsageError);
  EXPECT_EQ(SarAdcPorts(3), "b0 b1 b2");
}

TEST(BlockNetlists, SarTiming) {
  EXPECT_DOUBLE_EQ(SarConversionTime(3, 1e-9, 2e-9), 9e-9);
  std::string clk = SarClockPwl(2, 1.0, 1e-9, 2e-9, 1e-10, 2);
  EXPECT_EQ(clk.rfind("pwl(0 0 2e-09 0 2.1e-09 1 ", 0), 0u) << clk;
  EXPECT_EQ(clk.substr(clk.size() - 5), "08 0)") << clk;
  EXPECT_EQ(Count(clk, " 1 "), 8) << clk;  // two conversions of two pulses, each high twice
  EXPECT_NE(clk.find(" 9.1e-09 1 "), std::string::npos) << clk;  // the second's first rise
  EXPECT_THROW(SarClockPwl(2, 1.0, 1e-9, 2e-10, 1e-10, 2), UsageError);
  EXPECT_THROW(SarClockPwl(2, 1.0, 1e-9, 2e-9, 1e-10, 0), UsageError);
  std::string smp = SarSamplePwl(2, 1.0, 1e-9, 2e-9, 1e-10, 2);
  // High for the first t_sample of each conversion: falls at 1 ns, rises at 7 ns, falls at 8 ns.
  EXPECT_EQ(smp.rfind("pwl(0 1 ", 0), 0u) << smp;
  EXPECT_NE(smp.find(" 1e-09 0 "), std::string::npos) << smp;
  EXPECT_EQ(smp.substr(smp.size() - 9), " 8e-09 0)") << smp;
  EXPECT_EQ(Count(smp, " 1 "), 4) << smp;  // high at two points per conversion
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
