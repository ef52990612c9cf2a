#include "variation/mismatch.h"

#include <cmath>
#include <fstream>
#include <numeric>

#include <gtest/gtest.h>

#include "core/error.h"
#include "netlist/devices.h"
#include "temp_dir.h"
#include "variation/counter_rng.h"

namespace cimchar::variation {
namespace {

using netlist::Device;

Device Mos(const std::string& name, double w, double l) {
  Device d;
  d.kind = Device::Kind::kMos;
  d.name = name;
  d.model = "nch";
  d.w_m = w;
  d.l_m = l;
  return d;
}

Device Cap(const std::string& name, double c) {
  Device d;
  d.kind = Device::Kind::kCapacitor;
  d.name = name;
  d.c_f = c;
  return d;
}

// Relative tolerance on a σ estimated from n samples: 4 standard errors of σ (≈ σ/√(2n)).
double SigmaTol(int n) { return 4.0 / std::sqrt(2.0 * n); }

TEST(CounterRng, IsAPureFunctionOfItsCounter) {
  EXPECT_EQ(CounterBits(1, 2, 3, 4), CounterBits(1, 2, 3, 4));
  EXPECT_NE(CounterBits(1, 2, 3, 4), CounterBits(1, 2, 3, 5));
  EXPECT_NE(CounterBits(1, 2, 3, 4), CounterBits(2, 2, 3, 4));
  EXPECT_EQ(DeviceKey("m.x1.mn"), DeviceKey("m.x1.mn"));
  EXPECT_NE(DeviceKey("m.x1.mn"), DeviceKey("m.x1.mp"));
}

TEST(CounterRng, NormalHasUnitMomentsAndUniformStaysInside) {
  constexpr int kN = 200000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < kN; ++i) {
    const double u = CounterUniform(7, i, 11, 0);
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
    const double x = CounterNormal(7, i, 11, 0);
    sum += x;
    sum2 += x * x;
  }
  const double mean = sum / kN;
  const double var = sum2 / kN - mean * mean;
  EXPECT_NEAR(mean, 0.0, 4.0 / std::sqrt(kN));
  EXPECT_NEAR(std::sqrt(var), 1.0, SigmaTol(kN));
}

TEST(Mismatch, PelgromSigmaFollowsArea) {
  MismatchOptions o;
  Device small = Mos("m1", 100e-9, 65e-9);
  Device big = Mos("m2", 400e-9, 260e-9);  // 16x the area: sigma / 4
  EXPECT_NEAR(SigmaVth(small, o) / SigmaVth(big, o), 4.0, 1e-12);
  // 3.5 mV·µm pair coefficient, one device: 3.5e-3 / sqrt(2 * 0.1 * 0.065) V.
  EXPECT_NEAR(SigmaVth(small, o), 3.5e-3 / std::sqrt(2 * 0.1 * 0.065), 1e-15);
  Device c1 = Cap("c1", 1e-15);
  Device c4 = Cap("c4", 4e-15);
  EXPECT_NEAR(SigmaCapRel(c1, o), 0.0066, 1e-15);
  EXPECT_NEAR(SigmaCapRel(c4, o), 0.0033, 1e-15);
}

TEST(Mismatch, DrawnSpreadMatchesTheStatedSigma) {
  MismatchOptions o;
  std::vector<Device> devs = {Mos("m.x1.mn", 200e-9, 65e-9), Cap("c.x1.cs", 2e-15)};
  constexpr int kN = 20000;
  double s_vt = 0, s_b = 0, s_c = 0;
  for (int i = 0; i < kN; ++i) {
    auto d = DrawMismatch(devs, o, 42, i);
    s_vt += d[0].delvto_v * d[0].delvto_v;
    s_b += (d[0].mulu0 - 1) * (d[0].mulu0 - 1);
    s_c += (d[1].c_f / 2e-15 - 1) * (d[1].c_f / 2e-15 - 1);
  }
  EXPECT_NEAR(std::sqrt(s_vt / kN) / SigmaVth(devs[0], o), 1.0, SigmaTol(kN));
  EXPECT_NEAR(std::sqrt(s_b / kN) / SigmaBeta(devs[0], o), 1.0, SigmaTol(kN));
  EXPECT_NEAR(std::sqrt(s_c / kN) / SigmaCapRel(devs[1], o), 1.0, SigmaTol(kN));
}

TEST(Mismatch, ValuesDependOnlyOnSeedSampleAndDeviceName) {
  MismatchOptions o;
  std::vector<Device> a = {Mos("m.a", 1e-7, 6.5e-8), Mos("m.b", 1e-7, 6.5e-8)};
  std::vector<Device> b = {a[1], Mos("m.other", 2e-7, 6.5e-8), a[0]};
  auto da = DrawMismatch(a, o, 5, 17);
  auto db = DrawMismatch(b, o, 5, 17);
  EXPECT_EQ(da[0].delvto_v, db[2].delvto_v);  // bit-identical, whatever the order
  EXPECT_EQ(da[1].mulu0, db[0].mulu0);
  EXPECT_NE(da[0].delvto_v, DrawMismatch(a, o, 5, 18)[0].delvto_v);
  EXPECT_NE(da[0].delvto_v, DrawMismatch(a, o, 6, 17)[0].delvto_v);
}

TEST(Mismatch, ScaleZeroTurnsItOffAndNegativeIsRefused) {
  MismatchOptions o;
  o.scale = 0;
  std::vector<Device> devs = {Mos("m1", 1e-7, 6.5e-8), Cap("c1", 1e-15)};
  auto d = DrawMismatch(devs, o, 1, 1);
  EXPECT_EQ(d[0].delvto_v, 0.0);
  EXPECT_EQ(d[0].mulu0, 1.0);
  EXPECT_EQ(d[1].c_f, 1e-15);
  o.scale = 1;
  o.avt_pair_v_um = -1;
  EXPECT_THROW(DrawMismatch(devs, o, 1, 1), UsageError);
}

TEST(Mismatch, AlterCommandsUseNgspiceSyntax) {
  std::vector<Device> devs = {Mos("m.x1.mn", 1e-7, 6.5e-8), Cap("c.x1.c1", 1e-15)};
  MismatchOptions o;
  auto cmds = AlterCommands(DrawMismatch(devs, o, 3, 4));
  ASSERT_EQ(cmds.size(), 3u);
  EXPECT_EQ(cmds[0].rfind("alter @m.x1.mn[delvto]=", 0), 0u) << cmds[0];
  EXPECT_EQ(cmds[1].rfind("alter @m.x1.mn[mulu0]=", 0), 0u) << cmds[1];
  EXPECT_EQ(cmds[2].rfind("alter @c.x1.c1[capacitance]=", 0), 0u) << cmds[2];
}

// A PDK that wraps its transistors in subcircuits (`X` instances with their own parameters):
// every instance's MOSFET inside the wrapper gets its own deviation, altered by ngspice's name
// for it, with the σ of the W and L the instance gives; a cell instance's draw is the same
// whatever else the deck holds (keyed by the name alone).
TEST(Mismatch, WrappedDevicesAreAlteredThroughTheMosfetInside) {
  cimchar::testing::TempDir dir;
  std::ofstream(dir / "kit.lib") << ".lib typ\n.subckt nf d g s b w=1e-6 l=45e-9 dvth=0\n"
                                    "m0 d g s b nf_model w={w} l={l} delvto={dvth}\n.ends\n"
                                    ".model nf_model nmos level=54\n.endl typ\n";
  const std::string lib = ".lib \"" + (dir / "kit.lib").string() + "\" typ\n";
  const std::string cell = ".subckt cell a g\nxmpd a g 0 0 nf w=240e-9 l=65e-9\n.ends\n";
  const auto two = netlist::EnumerateDevices("t\n" + lib + cell + "xc1 a g cell\nxc2 a g cell\n");
  const auto one = netlist::EnumerateDevices("t\n" + lib + cell + "xc2 a g cell\n");
  MismatchOptions o;
  const auto d2 = DrawMismatch(two, o, 9, 3);
  const auto d1 = DrawMismatch(one, o, 9, 3);
  ASSERT_EQ(d2.size(), 2u);
  EXPECT_NEAR(SigmaVth(two[0], o), 3.5e-3 / std::sqrt(2 * 0.24 * 0.065), 1e-15);
  EXPECT_NE(d2[0].delvto_v, d2[1].delvto_v);
  EXPECT_EQ(d2[1].delvto_v, d1[0].delvto_v);
  const auto cmds = AlterCommands(d2);
  ASSERT_EQ(cmds.size(), 4u);
  EXPECT_EQ(cmds[0].rfind("alter @m.xc1.xmpd.m0[delvto]=", 0), 0u) << cmds[0];
  EXPECT_EQ(cmds[3].rfind("alter @m.xc2.xmpd.m0[mulu0]=", 0), 0u) << cmds[3];
}

}  // namespace
}  // namespace cimchar::variation
