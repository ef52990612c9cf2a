// The LUT adapter on small synthetic stores written with lut::RunWriter (no ngspice).
#include "mac/lut_calibration.h"

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "lut/reduce.h"
#include "lut/store.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"

namespace cimchar::mac {
namespace {

namespace fs = std::filesystem;
using lut::Axis;
using lut::Record;
using lut::RunSpec;
using lut::Statistic;

constexpr double kRelTol = 1e-12;
constexpr int kSamples = 4;
constexpr int kApathRows = 16;
const std::vector<double> kFractions = {0.0, 0.25, 0.5, 0.75, 1.0};

fs::path TempDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("cimchar_lut_calibration_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<Axis> Grid() {
  return {Axis::Categorical("corner", {"tt", "ss"}), Axis::Numeric("vdd", "V", {0.9, 1.1}),
          Axis::Numeric("temp", "degC", {25.0, 85.0})};
}

// Per-die deviation of sample s: deterministic and zero-mean over the 4 samples.
double Die(std::uint64_t s) { return (static_cast<double>(s) - 1.5) * 1e-3; }

// The line: 0.8 vdd * fraction, plus the die's offset.
double LineV(double vdd, double f, std::uint64_t s) { return 0.8 * vdd * f + Die(s) * (1 + f); }
// The ADC: transitions at (k - 1/2) LSB with LSB = 0.4 vdd / 8 (range = half the line).
double TransitionV(double vdd, int k, std::uint64_t s) {
  return 0.05 * vdd * (k - 0.5) + 0.5 * Die(s);
}

lut::Provenance Prov(const std::string& recipe) {
  return {.recipe_text = recipe, .master_seed = 7, .ngspice_version = "test"};
}

void WriteApath(const fs::path& out, bool with_energy) {
  std::vector<Axis> grid = Grid();
  grid.push_back(Axis::Numeric("fraction", "1", kFractions));
  RunSpec spec{
      .grid = grid,
      .samples_per_point = kSamples,
      .columns = {{.name = "line_v", .units = "V"}, {.name = "energy_op_j", .units = "J"}}};
  auto writer = lut::RunWriter::Create(out, spec, Prov("bench = apath\napath.rows = 16\n"));
  for (std::uint64_t g = 0; g < spec.GridPointCount(); ++g) {
    const auto idx = spec.GridIndex(g);
    const double vdd = grid[1].values()[idx[1]];
    const double f = kFractions[idx[3]];
    for (std::uint64_t s = 0; s < kSamples; ++s) {
      writer->Append({.grid_point = g,
                      .sample = s,
                      .values = {LineV(vdd, f, s), 1e-13 * vdd * vdd * (1.0 + f)}});
    }
  }
  const auto line = lut::ReduceSamples(
      spec, writer->Records(), {.quantity = "apath/line_v", .units = "V", .columns = {"line_v"}});
  std::vector<lut::QuantityTable> tables = {{Statistic::kMean, line.mean},
                                            {Statistic::kStaticSigma, line.static_sigma}};
  tables.push_back(
      {Statistic::kDynamicSigma, lut::Table("apath/line_v", "V", line.mean.axes(),
                                            std::vector<double>(line.mean.values().size(), 2e-4))});
  if (with_energy) {
    const auto e = lut::ReduceSamples(
        spec, writer->Records(),
        {.quantity = "apath/energy_op_j", .units = "J", .columns = {"energy_op_j"}});
    tables.push_back({Statistic::kMean, e.mean});
  }
  writer->Finalize(tables);
}

void WriteAdc(const fs::path& out, int bits) {
  const int n = (1 << bits) - 1;
  RunSpec spec{.grid = Grid(), .samples_per_point = kSamples};
  std::vector<std::string> code_columns;
  std::vector<double> codes;
  for (int k = 1; k <= n; ++k) {
    code_columns.push_back("code" + std::to_string(k) + "_v");
    codes.push_back(k);
    spec.columns.push_back({.name = code_columns.back(), .units = "V"});
  }
  spec.columns.push_back({.name = "comparator_offset_v", .units = "V"});
  spec.columns.push_back({.name = "energy_conversion_j", .units = "J"});
  auto writer = lut::RunWriter::Create(out, spec, Prov("bench = adc\n"));
  for (std::uint64_t g = 0; g < spec.GridPointCount(); ++g) {
    const double vdd = spec.grid[1].values()[spec.GridIndex(g)[1]];
    for (std::uint64_t s = 0; s < kSamples; ++s) {
      Record r{.grid_point = g, .sample = s};
      for (int k = 1; k <= n; ++k) {
        r.values.push_back(TransitionV(vdd, k, s));
      }
      r.values.push_back(0.5 * Die(s));
      r.values.push_back(4e-13 * vdd * vdd);
      writer->Append(r);
    }
  }
  const auto& rec = writer->Records();
  const auto t = lut::ReduceSamples(spec, rec,
                                    {.quantity = "adc/transition_v",
                                     .units = "V",
                                     .columns = code_columns,
                                     .column_axis = Axis::Numeric("code", "1", codes)});
  const auto off = lut::ReduceSamples(
      spec, rec,
      {.quantity = "adc/comparator_offset_v", .units = "V", .columns = {"comparator_offset_v"}});
  const auto e = lut::ReduceSamples(
      spec, rec,
      {.quantity = "adc/energy_conversion_j", .units = "J", .columns = {"energy_conversion_j"}});
  writer->Finalize(
      {{Statistic::kMean, t.mean},
       {Statistic::kStaticSigma, t.static_sigma},
       {Statistic::kDynamicSigma, lut::Table("adc/transition_v", "V", t.mean.axes(),
                                             std::vector<double>(t.mean.values().size(), 5e-4))},
       {Statistic::kMean, off.mean},
       {Statistic::kStaticSigma, off.static_sigma},
       {Statistic::kMean, e.mean}});
}

void WriteDigital(const fs::path& out) {
  std::vector<Axis> grid = Grid();
  grid.push_back(Axis::Numeric("activity", "1", {0.0, 0.5, 1.0}));
  RunSpec spec{
      .grid = grid,
      .samples_per_point = 2,
      .columns = {{.name = "dmult_energy_j", .units = "J"}, {.name = "fa_energy_j", .units = "J"}}};
  auto writer = lut::RunWriter::Create(out, spec, Prov("bench = digital\n"));
  for (std::uint64_t g = 0; g < spec.GridPointCount(); ++g) {
    const double act = grid[3].values()[spec.GridIndex(g)[3]];
    for (std::uint64_t s = 0; s < 2; ++s) {
      writer->Append(
          {.grid_point = g, .sample = s, .values = {1e-15 * (1 + act), 2e-15 * (1 + act)}});
    }
  }
  const auto& rec = writer->Records();
  const auto d = lut::ReduceSamples(
      spec, rec,
      {.quantity = "digital/dmult_energy_j", .units = "J", .columns = {"dmult_energy_j"}});
  const auto f = lut::ReduceSamples(
      spec, rec, {.quantity = "digital/fa_energy_j", .units = "J", .columns = {"fa_energy_j"}});
  writer->Finalize({{Statistic::kMean, d.mean}, {Statistic::kMean, f.mean}});
}

struct Stores {
  fs::path dir;
  CalibrationSources sources;
};

const Stores& Synthetic() {
  static const Stores stores = [] {
    Stores s;
    s.dir = TempDir("stores");
    s.sources.apath = s.dir / "apath.h5";
    s.sources.adc = s.dir / "adc.h5";
    s.sources.digital = s.dir / "digital.h5";
    WriteApath(s.sources.apath, true);
    WriteAdc(s.sources.adc, 3);
    WriteDigital(s.sources.digital);
    return s;
  }();
  return stores;
}

double MeanLine(double vdd, double f) {
  double sum = 0;
  for (std::uint64_t s = 0; s < kSamples; ++s) {
    sum += LineV(vdd, f, s);
  }
  return sum / kSamples;
}

TEST(LutCalibration, RoundTripOnTheGrid) {
  const LutCalibration c = CalibrationFromStores(Synthetic().sources, {"tt", 0.9, 25.0}, {});
  const AnalogCalibration& a = c.calibration.analog;
  ASSERT_EQ(a.line.size(), kFractions.size());
  for (std::size_t p = 0; p < kFractions.size(); ++p) {
    EXPECT_EQ(a.line[p].ideal_frac, kFractions[p]);
    EXPECT_NEAR(a.line[p].mean_v, MeanLine(0.9, kFractions[p]), kRelTol);
    EXPECT_NEAR(a.line[p].dynamic_sigma_v, 2e-4, kRelTol);
    EXPECT_GT(a.line[p].static_sigma_v, 0.0);
  }
  EXPECT_EQ(a.adc_bits, 3);
  // The ADC spans half the line: the adopted range is [0, 0.5] of full scale (the first
  // transition at half an LSB is a -0.5 LSB offset of each transition).
  EXPECT_NEAR(c.shape.adc_range_lo_frac, 0.0, 1e-3);
  EXPECT_NEAR(c.shape.adc_range_hi_frac, 0.5, 1e-3);
  ASSERT_EQ(a.adc_transition_offset_lsb.size(), 7U);
  for (double off : a.adc_transition_offset_lsb) {
    EXPECT_NEAR(off, -0.5, 0.02);
  }
  EXPECT_NEAR(a.comparator_noise_sigma_v, 5e-4, kRelTol);
  EXPECT_GT(a.comparator_offset_sigma_v, 0.0);
  const EnergyCalibration& e = c.calibration.energy;
  EXPECT_NEAR(e.e_amult_row_j, 1e-13 * 0.81 * 1.25 / kApathRows, 1e-27);
  EXPECT_NEAR(e.e_adc_conversion_j, 4e-13 * 0.81, 1e-27);
  EXPECT_NEAR(e.e_dmult_row_j, 1e-15 * 1.375, 1e-29);
  EXPECT_NEAR(e.e_adder_tree_j, 281 * 2e-15 * 1.5, 1e-27);  // 144 rows: 281 full adders
  EXPECT_NEAR(e.e_accumulate_j, AccumulateFullAdders(MacShape{}) * 3e-15, 1e-27);
  // No dac store: its energies are the stated placeholders, and the notes say so.
  const Calibration def = DefaultCalibration(3);
  EXPECT_EQ(e.e_dac_row_j, def.energy.e_dac_row_j);
  bool said = false;
  for (const std::string& n : c.notes) {
    said = said || n.find("DAC and precharge energies: not characterized") != std::string::npos;
  }
  EXPECT_TRUE(said);
}

TEST(LutCalibration, InterpolatesBetweenGridPoints) {
  const LutCalibration lo = CalibrationFromStores(Synthetic().sources, {"tt", 0.9, 25.0}, {});
  const LutCalibration hi = CalibrationFromStores(Synthetic().sources, {"tt", 1.1, 25.0}, {});
  const LutCalibration mid = CalibrationFromStores(Synthetic().sources, {"tt", 1.0, 25.0}, {});
  for (std::size_t p = 0; p < kFractions.size(); ++p) {
    EXPECT_NEAR(mid.calibration.analog.line[p].mean_v,
                0.5 * (lo.calibration.analog.line[p].mean_v + hi.calibration.analog.line[p].mean_v),
                1e-12);
  }
}

TEST(LutCalibration, PerDieUsesTheSampleRecords) {
  LutCalibrationOptions o;
  o.die_sample = 3;
  const LutCalibration c = CalibrationFromStores(Synthetic().sources, {"tt", 0.9, 25.0}, {}, o);
  const AnalogCalibration& a = c.calibration.analog;
  for (std::size_t p = 0; p < kFractions.size(); ++p) {
    EXPECT_NEAR(a.line[p].mean_v, LineV(0.9, kFractions[p], 3), kRelTol);
    EXPECT_EQ(a.line[p].static_sigma_v, 0.0);
  }
  EXPECT_EQ(a.comparator_offset_sigma_v, 0.0);
  for (double s : a.adc_transition_static_sigma_lsb) {
    EXPECT_EQ(s, 0.0);
  }
  o.die_sample = kSamples;
  EXPECT_THROW(CalibrationFromStores(Synthetic().sources, {"tt", 0.9, 25.0}, {}, o), UsageError);
}

TEST(LutCalibration, TheModelRunsOnIt) {
  const LutCalibration c = CalibrationFromStores(Synthetic().sources, {"tt", 1.0, 50.0}, {});
  const auto weights = RandomWeights(c.shape, c.shape.rows, c.shape.columns, 3);
  const MacArray array(c.shape, c.calibration, weights, c.shape.rows, c.shape.columns, 3);
  RunOptions run;
  run.boundary = 8;
  const SnrResult r = EvaluateSnr(array, run, UniformInputs(8), {.samples = 256});
  EXPECT_TRUE(std::isfinite(r.snr_db));
  EXPECT_GT(r.snr_db, 10.0);
  EXPECT_GT(r.energy.tops_per_w, 0.0);
}

// Bad input: each is an error naming the value and the range, the file or the quantity.
TEST(LutCalibrationBad, OperatingPointOutsideTheAxesIsRefused) {
  try {
    CalibrationFromStores(Synthetic().sources, {"tt", 1.3, 25.0}, {});
    FAIL() << "no error";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("1.3"), std::string::npos) << what;
    EXPECT_NE(what.find("vdd"), std::string::npos) << what;
    EXPECT_NE(what.find("never extrapolates"), std::string::npos) << what;
  }
  EXPECT_THROW(CalibrationFromStores(Synthetic().sources, {"tt", 1.0, 125.0}, {}), UsageError);
  EXPECT_THROW(CalibrationFromStores(Synthetic().sources, {"ff", 1.0, 25.0}, {}), UsageError);
}

TEST(LutCalibrationBad, MissingQuantityNamesFileAndQuantity) {
  const fs::path dir = TempDir("missing");
  CalibrationSources s;
  s.apath = dir / "apath.h5";
  WriteApath(s.apath, /*with_energy=*/false);
  try {
    CalibrationFromStores(s, {"tt", 1.0, 25.0}, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("apath/energy_op_j"), std::string::npos) << what;
    EXPECT_NE(what.find(s.apath.string()), std::string::npos) << what;
  }
  fs::remove_all(dir);
}

TEST(LutCalibrationBad, AdcBitsMismatch) {
  MacShape shape;
  shape.adc_bits = 4;
  shape.dac_bits = 4;
  try {
    CalibrationFromStores(Synthetic().sources, {"tt", 1.0, 25.0}, shape);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("3-bit"), std::string::npos) << what;
    EXPECT_NE(what.find("4 bits"), std::string::npos) << what;
  }
}

TEST(LutCalibrationBad, MissingFileAndEmptyFolder) {
  CalibrationSources s;
  s.adc = "/nonexistent/adc.h5";
  EXPECT_THROW(CalibrationFromStores(s, {}, {}), Error);
  const fs::path dir = TempDir("empty");
  EXPECT_THROW(SourcesInFolder(dir), UsageError);
  EXPECT_EQ(SourcesInFolder(Synthetic().dir).apath, Synthetic().sources.apath);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cimchar::mac
