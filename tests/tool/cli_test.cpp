// Every command of the cimchar binary as a user runs it: characterize (a 16-row macro's tables at
// 1.0 V, two dies each, made once and shared by the tests), inspect, snr, thresholds, compare,
// validate, export (every format), plot (every kind) and version. Each: the exit code, the files it
// writes, one figure in its output, and one bad option refused with exit code 2 and a message
// naming it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "cli_support.h"
#include "lut/store.h"

namespace {

namespace fs = std::filesystem;
using cimchar::cli_test::Cli;
using cimchar::cli_test::Describe;
using cimchar::cli_test::Dir;
using cimchar::cli_test::ExpectRefused;
using cimchar::cli_test::Read;
using cimchar::cli_test::Result;

// The tables of a 16-row macro at 1.0 V, made with the characterize command (two dies each) into
// CIMCHAR_CLI_TABLES, with a marker written last so a cut-off run is never taken for tables.
const fs::path kTables = CIMCHAR_CLI_TABLES;
const fs::path kTablesMade = kTables / "made";

void MakeTables() {
  fs::remove_all(kTables);
  fs::create_directories(kTables);
  for (const std::string recipe : {"apath", "adc", "dac", "digital"}) {
    std::vector<std::string> args = {"characterize",
                                     recipe,
                                     "--profile",
                                     "quick",
                                     "--vdd",
                                     "1.0",
                                     "--samples",
                                     "2",
                                     "--jobs",
                                     "2",
                                     "--no-progress",
                                     "--out",
                                     (kTables / (recipe + ".h5")).string()};
    if (recipe == "apath") {
      args.push_back("--apath.rows=16");
      args.push_back("--apath.codes=0 5 10 15");
    }
    const Result r = Cli(args);
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    ASSERT_TRUE(cimchar::lut::Store::Open(kTables / (recipe + ".h5")).complete()) << recipe;
  }
  std::ofstream(kTablesMade) << "made by " << CIMCHAR_BIN << "\n";
}

// Under ctest CliTables.Make has made them for this run (a fixture every other test requires);
// a test run on its own makes them when they are missing.
const fs::path& Lut() {
  static const bool made = fs::exists(kTablesMade) || (MakeTables(), true);
  static_cast<void>(made);
  return kTables;
}

std::vector<std::string> Model(std::vector<std::string> args) {
  for (const std::string& a : std::vector<std::string>{"--lut", Lut().string(), "--vdd", "1.0",
                                                       "--corner", "tt", "--temp", "27"}) {
    args.push_back(a);
  }
  return args;
}

// Runs first in a run of the whole binary and as ctest's fixture setup: fresh tables of this build.
TEST(CliTables, Make) {
  MakeTables();
  EXPECT_TRUE(fs::exists(kTablesMade));
}

TEST(Cli, CharacterizeAndInspect) {
  const fs::path apath = Lut() / "apath.h5";
  ASSERT_TRUE(fs::exists(apath));
  const auto store = cimchar::lut::Store::Open(apath);
  EXPECT_TRUE(store.complete());
  const Result r = Cli({"inspect", apath.string(), "--recipe"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("apath/line_v"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("# resolved: apath.rows = 16"), std::string::npos) << r.out;
  ExpectRefused({"characterize", "apath", "--apath.rows=0"}, "apath.rows");
  ExpectRefused({"inspect"}, "inspect");
}

TEST(Cli, SnrOverChipsWithItsInterval) {
  const fs::path csv = Dir() / "snr.csv";
  const Result r = Cli(Model(
      {"snr", "--samples", "400", "--chips", "4", "--boundaries", "7-8", "--out", csv.string()}));
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(fs::exists(csv));
  EXPECT_NE(r.out.find("expectation over 4 chip instances"), std::string::npos) << r.out;
  // The HCIM B = 8 row: an SNR in dB with its interval.
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(hcim\s+8\s+[\d.]+\s+[\d.]+\s+[\d.]+ \[)")))
      << r.out;
  // Four chips leave the interval wide, and the command says how to narrow it.
  EXPECT_NE(r.out.find("note: the SNR interval of hcim B=8 is"), std::string::npos) << r.out;
  ExpectRefused(Model({"snr", "--rows", "144"}), "--rows 144 disagrees");
  ExpectRefused(Model({"snr", "--adc-hi", "0.4"}), "--adc-lo/--adc-hi");
}

TEST(Cli, SnrDefaultsKeepTheIntervalWithinHalfADecibel) {
  const Result r = Cli(Model({"snr", "--boundaries", "8"}));
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("expectation over 400 chip instances"), std::string::npos) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.out, m, std::regex(R"(hcim\s+8\s+[\d.]+\s+[\d.]+\s+([\d.]+) \[\s*([\d.]+),\s*([\d.]+)\])")))
      << r.out;
  const double snr = std::stod(m[1]), lo = std::stod(m[2]), hi = std::stod(m[3]);
  EXPECT_LE(lo, snr);
  EXPECT_GE(hi, snr);
  EXPECT_LE(hi - lo, 0.5) << r.out;
  EXPECT_EQ(r.out.find("note: the SNR interval"), std::string::npos) << r.out;
}

TEST(Cli, ThresholdsAndCompare) {
  const fs::path t = Dir() / "thresholds.txt";
  Result r = Cli(Model({"thresholds", "--samples", "300", "--out", t.string()}));
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const std::string text = Read(t);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(thresholds = ([-\d ]+))"))) << text;
  std::string list = m[1];
  std::replace(list.begin(), list.end(), ' ', ',');
  r = Cli(Model({"compare", "--samples", "300", "--chips", "3", "--thresholds", list}));
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("OSA-HCIM"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(DCIM\s+inf)"))) << r.out;
  ExpectRefused(Model({"thresholds", "--candidates", "7,6"}), "strictly increasing");
  ExpectRefused(Model({"compare", "--adc-bits", "4"}), "--adc-bits 4 disagrees");
}

// compare --thresholds-file reads what thresholds --out wrote: B, T and the N/Q full scale.
TEST(Cli, CompareReadsTheThresholdsFile) {
  const fs::path t = Dir() / "thresholds_file.txt";
  Result r = Cli(Model({"thresholds", "--samples", "300", "--chips", "2", "--out", t.string()}));
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const std::string text = Read(t);
  std::smatch thresholds;
  std::smatch nq;
  ASSERT_TRUE(std::regex_search(text, thresholds, std::regex(R"(thresholds = ([-\d ]+))")));
  ASSERT_TRUE(std::regex_search(text, nq, std::regex(R"(nq_full_scale = (\d+))")));
  std::string list = thresholds[1];
  std::replace(list.begin(), list.end(), ' ', ',');
  const Result given = Cli(Model({"compare", "--samples", "300", "--chips", "2", "--thresholds",
                                  list, "--nq-full-scale", nq[1]}));
  ASSERT_EQ(given.exit_code, 0) << Describe(given);
  const Result read =
      Cli(Model({"compare", "--samples", "300", "--chips", "2", "--thresholds-file", t.string()}));
  ASSERT_EQ(read.exit_code, 0) << Describe(read);
  EXPECT_EQ(read.out, given.out);
  ExpectRefused(Model({"compare", "--thresholds-file", t.string(), "--thresholds", list}),
                "drop --thresholds");
  const Result missing =
      Cli(Model({"compare", "--thresholds-file", (Dir() / "none.txt").string()}));
  EXPECT_EQ(missing.exit_code, 1) << Describe(missing);
  EXPECT_NE(missing.err.find("none.txt"), std::string::npos) << Describe(missing);
}

TEST(Cli, ExportEveryFormat) {
  for (const std::string format :
       {"accelergy", "neurosim", "aihwkit", "asim", "crosssim", "csv", "json"}) {
    const fs::path out = Dir() / ("export_" + format);
    const Result r = Cli(Model({"export", "--format", format, "--out", out.string()}));
    EXPECT_EQ(r.exit_code, 0) << format << ": " << Describe(r);
    EXPECT_TRUE(fs::is_directory(out) && !fs::is_empty(out)) << format;
    EXPECT_NE(r.out.find("wrote"), std::string::npos) << r.out;
  }
  ExpectRefused(Model({"export", "--format", "spice", "--out", (Dir() / "x").string()}), "spice");
}

TEST(Cli, PlotEveryKind) {
  const fs::path png = Dir() / "dnl.png";
  Result r = Cli({"plot", "dnl", "--lut", (Lut() / "adc.h5").string(), "--out", png.string()});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_GT(fs::file_size(png), 1000u);
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(code 1: DNL -?[\d.e-]+ LSB)"))) << r.out;
  r = Cli({"plot", "hist", "--lut", (Lut() / "apath.h5").string(), "--vdd", "1.0", "--columns",
           "line_v_c15", "--centered", "--out", (Dir() / "hist.png").string()});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  r = Cli(Model({"plot", "snr", "--samples", "200", "--chips", "2", "--boundaries", "7-8", "--out",
                 (Dir() / "snr.svg").string()}));
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  r = Cli(Model({"plot", "breakdown", "--samples", "200", "--chips", "2", "--thresholds",
                 "30,20,10,5,1", "--out", (Dir() / "breakdown.png").string()}));
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(fs::exists(Dir() / "breakdown.png"));
  ExpectRefused({"plot", "pie", "--out", "x.png"}, "pie");
  ExpectRefused({"plot", "dnl", "--lut", (Lut() / "adc.h5").string()}, "--out");
}

TEST(Cli, ValidateAgainstTheSmallColumn) {
  const fs::path out = Dir() / "validation";
  const Result r = Cli({"validate", "--lut", Lut().string(), "--out", out.string(), "--jobs", "2",
                        "--chips", "20", "--no-progress", "--column.rows=16", "--samples", "2",
                        "--column.sets=sweep", "--column.sweep_transitions=2 4",
                        "--column.sweep_offsets=-0.15 0.15", "--column.sweep_centres=0"});
  // Two dies decide nothing: no target is missed (exit 0) and the result is inconclusive; the
  // model against real SPICE with intervals that decide is tests/validate/validate_test.cpp.
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("result: INCONCLUSIVE"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(out / "report.txt"));
  EXPECT_TRUE(fs::exists(out / "codes.csv"));
  EXPECT_TRUE(fs::exists(out / "lines.csv"));
  EXPECT_TRUE(fs::exists(out / "column.h5"));
  EXPECT_NE(r.out.find("error sigma ratio, model / SPICE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 dies"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x 4 vectors"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("line in front of the ADC"), std::string::npos) << r.out;
  // The report names what it does not cover: five transitions, the line per code, the SNR.
  EXPECT_NE(r.out.find("not covered: transitions T1 T3 T5 T6 T7;"), std::string::npos) << r.out;
  ExpectRefused({"validate", "--lut", Lut().string(), "--out", (Dir() / "refused").string(),
                 "--column.rows=16", "--spice", (Dir() / "no_such_column.h5").string()},
                "no_such_column.h5");
  ExpectRefused({"validate", "--lut", Lut().string(), "--out", out.string(), "--column.rows=8"},
                "rows = 8");
  ExpectRefused({"validate", "--lut", Lut().string(), "--out", (Dir() / "refused").string(),
                 "--column.rows=16", "--column.sets=uniform"},
                "unknown set 'uniform'");
  ExpectRefused({"validate", "--lut", Lut().string(), "--out", (Dir() / "refused").string(),
                 "--column.rows=16", "--column.sets=network"},
                "--layer");
  ExpectRefused({"validate", "--out", out.string()}, "--lut");
}

TEST(Cli, Version) {
  const Result r = Cli({"version"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("cimchar"), std::string::npos) << r.out;
  ExpectRefused({"versio"}, "versio");
}

}  // namespace
