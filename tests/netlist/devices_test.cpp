#include "netlist/devices.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace cimchar::netlist {
namespace {

constexpr double kRelTol = 1e-12;

TEST(SpiceNumber, SuffixesAndUnits) {
  double v = 0;
  ASSERT_TRUE(ParseSpiceNumber("65n", v));
  EXPECT_NEAR(v, 65e-9, 65e-9 * kRelTol);
  ASSERT_TRUE(ParseSpiceNumber("1.5MEG", v));
  EXPECT_DOUBLE_EQ(v, 1.5e6);
  ASSERT_TRUE(ParseSpiceNumber("2m", v));  // milli, not mega
  EXPECT_DOUBLE_EQ(v, 2e-3);
  ASSERT_TRUE(ParseSpiceNumber("10fF", v));
  EXPECT_NEAR(v, 10e-15, 10e-15 * kRelTol);
  ASSERT_TRUE(ParseSpiceNumber("3e-6", v));
  EXPECT_DOUBLE_EQ(v, 3e-6);
  EXPECT_FALSE(ParseSpiceNumber("w", v));
  EXPECT_FALSE(ParseSpiceNumber("{x}", v));
  EXPECT_FALSE(ParseSpiceNumber("1.2.3", v));
}

TEST(Devices, FlattensHierarchyWithNgspiceNames) {
  const char* deck = R"(title
.subckt inv in out vdd wn=100n
Mp out in vdd vdd pch w=200n l=65n
Mn out in 0 0 nch w={wn} l=65n nf=2
.ends
.subckt two in out vdd
x1 in mid vdd inv wn=300n
x2 mid out vdd inv
Cm mid 0 2f
.ends
M0 a b c d nch W = 1u L = 0.1u m=3
xa in out vdd two
C1 out 0 1e-15
.end
)";
  auto devs = EnumerateDevices(deck);
  ASSERT_EQ(devs.size(), 7u);
  EXPECT_EQ(devs[0].name, "m0");
  EXPECT_DOUBLE_EQ(devs[0].mult, 3.0);
  EXPECT_NEAR(devs[0].w_m, 1e-6, 1e-18);
  EXPECT_EQ(devs[1].name, "m.xa.x1.mp");
  EXPECT_EQ(devs[1].model, "pch");
  EXPECT_EQ(devs[2].name, "m.xa.x1.mn");
  EXPECT_NEAR(devs[2].w_m, 150e-9, 1e-20);  // per finger
  EXPECT_DOUBLE_EQ(devs[2].mult, 2.0);
  EXPECT_EQ(devs[4].name, "m.xa.x2.mn");
  EXPECT_NEAR(devs[4].w_m, 50e-9, 1e-20);  // default wn
  EXPECT_EQ(devs[5].name, "c.xa.cm");
  EXPECT_EQ(devs[5].kind, Device::Kind::kCapacitor);
  EXPECT_NEAR(devs[5].c_f, 2e-15, 1e-27);
  EXPECT_EQ(devs[6].name, "c1");
}

TEST(Devices, UnknownSubcircuitNamesTheLine) {
  try {
    EnumerateDevices("t\nx1 a b nosuch\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nosuch"), std::string::npos) << e.what();
  }
}

TEST(Devices, UnevaluableSizeIsAnError) {
  EXPECT_THROW(EnumerateDevices("t\nM1 a b c d nch w={2*x} l=65n\n"), Error);
}

}  // namespace
}  // namespace cimchar::netlist
