// Model libraries as open PDKs ship them: corner sections, nested sections and includes, devices
// wrapped in subcircuits. What a section defines, how the renderer writes a wrapped device's
// instances, which MOSFET Monte Carlo perturbs inside each, and the errors naming the file.
#include "netlist/library.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "netlist/devices.h"
#include "netlist/pdk.h"
#include "netlist/template.h"
#include "temp_dir.h"

namespace cimchar::netlist {
namespace {

namespace fs = std::filesystem;

using cimchar::testing::TempDir;

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void Write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

// A sky130/gf180-style library: corner sections that set a parameter and include the devices
// file, whose wrappers hold one MOSFET each; and a model-form library beside it.
struct Libraries {
  explicit Libraries(const TempDir& dir) {
    fs::create_directories(dir / "pdk" / "models");
    wrapped = dir / "pdk" / "kit.lib";
    Write(wrapped,
          "* kit\n.lib typ\n.param kit_dvt=0\n.include \"models/devices.spice\"\n.endl typ\n"
          ".lib slow\n.param kit_dvt=0.02\n.include \"models/devices.spice\"\n.endl slow\n");
    Write(dir / "pdk" / "models" / "devices.spice",
          "* devices\n"
          ".subckt NFET_A d g s b w=1e-6 l=45e-9 nf=1 mult=1 dvth=0\n"
          "m0 d g s b nfet_a__model w={w} l={l} nf={nf} m={mult} delvto={dvth}\n"
          ".ends\n"
          ".subckt pfet_a d g s b w=1e-6 l=45e-9\n"
          "m0 d g s b pfet_a__model w={w} l={l}\n"
          ".ends\n"
          ".model nfet_a__model nmos level=54 vth0={0.4+kit_dvt}\n"
          ".model pfet_a__model pmos level=54\n");
    plain = dir / "plain.lib";
    Write(plain, ".lib typ\n.model nch nmos level=54\n.model pch pmos level=54\n.endl typ\n");
  }
  fs::path wrapped;
  fs::path plain;
};

TEST(Library, ASectionDefinesWhatItLoads) {
  TempDir dir;
  const Libraries libs(dir);
  const auto typ = ReadLibrarySection(libs.wrapped, "TYP");
  EXPECT_EQ(typ->subcircuits, (std::set<std::string>{"nfet_a", "pfet_a"}));
  EXPECT_EQ(typ->models, (std::set<std::string>{"nfet_a__model", "pfet_a__model"}));
  ASSERT_EQ(typ->files.size(), 2u);
  EXPECT_EQ(typ->files[1].filename(), "devices.spice");
  EXPECT_EQ(ReadLibrarySection(libs.plain, "typ")->subcircuits.size(), 0u);
  EXPECT_EQ(ReadLibrarySection(libs.plain, "typ")->DefinedNames(), "nch, pch");
}

TEST(Library, ErrorsNameTheFileAndWhatItHas) {
  TempDir dir;
  const Libraries libs(dir);
  std::string msg = ErrorOf([&] { ReadLibrarySection(libs.wrapped, "fast"); });
  EXPECT_NE(msg.find("kit.lib"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no section 'fast'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("typ, slow"), std::string::npos) << msg;
  Write(dir / "open.lib", ".lib typ\n.model n nmos\n");
  msg = ErrorOf([&] { ReadLibrarySection(dir / "open.lib", "typ"); });
  EXPECT_NE(msg.find("open.lib line 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find(".endl"), std::string::npos) << msg;
  Write(dir / "loop.lib", ".lib a\n.lib \"loop.lib\" a\n.endl a\n");
  msg = ErrorOf([&] { ReadLibrarySection(dir / "loop.lib", "a"); });
  EXPECT_NE(msg.find("cycle"), std::string::npos) << msg;
  msg = ErrorOf([&] { ReadLibrarySection(dir / "missing.lib", "a"); });
  EXPECT_NE(msg.find("missing.lib"), std::string::npos) << msg;
}

// The renderer writes a transistor of a subcircuit library as an X instance (case-insensitive
// names, continuation lines, not inside .control), and leaves a model library's alone.
TEST(Library, TransistorsOfASubcircuitLibraryBecomeXInstances) {
  TempDir dir;
  const Libraries libs(dir);
  const std::string deck =
      "mos bench\n{{models}}\n.subckt inv a y vdd\nmp y a vdd vdd {{pmos}} w=2e-7 l=4.5e-8\n"
      "Mn y a 0 0\n+ {{nmos}} w=1e-7 l=4.5e-8\n.ends\nx1 in out vdd inv\nm9 a b c d other\n"
      ".control\nmeas tran t1 when v(a)=0.5\n.endc\n.end\n";
  Bindings b;
  BindPdk({.library = libs.wrapped, .corners = {"typ", "slow"}, .nmos = "NFET_A", .pmos = "pfet_a"},
          "slow", {{}, false}, b);
  std::vector<fs::path> inputs;
  const std::string out = RenderText(deck, "bench", dir.path(), b, {{}, false}, &inputs);
  EXPECT_NE(out.find("\nxmp y a vdd vdd pfet_a w=2e-7"), std::string::npos) << out;
  EXPECT_NE(out.find("\nxMn y a 0 0\n+ NFET_A"), std::string::npos) << out;
  EXPECT_NE(out.find("\nm9 a b c d other"), std::string::npos) << out;
  EXPECT_NE(out.find("\nmeas tran t1"), std::string::npos) << out;
  EXPECT_EQ(out.rfind("mos bench", 0), 0u) << out;  // the title is not a transistor
  // Provenance holds the devices file the section includes.
  bool devices = false;
  for (const auto& f : inputs) {
    devices |= f.filename() == "devices.spice";
  }
  EXPECT_TRUE(devices);
  Bindings m;
  BindPdk({.library = libs.plain, .corners = {"typ"}, .nmos = "nch", .pmos = "pch"}, "typ",
          {{}, false}, m);
  const std::string plain = RenderText(deck, "bench", dir.path(), m, {{}, false});
  EXPECT_NE(plain.find("\nmp y a vdd vdd pch"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("\nxmp"), std::string::npos) << plain;
}

TEST(Library, NamesTheLibraryDoesNotDefineAreRefused) {
  TempDir dir;
  const Libraries libs(dir);
  Bindings b;
  const std::string msg = ErrorOf([&] {
    BindPdk({.library = libs.wrapped, .corners = {"typ"}, .nmos = "nch", .pmos = "pfet_a"}, "typ",
            {{}, false}, b);
  });
  EXPECT_NE(msg.find("'nch'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("kit.lib"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nfet_a, nfet_a__model, pfet_a, pfet_a__model"), std::string::npos) << msg;
}

// Monte Carlo perturbs the MOSFET inside each wrapped instance: ngspice's name for it, the W and L
// the instance gives the wrapper, one entry per instance of the cell.
TEST(Library, WrappedTransistorsAreTheMosfetsInsideTheirSubcircuits) {
  TempDir dir;
  const Libraries libs(dir);
  const std::string deck = "t\n.lib \"" + libs.wrapped.string() +
                           "\" typ\n.subckt cell a g\nxmpd a g 0 0 nfet_a w=240e-9 l=65e-9 "
                           "mult=2\nxmpu a g 1 1 pfet_a\n.ends\nxc1 a g cell\nxc2 a g cell\n"
                           "cl a 0 1e-15\n.end\n";
  const auto devs = EnumerateDevices(deck);
  ASSERT_EQ(devs.size(), 5u);
  EXPECT_EQ(devs[0].name, "m.xc1.xmpd.m0");
  EXPECT_EQ(devs[0].model, "nfet_a__model");
  EXPECT_DOUBLE_EQ(devs[0].w_m, 240e-9);
  EXPECT_DOUBLE_EQ(devs[0].l_m, 65e-9);
  EXPECT_DOUBLE_EQ(devs[0].mult, 2.0);
  EXPECT_EQ(devs[1].name, "m.xc1.xmpu.m0");
  EXPECT_DOUBLE_EQ(devs[1].w_m, 1e-6);  // the wrapper's defaults
  EXPECT_DOUBLE_EQ(devs[1].l_m, 45e-9);
  EXPECT_EQ(devs[2].name, "m.xc2.xmpd.m0");
  EXPECT_EQ(devs[4].kind, Device::Kind::kCapacitor);
  // A subcircuit neither the deck nor its libraries define is named with the libraries searched.
  const std::string msg = ErrorOf([&] {
    EnumerateDevices("t\n.lib \"" + libs.wrapped.string() + "\" typ\nx1 a b c d nosuch\n");
  });
  EXPECT_NE(msg.find("deck line 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nosuch"), std::string::npos) << msg;
  EXPECT_NE(msg.find("kit.lib typ"), std::string::npos) << msg;
}

}  // namespace
}  // namespace cimchar::netlist
