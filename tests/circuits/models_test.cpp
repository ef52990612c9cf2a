// The model library: every corner loads and moves the on-current the way its name says.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "circuits_support.h"

namespace cimchar::circuits_test {
namespace {

struct Currents {
  double ion_n, ion_p, ioff_n, ioff_p;  // A per µm of width
};

// `before` runs ahead of the sweep (e.g. an alter of one device's mismatch).
Currents Measure(const std::string& corner,
                 double vdd_v,
                 const netlist::Pdk& pdk = {},
                 std::vector<std::string> before = {}) {
  netlist::Bindings b;
  b.Set("vdd", vdd_v);
  std::string deck = RenderBench("device_iv.sp", b, corner, pdk);
  before.push_back("dc vg 0 " + netlist::FormatNumber(vdd_v) + " " + netlist::FormatNumber(vdd_v));
  auto r = RunBench("device_iv_" + corner, deck, before, {"vd#branch", "vdp#branch"});
  if (!r.ok()) {
    return {};
  }
  const auto& in = r.vectors.at("vd#branch");
  const auto& ip = r.vectors.at("vdp#branch");
  return {-in.back(), ip.back(), -in.front(), ip.front()};
}

TEST(Models, CornersMoveOnCurrentTheRightWay) {
  for (double vdd : Supplies()) {
    std::map<std::string, Currents> c;
    for (const char* corner : {"tt", "ff", "ss", "fs", "sf"}) {
      c[corner] = Measure(corner, vdd);
      std::string k = std::string("ion_") + corner + "_" + VddTag(vdd);
      Report(k + "_nmos", c[corner].ion_n * 1e6, "uA_per_um");
      Report(k + "_pmos", c[corner].ion_p * 1e6, "uA_per_um");
      Report(std::string("ioff_") + corner + "_" + VddTag(vdd) + "_nmos", c[corner].ioff_n * 1e9,
             "nA_per_um");
      Report(std::string("ioff_") + corner + "_" + VddTag(vdd) + "_pmos", c[corner].ioff_p * 1e9,
             "nA_per_um");
    }
    EXPECT_GT(c["ff"].ion_n, c["tt"].ion_n);
    EXPECT_GT(c["tt"].ion_n, c["ss"].ion_n);
    EXPECT_GT(c["ff"].ion_p, c["tt"].ion_p);
    EXPECT_GT(c["tt"].ion_p, c["ss"].ion_p);
    EXPECT_DOUBLE_EQ(c["fs"].ion_n, c["ff"].ion_n);
    EXPECT_DOUBLE_EQ(c["fs"].ion_p, c["ss"].ion_p);
    EXPECT_DOUBLE_EQ(c["sf"].ion_n, c["ss"].ion_n);
    EXPECT_DOUBLE_EQ(c["sf"].ion_p, c["ff"].ion_p);
    EXPECT_GT(c["ff"].ioff_n, c["ss"].ioff_n);
  }
}

TEST(Models, PublishedFiguresAtTypical) {
  // reference/README: Ion(NMOS) about 1.32 mA/µm at 1.2 V and 0.31 mA/µm at 0.6 V.
  constexpr double kRel = 0.05;
  EXPECT_NEAR(Measure("tt", 1.2).ion_n, 1.32e-3, kRel * 1.32e-3);
  EXPECT_NEAR(Measure("tt", 0.6).ion_n, 0.31e-3, kRel * 0.31e-3);
}

// The 45 nm-class library packaged as open PDKs ship theirs (netlists/models/ptm45): corner and
// device names of its own, transistors wrapped in subcircuits that the renderer instantiates with
// X lines, and local mismatch reaching the MOSFET inside each wrapper by ngspice's name for it.
const netlist::Pdk kPtm45{.library = "models/ptm45/ptm45.lib",
                          .corners = {"typical", "fast", "slow", "fnsp", "snfp"},
                          .nmos = "nfet_1v0",
                          .pmos = "pfet_1v0"};

TEST(Models, SubcircuitLibraryCornersAndMismatchReachTheWrappedDevices) {
  netlist::Bindings b;
  b.Set("vdd", 1.0);
  const std::string deck = RenderBench("device_iv.sp", b, "typical", kPtm45);
  EXPECT_NE(deck.find("\nxmn d g 0 0 nfet_1v0 "), std::string::npos) << deck;
  for (double vdd : Supplies()) {
    std::map<std::string, Currents> c;
    for (const auto& corner : kPtm45.corners) {
      c[corner] = Measure(corner, vdd, kPtm45);
      const std::string k = "ptm45_" + corner + "_" + VddTag(vdd);
      Report("ion_" + k + "_nmos", c[corner].ion_n * 1e6, "uA_per_um");
      Report("ion_" + k + "_pmos", c[corner].ion_p * 1e6, "uA_per_um");
      Report("ioff_" + k + "_nmos", c[corner].ioff_n * 1e9, "nA_per_um");
      Report("ioff_" + k + "_pmos", c[corner].ioff_p * 1e9, "nA_per_um");
    }
    EXPECT_GT(c["fast"].ion_n, c["typical"].ion_n);
    EXPECT_GT(c["typical"].ion_n, c["slow"].ion_n);
    EXPECT_GT(c["fast"].ion_p, c["typical"].ion_p);
    EXPECT_GT(c["typical"].ion_p, c["slow"].ion_p);
    EXPECT_DOUBLE_EQ(c["fnsp"].ion_n, c["fast"].ion_n);
    EXPECT_DOUBLE_EQ(c["fnsp"].ion_p, c["slow"].ion_p);
    EXPECT_DOUBLE_EQ(c["snfp"].ion_n, c["slow"].ion_n);
    EXPECT_DOUBLE_EQ(c["snfp"].ion_p, c["fast"].ion_p);
    // A threshold 50 mV higher on the wrapped NMOS's MOSFET lowers its on-current; the PMOS's
    // stays.
    const Currents shifted = Measure("typical", vdd, kPtm45, {"alter @m.xmn.m0[delvto]=0.05"});
    EXPECT_LT(shifted.ion_n, 0.95 * c["typical"].ion_n);
    EXPECT_DOUBLE_EQ(shifted.ion_p, c["typical"].ion_p);
  }
}

}  // namespace
}  // namespace cimchar::circuits_test
