#include "report/plots.h"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "core/error.h"
#include "mac/evaluate.h"
#include "mac/random.h"
#include "mac/sweep.h"

namespace cimchar::report {
namespace {

namespace fs = std::filesystem;

class PlotDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cimchar_plots_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::size_t Entries() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) {
      ++n;
    }
    return n;
  }
  fs::path dir_;
};

std::string Head(const fs::path& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(n, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(n));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

std::string All(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Checks the PNG signature / SVG root of a drawn figure.
void ExpectPngAndSvg(const fs::path& base) {
  const auto png = fs::path(base).replace_extension(".png");
  const auto svg = fs::path(base).replace_extension(".svg");
  ASSERT_TRUE(fs::exists(png)) << png;
  EXPECT_EQ(Head(png, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_GT(fs::file_size(png), 1000u);
  ASSERT_TRUE(fs::exists(svg)) << svg;
  const std::string text = All(svg);
  EXPECT_NE(text.find("<svg"), std::string::npos);
}

// The series a gnuplot SVG draws: one group per plotted series ("gnuplot_plot_<n>", with a letter
// suffix per multiplot panel).
std::size_t SeriesCount(const std::string& svg) {
  std::size_t n = 0;
  for (std::size_t at = svg.find("<g id=\"gnuplot_plot_"); at != std::string::npos;
       at = svg.find("<g id=\"gnuplot_plot_", at + 1)) {
    ++n;
  }
  return n;
}

SnrEnergyPlot SnrData() {
  SnrEnergyPlot p;
  for (int b = 5; b <= 10; ++b) {
    p.b_da.push_back(b);
    p.snr_db.push_back(10.0 + 4.0 * (b - 5));
    p.snr_offset_removed_db.push_back(13.0 + 4.0 * (b - 5));
    p.energy_per_mac_j.push_back(1.0e-13 * (1.0 + 0.2 * (b - 5)));
  }
  return p;
}

TEST_F(PlotDir, SnrAndEnergyOnTwoAxes) {
  for (const char* ext : {".png", ".svg"}) {
    PlotSnrEnergy(SnrData(), dir_ / (std::string("snr_energy") + ext));
  }
  ExpectPngAndSvg(dir_ / "snr_energy");
  const std::string svg = All(dir_ / "snr_energy.svg");
  EXPECT_NE(svg.find("SNR (dB)"), std::string::npos);
  EXPECT_NE(svg.find("energy per MAC (fJ)"), std::string::npos);
  EXPECT_NE(svg.find("B_D/A"), std::string::npos);
  // SNR, SNR with the offset removed, energy; without the optional series, two.
  EXPECT_EQ(SeriesCount(svg), 3u);
  EXPECT_NE(svg.find("SNR, offset removed"), std::string::npos);
  EXPECT_EQ(Entries(), 2u);  // no temporary left behind
  SnrEnergyPlot two = SnrData();
  two.snr_offset_removed_db.clear();
  PlotSnrEnergy(two, dir_ / "two.svg");
  const std::string two_svg = All(dir_ / "two.svg");
  EXPECT_EQ(SeriesCount(two_svg), 2u);
  EXPECT_EQ(two_svg.find("SNR, offset removed"), std::string::npos);
}

TEST_F(PlotDir, MonteCarloHistograms) {
  HistogramPlot h;
  h.title = "ADC transition levels (Monte Carlo)";
  h.x_label = "transition level (mV)";
  h.x_scale = 1e3;
  // Set t: 400 samples at 100 t mV + (-3, -1, 1, 3) mV in turn: mean 100 t mV, sigma
  // sqrt(100 x 20 / 399) = 2.239 mV (n - 1), which the legend shows to three digits.
  for (int t = 1; t <= 3; ++t) {
    SampleSet s{"T" + std::to_string(t), {}};
    for (int i = 0; i < 400; ++i) {
      s.samples.push_back(0.1 * t + 1e-3 * (2 * (i % 4) - 3));
    }
    h.sets.push_back(s);
  }
  PlotHistogram(h, dir_ / "transitions.png");
  PlotHistogram(h, dir_ / "transitions.svg");
  ExpectPngAndSvg(dir_ / "transitions");
  const std::string svg = All(dir_ / "transitions.svg");
  EXPECT_EQ(SeriesCount(svg), 3u);
  for (const char* legend : {"T1 (n=400, mean=100, sigma=2.24)", "T2 (n=400, mean=200, sigma=2.24)",
                             "T3 (n=400, mean=300, sigma=2.24)"}) {
    EXPECT_NE(svg.find(legend), std::string::npos) << legend;
  }
}

TEST_F(PlotDir, DnlInlAndStackedBars) {
  DnlInlPlot d;
  d.codes = {0, 1, 2, 3, 4, 5, 6, 7};
  d.dnl_lsb = {0.0, 0.05, -0.1, 0.02, 0.0, -0.04, 0.08, 0.0};
  d.inl_lsb = {0.0, 0.05, -0.05, -0.03, -0.03, -0.07, 0.01, 0.01};
  PlotDnlInl(d, dir_ / "dnl_inl.png");
  PlotDnlInl(d, dir_ / "dnl_inl.svg");
  ExpectPngAndSvg(dir_ / "dnl_inl");
  const std::string dnl_svg = All(dir_ / "dnl_inl.svg");
  EXPECT_EQ(SeriesCount(dnl_svg), 2u);
  EXPECT_NE(dnl_svg.find(">DNL<"), std::string::npos);
  EXPECT_NE(dnl_svg.find(">INL<"), std::string::npos);

  StackedBarPlot b;
  b.title = "Energy per 8b x 8b MAC by block";
  b.y_label = "energy per MAC (fJ)";
  b.categories = {"DCIM", "HCIM", "OSA-HCIM"};
  b.blocks = {
      {"digital", {100, 50, 38}}, {"analog", {0, 8, 7}}, {"ADC", {0, 12, 10}}, {"OSE", {0, 0, 1}}};
  PlotStackedBars(b, dir_ / "breakdown.png");
  PlotStackedBars(b, dir_ / "breakdown.svg");
  ExpectPngAndSvg(dir_ / "breakdown");
  const std::string bars = All(dir_ / "breakdown.svg");
  EXPECT_EQ(SeriesCount(bars), 4u);  // one stack layer per block
  for (const char* label : {">DCIM<", ">HCIM<", ">OSA-HCIM<", ">digital<", ">ADC<", ">OSE<"}) {
    EXPECT_NE(bars.find(label), std::string::npos) << label;
  }
}

// The distinct rgb(...) colours of an SVG figure, white left out.
std::set<std::string> SvgColours(const std::string& svg) {
  static const std::regex kRgb(R"(rgb\(\s*(\d+),\s*(\d+),\s*(\d+)\))");
  std::set<std::string> colours;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), kRgb); it != std::sregex_iterator();
       ++it) {
    const std::string c = (*it)[1].str() + "," + (*it)[2].str() + "," + (*it)[3].str();
    if (c != "255,255,255") {
      colours.insert(c);
    }
  }
  return colours;
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// The energy breakdown has 11 blocks: each gets its own colour, none repeats gnuplot's eight.
TEST_F(PlotDir, EveryBlockOfAStackedBarHasItsOwnLook) {
  StackedBarPlot b;
  b.title = "many blocks";
  b.y_label = "energy per MAC (fJ)";
  b.categories = {"DCIM", "HCIM"};
  for (int k = 0; k < 12; ++k) {
    b.blocks.push_back({"block " + std::to_string(k), {1.0 + k, 2.0 + k}});
  }
  PlotStackedBars(b, dir_ / "twelve.svg");
  const std::string twelve = All(dir_ / "twelve.svg");
  EXPECT_EQ(SvgColours(twelve).size(), 12u);
  EXPECT_EQ(Count(twelve, "<pattern "), 0u);
  // Past twelve blocks the colours repeat, each with a fill pattern of its own.
  b.blocks.push_back({"block 12", {1.0, 1.0}});
  b.blocks.push_back({"block 13", {1.0, 1.0}});
  PlotStackedBars(b, dir_ / "fourteen.svg");
  PlotStackedBars(b, dir_ / "fourteen.png");
  ExpectPngAndSvg(dir_ / "fourteen");
  EXPECT_GE(Count(All(dir_ / "fourteen.svg"), "<pattern "), 2u);
}

TEST_F(PlotDir, EverySeriesOfALinePlotAndEverySetOfAHistogramHasItsOwnLook) {
  XyPlot p{.title = "many series", .x_label = "x", .y_label = "y"};
  HistogramPlot h{.title = "many sets", .x_label = "value (V)"};
  for (int k = 0; k < 13; ++k) {
    p.y1.push_back({"series " + std::to_string(k), {0.0, 1.0}, {1.0 * k, 2.0 * k}});
    h.sets.push_back({"set " + std::to_string(k), {1.0 * k, 1.0 * k + 0.2, 1.0 * k + 0.5}});
  }
  PlotXY(p, dir_ / "lines.svg");
  PlotHistogram(h, dir_ / "hist.svg");
  const std::string lines = All(dir_ / "lines.svg");
  const std::string hist = All(dir_ / "hist.svg");
  EXPECT_EQ(SvgColours(lines).size(), 12u);
  EXPECT_EQ(SvgColours(hist).size(), 12u);
  EXPECT_NE(lines.find("stroke-dasharray"), std::string::npos);  // the 13th series is dashed
  EXPECT_GE(Count(hist, "<pattern "), 1u);                       // the 13th set is hatched
}

TEST_F(PlotDir, BdaMapOverTheCatPhoto) {
  BdaMapPlot m;
  m.image = ReadPgm(fs::path(CIMCHAR_SOURCE_DIR) / "results/data/chelsea.pgm");
  // A stride-2 map from local contrast, quantized to boundaries 5..10 (test data only).
  m.map.width = m.image.width / 2;
  m.map.height = m.image.height / 2;
  for (int y = 0; y < m.map.height; ++y) {
    for (int x = 0; x < m.map.width; ++x) {
      const int a = m.image.At(2 * x, 2 * y);
      const int b = m.image.At(std::min(2 * x + 1, m.image.width - 1), 2 * y);
      const int c = m.image.At(2 * x, std::min(2 * y + 1, m.image.height - 1));
      const int contrast = std::abs(a - b) + std::abs(a - c);
      m.map.values.push_back(5 + std::min(5, contrast / 8));
    }
  }
  PlotBdaMap(m, dir_ / "bda_map.png");
  PlotBdaMap(m, dir_ / "bda_map.svg");
  ExpectPngAndSvg(dir_ / "bda_map");
  // Two panels, the grey-scale input and the map, each drawn once.
  const std::string svg = All(dir_ / "bda_map.svg");
  EXPECT_EQ(SeriesCount(svg), 2u);
  EXPECT_NE(svg.find(m.image_title), std::string::npos);
}

// The plot of cimchar snr --csv reads back what the sweep wrote (10 significant digits).
TEST_F(PlotDir, SnrFromTheSweepCsvIsTheSweepsPlot) {
  const mac::MacShape shape;
  const calib::Macro macro = calib::AnalyticMacro();
  const mac::Chips chips = mac::Chips::Random(shape, macro, shape.rows, shape.columns, 2, 1);
  const auto points = mac::SweepBoundaries(chips, {}, 7, 9, mac::UniformInputs(8),
                                           {.samples = 40, .seed = 1, .threads = 1});
  mac::WriteSweepCsv(dir_ / "snr.csv", points);
  const SnrEnergyPlot want = SnrEnergyFromSweep(points);
  const SnrEnergyPlot got = SnrEnergyFromCsv(dir_ / "snr.csv");
  ASSERT_EQ(got.b_da, want.b_da);
  ASSERT_EQ(got.b_da.size(), 3u);
  for (std::size_t i = 0; i < want.b_da.size(); ++i) {
    EXPECT_NEAR(got.snr_db[i], want.snr_db[i], 1e-8 * std::abs(want.snr_db[i]));
    EXPECT_NEAR(got.snr_offset_removed_db[i], want.snr_offset_removed_db[i],
                1e-8 * std::abs(want.snr_offset_removed_db[i]));
    EXPECT_NEAR(got.energy_per_mac_j[i], want.energy_per_mac_j[i], 1e-8 * want.energy_per_mac_j[i]);
  }
  std::ofstream(dir_ / "other.csv") << "mode,boundary\nhcim,8\n";
  EXPECT_THROW(SnrEnergyFromCsv(dir_ / "other.csv"), UsageError);
  EXPECT_THROW(SnrEnergyFromCsv(dir_ / "none.csv"), Error);
}

TEST_F(PlotDir, MissingFolderIsAnErrorAndLeavesNothing_bad) {
  const auto out = dir_ / "no_such_folder" / "snr.png";
  try {
    PlotSnrEnergy(SnrData(), out);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(out.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(Entries(), 0u);
}

TEST_F(PlotDir, UnknownExtensionIsAUsageError_bad) {
  EXPECT_THROW(PlotSnrEnergy(SnrData(), dir_ / "snr.jpeg"), UsageError);
  EXPECT_EQ(Entries(), 0u);
}

TEST_F(PlotDir, GnuplotFailureNamesThePlotAndLeavesNothing_bad) {
  XyPlot p;
  p.title = "nothing to draw";
  p.x_label = "x";
  p.y_label = "y";
  p.y1.push_back({"undefined", {1.0, 2.0}, {std::nan(""), std::nan("")}});
  const auto out = dir_ / "undefined.png";
  try {
    PlotXY(p, out);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(out.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gnuplot"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Entries(), 0u);
}

TEST_F(PlotDir, InconsistentInputIsAUsageError_bad) {
  SnrEnergyPlot p = SnrData();
  p.energy_per_mac_j.pop_back();
  EXPECT_THROW(PlotSnrEnergy(p, dir_ / "snr.png"), UsageError);
}

}  // namespace
}  // namespace cimchar::report
