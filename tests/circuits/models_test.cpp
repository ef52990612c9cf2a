// The model library: every corner loads and moves the on-current the way its name says.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "circuits_support.h"

namespace cimchar::circuits_test {
namespace {

struct Currents {
  double ion_n, ion_p, ioff_n, ioff_p;  // A per µm of width
};

Currents Measure(const std::string& corner, double vdd_v) {
  netlist::Bindings b;
  b.Set("vdd", vdd_v);
  std::string deck = RenderBench("device_iv.sp", b, corner);
  auto r =
      RunBench("device_iv_" + corner, deck,
               {"dc vg 0 " + netlist::FormatNumber(vdd_v) + " " + netlist::FormatNumber(vdd_v)},
               {"vd#branch", "vdp#branch"});
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

}  // namespace
}  // namespace cimchar::circuits_test
