// A second technology end to end, the run README's "Bring your own PDK" walks through: the
// 45 nm-class library of netlists/models/ptm45 (corner and device names of its own, transistors
// wrapped in subcircuits with their own mismatch parameters) through the cell and ADC benches'
// quick profiles in ngspice, the macro read from those tables, and compare.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
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

// The recipe keys that point a run at the library (the README's $PDK).
const std::vector<std::string> kPdk = {"--models",      "models/ptm45/ptm45.lib",
                                       "--pdk_corners", "typical,fast,slow,fnsp,snfp",
                                       "--corners",     "typical",
                                       "--nmos",        "nfet_1v0",
                                       "--pmos",        "pfet_1v0"};

Result Characterize(const std::string& recipe, const fs::path& out, std::vector<std::string> more) {
  std::vector<std::string> args = {"characterize",  recipe,  "--profile", "quick", "--jobs", "2",
                                   "--no-progress", "--out", out.string()};
  args.insert(args.end(), kPdk.begin(), kPdk.end());
  args.insert(args.end(), more.begin(), more.end());
  return Cli(args);
}

bool AllPositive(const std::vector<double>& v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](double x) { return x > 0.0; });
}

TEST(SecondPdk, CellAndAdcTablesThenCompare) {
  const fs::path lut = Dir() / "lut45";
  const fs::path decks = Dir() / "decks45";
  Result r = Characterize("cell", lut / "cell.h5", {"--decks", decks.string()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  // The comparator's NMOS pair (threshold 0.47 V on this card) needs a higher common mode than
  // the default 0.5 V (netlists/README.md, "A second technology").
  r = Characterize("adc", lut / "adc.h5", {"--adc.vcm=0.6"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);

  // The decks instantiate the wrapped devices, and the runs hash the library's files.
  bool wrapped = false;
  for (const auto& f : fs::directory_iterator(decks)) {
    const std::string deck = Read(f.path());
    wrapped |= deck.find("nfet_1v0 w=") != std::string::npos &&
               deck.find("\nxmpd ") != std::string::npos &&
               deck.find("alter @m.") != std::string::npos &&
               deck.find(".m0[delvto]=") != std::string::npos;
  }
  EXPECT_TRUE(wrapped) << "no deck in " << decks << " instantiates nfet_1v0 and alters its m0";
  const auto cell = cimchar::lut::Store::Open(lut / "cell.h5");
  ASSERT_TRUE(cell.complete());
  bool lib = false;
  bool devices = false;
  for (const auto& [file, sha] : cell.provenance().input_sha256) {
    lib |= fs::path(file).filename() == "ptm45.lib";
    devices |= fs::path(file).filename() == "ptm45_devices.spice";
  }
  EXPECT_TRUE(lib && devices);
  // Local mismatch reached the wrapped transistors: the cell's read margin varies over the dies
  // (the cell has no capacitor, so only transistor mismatch can move it), at a plausible mean.
  const auto& snm_sigma = cell.ReadTable("cell/read_snm_v", cimchar::lut::Statistic::kStaticSigma);
  EXPECT_TRUE(AllPositive(snm_sigma.values()));
  for (double snm : cell.ReadTable("cell/read_snm_v", cimchar::lut::Statistic::kMean).values()) {
    EXPECT_GT(snm, 0.03);
    EXPECT_LT(snm, 0.4);
  }
  // At the card's nominal 1.0 V every die converts, its comparator offset varies over the dies.
  const auto adc = cimchar::lut::Store::Open(lut / "adc.h5");
  const auto& spec = adc.spec();
  ASSERT_EQ(spec.grid[1].name(), "vdd");
  int ok_at_1v = 0;
  for (const auto& rec : adc.records()) {
    const double vdd = spec.grid[1].values()[spec.GridIndex(rec.grid_point)[1]];
    ok_at_1v += vdd == 1.0 && rec.status == cimchar::lut::SampleStatus::kOk ? 1 : 0;
  }
  EXPECT_EQ(ok_at_1v, static_cast<int>(spec.samples_per_point));
  EXPECT_TRUE(AllPositive(
      adc.ReadTable("adc/comparator_offset_v", cimchar::lut::Statistic::kStaticSigma).values()));

  // The macro from that folder: the ADC is the second technology's, the rest the analytic
  // placeholder (compare's notes say so); the corner is the library's.
  r = Cli({"compare", "--lut", lut.string(), "--corner", "typical", "--vdd", "1.0", "--temp", "27",
           "--samples", "300", "--chips", "3"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("OSA-HCIM"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find((lut / "adc.h5").string()), std::string::npos) << r.out;
  ExpectRefused({"compare", "--lut", lut.string(), "--corner", "tt", "--vdd", "1.0"}, "tt");
}

}  // namespace
