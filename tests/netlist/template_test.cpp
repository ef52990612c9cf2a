#include "netlist/template.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "netlist/pdk.h"

namespace cimchar::netlist {
namespace {

namespace fs = std::filesystem;

const fs::path kData = fs::path(CIMCHAR_TEST_DATA);

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Template, NumbersArePlainSiWithFullPrecision) {
  EXPECT_EQ(FormatNumber(1e-3), "0.001");
  EXPECT_EQ(FormatNumber(6.5e-8), "6.5e-08");
  EXPECT_EQ(FormatNumber(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatNumber(1e6), "1e+06");
  EXPECT_THROW(FormatNumber(std::nan("")), Error);
}

TEST(Template, SubstitutesPlaceholdersAndMultiLineText) {
  Bindings b;
  b.Set("vdd", 0.6).SetText("rows", "r1 a b 1\nr2 b c 2");
  std::string out = RenderText("title\nv1 a 0 {{vdd}}\n{{ rows }}\n", "t", {}, b, {{}, false});
  EXPECT_EQ(out, "title\nv1 a 0 0.6\nr1 a b 1\nr2 b c 2\n\n");
}

TEST(Template, MissingPlaceholderIsAnErrorNamingItAndTheLine) {
  Bindings b;
  std::string msg = ErrorOf([&] {
    RenderText("t\nv1 a 0 {{vdd}}\n", "bench.cir", {}, b, {{}, false});
  });
  EXPECT_NE(msg.find("bench.cir:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("vdd"), std::string::npos) << msg;
}

TEST(Template, UnusedBindingIsAnErrorNamingIt) {
  Bindings b;
  b.Set("vdd", 1.0).Set("vdd_typo", 1.0);
  std::string msg = ErrorOf([&] {
    RenderText("t\nv1 a 0 {{vdd}}\n", "bench", {}, b, {{}, false});
  });
  EXPECT_NE(msg.find("vdd_typo"), std::string::npos) << msg;
}

TEST(Template, UnterminatedPlaceholderIsAnError) {
  Bindings b;
  EXPECT_THROW(RenderText("t\nv1 a 0 {{vdd\n", "bench", {}, b, {{}, false}), Error);
}

TEST(Template, IncludesAreInlinedAndRenderedWithTheSameBindings) {
  Bindings b;
  b.Set("vdd", 1.2).SetText("nmos", "mynmos").SetText("pmos", "mypmos");
  std::string out = RenderFile(kData / "bench.cir", b, {{}, false});
  EXPECT_NE(out.find("Mn out in vss vss mynmos"), std::string::npos) << out;
  EXPECT_NE(out.find("vdd vdd 0 1.2"), std::string::npos) << out;
  EXPECT_EQ(out.find(".include"), std::string::npos) << out;
}

TEST(Template, MissingIncludeNamesFileLineAndFolders) {
  Bindings b;
  std::string msg = ErrorOf([&] {
    RenderText("t\n.include nowhere.sp\n", "deck.cir", kData, b, {{"/tmp/userdir"}, false});
  });
  EXPECT_NE(msg.find("deck.cir:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nowhere.sp"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/tmp/userdir"), std::string::npos) << msg;
}

TEST(Template, IncludeCycleIsAnError) {
  Bindings b;
  std::string msg = ErrorOf([&] { RenderFile(kData / "cycle_a.sp", b, {{}, false}); });
  EXPECT_NE(msg.find("cycle"), std::string::npos) << msg;
}

TEST(Template, UserFolderComesBeforeTheProjectFolder) {
  fs::path dir = fs::temp_directory_path() / "cimchar_template_test";
  fs::create_directories(dir / "models");
  {
    std::ofstream(dir / "models" / "mine.lib")
        << "* user models\n.lib typ\n.model n1 nmos level=54\n.model p1 pmos level=54\n"
           ".endl typ\n.lib slow\n.model n1 nmos level=54\n.model p1 pmos level=54\n"
           ".endl slow\n";
  }
  Bindings b;
  Pdk pdk{.library = "models/mine.lib", .corners = {"typ", "slow"}, .nmos = "n1", .pmos = "p1"};
  BindPdk(pdk, "slow", {{dir}, true}, b);
  std::string out = RenderText("t\n{{models}}\n", "deck", {}, b, {{dir}, true});
  EXPECT_NE(out.find(".lib \"" + (dir / "models" / "mine.lib").string() + "\" slow"),
            std::string::npos)
      << out;
  fs::remove_all(dir);
}

TEST(Template, BenchCopiedAloneFindsTheProjectBlocks) {
  // A user's folder holding only benches/my.sp: its "../blocks/..." include is the project's.
  fs::path dir = fs::temp_directory_path() / "cimchar_template_alone";
  fs::create_directories(dir / "benches");
  { std::ofstream(dir / "benches" / "my.sp") << "my bench\n.include ../blocks/cs_line.sp\n.end\n"; }
  Bindings b;
  b.SetText("nmos", "n1")
      .SetText("pmos", "p1")
      .SetText("c_line", "1e-15")
      .SetText("c_sample", "1e-15");
  std::vector<fs::path> inputs;
  ASSERT_NO_THROW(RenderFile(dir / "benches" / "my.sp", b, {{dir}, true}, &inputs));
  bool project_block = false;
  for (const auto& f : inputs) {
    project_block |= f.filename() == "cs_line.sp" && f.parent_path().filename() == "blocks";
  }
  EXPECT_TRUE(project_block);
  fs::remove_all(dir);
}

TEST(Pdk, UnknownCornerNamesTheAllowedOnes) {
  Bindings b;
  Pdk pdk;
  std::string msg = ErrorOf([&] { BindPdk(pdk, "xx", {}, b); });
  EXPECT_NE(msg.find("xx"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tt, ff, ss, fs, sf"), std::string::npos) << msg;
}

}  // namespace
}  // namespace cimchar::netlist
