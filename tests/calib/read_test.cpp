// The characterized macro read from small synthetic stores written with lut::RunWriter in the
// table contract's format (no ngspice): values at and between grid points, the refusals.
#include "calib/read.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "calib/schema.h"
#include "core/error.h"
#include "lut/reduce.h"
#include "lut/store.h"
#include "mac/mac_model.h"
#include "mac/setup.h"
#include "netlist/template.h"

namespace cimchar::calib {
namespace {

namespace fs = std::filesystem;
using lut::Axis;
using lut::Record;
using lut::RunSpec;
using lut::Statistic;

constexpr double kRelTol = 1e-12;
constexpr int kSamples = 4;
constexpr int kRows = 16;
const std::vector<double> kCodes = {0, 5, 10, 15};

fs::path TempDir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("cimchar_calib_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<Axis> Grid() {
  return {Axis::Categorical("corner", {"tt", "ss"}), Axis::Numeric("vdd", "V", {0.6, 1.0}),
          Axis::Numeric("temp", "degC", {25.0, 85.0})};
}

// Per-die deviation of sample s: deterministic and zero-mean over the 4 samples. Its static sigma
// (n - 1): sqrt((2.25 + 0.25 + 0.25 + 2.25) mV^2 / 3) = 1.2910 mV.
double Die(std::uint64_t s) { return (static_cast<double>(s) - 1.5) * 1e-3; }
const double kDieSigmaV = std::sqrt(5.0 / 3.0) * 1e-3;
// The line: 0.6 vdd c / 15 with every row W = 1 at code c, a -5 mV baseline, the die's offset.
double LineV(double vdd, double code, std::uint64_t s) {
  return -5e-3 + 0.6 * vdd * code / 15.0 + Die(s);
}
// The ADC: transitions at k LSB, LSB = 0.3 vdd / 8 (its window is the lower half of the line).
double TransitionV(double vdd, int k, std::uint64_t s) {
  return -5e-3 + 0.3 * vdd / 8 * k + 0.5 * Die(s);
}

lut::Provenance Prov(const std::string& recipe, std::uint64_t seed) {
  return {.recipe_text = recipe, .master_seed = seed, .ngspice_version = "test"};
}

// Writes a store with one value per sample per column and the given reductions.
struct Writer {
  RunSpec spec;
  std::unique_ptr<lut::RunWriter> writer;
  std::vector<lut::QuantityTable> tables;
  void Reduce(const lut::ReduceRequest& r, bool dynamic = false) {
    const auto red = lut::ReduceSamples(spec, writer->Records(), r);
    tables.push_back({Statistic::kMean, red.mean});
    tables.push_back({Statistic::kStaticSigma, red.static_sigma});
    if (dynamic) {
      tables.push_back({Statistic::kDynamicSigma,
                        lut::Table(r.quantity, r.units, red.mean.axes(),
                                   std::vector<double>(red.mean.values().size(), 2e-4))});
    }
  }
};

// The resolved converter keys of a table ("apath.adc_" for the line's, "adc." for the adc
// table's), the defaults with the common mode given.
std::string LineAdc(const std::string& prefix, double vcm = 0.5) {
  std::string s;
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"bits", "3"},
                                   {"c_unit", "2e-15"},
                                   {"vref", "1"},
                                   {"range_of_vref", "0.3333333333333333"},
                                   {"vcm", netlist::FormatNumber(vcm)}}) {
    s += "# resolved: " + prefix + key + " = " + value + "\n";
  }
  return s;
}

void WriteApath(const fs::path& out, const std::string& extra_recipe = "", double adc_vcm = 0.5) {
  Writer w;
  w.spec = {.grid = Grid(), .samples_per_point = kSamples, .columns = {}};
  std::vector<std::string> line, energy;
  for (double c : kCodes) {
    line.push_back("line_v_c" + std::to_string(static_cast<int>(c)));
    energy.push_back("energy_op_j_c" + std::to_string(static_cast<int>(c)));
  }
  for (const auto& n : line) w.spec.columns.push_back({.name = n, .units = "V"});
  for (const auto& n : energy) w.spec.columns.push_back({.name = n, .units = "J"});
  w.spec.columns.push_back({.name = "baseline_v", .units = "V"});
  w.spec.columns.push_back({.name = "baseline_energy_j", .units = "J"});
  w.spec.columns.push_back({.name = "check_1", .units = "V"});
  w.spec.columns.push_back({.name = "check_2", .units = "V"});
  w.writer = lut::RunWriter::Create(
      out, w.spec,
      Prov("bench = apath\n" + extra_recipe + "# resolved: apath.rows = " + std::to_string(kRows) +
               "\n# resolved: apath.columns = 8\n# resolved: apath.dac_bits = 4\n" +
               LineAdc("apath.adc_", adc_vcm),
           11));
  for (std::uint64_t g = 0; g < w.spec.GridPointCount(); ++g) {
    const double vdd = w.spec.grid[1].values()[w.spec.GridIndex(g)[1]];
    for (std::uint64_t s = 0; s < kSamples; ++s) {
      Record r{.grid_point = g, .sample = s};
      for (double c : kCodes) r.values.push_back(LineV(vdd, c, s));
      for (double c : kCodes) r.values.push_back(1e-13 * vdd * vdd * (1 + c / 15));
      r.values.push_back(-5e-3 + Die(s));
      r.values.push_back(1e-13 * vdd * vdd);
      r.values.push_back(1e-4);
      r.values.push_back(-2e-4);
      w.writer->Append(r);
    }
  }
  const Axis code = Axis::Numeric("code", "1", kCodes);
  w.Reduce({.quantity = "apath/line_v", .units = "V", .columns = line, .column_axis = code}, true);
  w.Reduce({.quantity = "apath/energy_op_j", .units = "J", .columns = energy, .column_axis = code});
  w.Reduce({.quantity = "apath/baseline_v", .units = "V", .columns = {"baseline_v"}});
  w.Reduce({.quantity = "apath/baseline_energy_j", .units = "J", .columns = {"baseline_energy_j"}});
  w.Reduce({.quantity = "apath/superposition_error_v",
            .units = "V",
            .columns = {"check_1", "check_2"},
            .column_axis = Axis::Numeric("check", "1", {1, 2})});
  w.writer->Finalize(w.tables);
}

void WriteAdc(const fs::path& out, int bits) {
  const int n = (1 << bits) - 1;
  Writer w;
  w.spec = {.grid = Grid(), .samples_per_point = kSamples, .columns = {}};
  std::vector<std::string> cols;
  std::vector<double> codes;
  for (int k = 1; k <= n; ++k) {
    cols.push_back("transition_v_" + std::to_string(k));
    codes.push_back(k);
    w.spec.columns.push_back({.name = cols.back(), .units = "V"});
  }
  w.spec.columns.push_back({.name = "comparator_offset_v", .units = "V"});
  w.spec.columns.push_back({.name = "energy_conversion_j", .units = "J"});
  w.writer = lut::RunWriter::Create(out, w.spec, Prov("bench = adc\n" + LineAdc("adc."), 12));
  for (std::uint64_t g = 0; g < w.spec.GridPointCount(); ++g) {
    const double vdd = w.spec.grid[1].values()[w.spec.GridIndex(g)[1]];
    for (std::uint64_t s = 0; s < kSamples; ++s) {
      Record r{.grid_point = g, .sample = s};
      for (int k = 1; k <= n; ++k) r.values.push_back(TransitionV(vdd, k, s));
      r.values.push_back(0.5 * Die(s));
      r.values.push_back(4e-13 * vdd * vdd);
      w.writer->Append(r);
    }
  }
  w.Reduce({.quantity = "adc/transition_v",
            .units = "V",
            .columns = cols,
            .column_axis = Axis::Numeric("code", "1", codes)},
           true);
  w.Reduce(
      {.quantity = "adc/comparator_offset_v", .units = "V", .columns = {"comparator_offset_v"}});
  w.Reduce(
      {.quantity = "adc/energy_conversion_j", .units = "J", .columns = {"energy_conversion_j"}});
  w.writer->Finalize(w.tables);
}

void WriteDac(const fs::path& out, int bits) {
  Writer w;
  w.spec = {.grid = Grid(), .samples_per_point = 2, .columns = {}};
  std::vector<std::string> cols;
  std::vector<double> codes;
  for (int c = 0; c < (1 << bits); ++c) {
    cols.push_back("energy_j_" + std::to_string(c));
    codes.push_back(c);
    w.spec.columns.push_back({.name = cols.back(), .units = "J"});
  }
  w.writer = lut::RunWriter::Create(out, w.spec, Prov("bench = dac\n", 13));
  for (std::uint64_t g = 0; g < w.spec.GridPointCount(); ++g) {
    for (std::uint64_t s = 0; s < 2; ++s) {
      Record r{.grid_point = g, .sample = s};
      for (double c : codes) r.values.push_back(1e-15 * c);
      w.writer->Append(r);
    }
  }
  w.Reduce({.quantity = "dac/energy_j",
            .units = "J",
            .columns = cols,
            .column_axis = Axis::Numeric("code", "1", codes)});
  w.writer->Finalize(w.tables);
}

// The adder tree: vdd^2 (20 + 400 ones) fJ per evaluation, 2 fJ of leakage per 8 ns cycle.
double TreeJ(double vdd, double ones) { return vdd * vdd * (20e-15 + 400e-15 * ones); }

void WriteAdderTree(const fs::path& out, int rows, double cycle_s = 8e-9) {
  Writer w;
  w.spec = {.grid = Grid(), .samples_per_point = 2, .columns = {}};
  const std::vector<double> ones = {0, 0.25, 0.5, 0.75, 1};
  std::vector<std::string> cols;
  for (std::size_t k = 0; k < ones.size(); ++k) {
    cols.push_back("energy_j_" + std::to_string(k));
    w.spec.columns.push_back({.name = cols.back(), .units = "J"});
  }
  w.spec.columns.push_back({.name = "leakage_cycle_j", .units = "J"});
  w.spec.columns.push_back({.name = "cycle_s", .units = "s"});
  w.writer = lut::RunWriter::Create(
      out, w.spec,
      Prov("bench = adder_tree\n# resolved: adder_tree.rows = " + std::to_string(rows) +
               "\n# resolved: adder_tree.tree = wallace\n",
           14));
  for (std::uint64_t g = 0; g < w.spec.GridPointCount(); ++g) {
    const double vdd = w.spec.grid[1].values()[w.spec.GridIndex(g)[1]];
    for (std::uint64_t s = 0; s < 2; ++s) {
      Record r{.grid_point = g, .sample = s};
      for (double x : ones) r.values.push_back(TreeJ(vdd, x));
      r.values.push_back(2e-15);
      r.values.push_back(cycle_s);
      w.writer->Append(r);
    }
  }
  w.Reduce({.quantity = std::string(schema::kAdderTreeEnergy),
            .units = "J",
            .columns = cols,
            .column_axis = Axis::Numeric(std::string(schema::kOnesAxis), "1", ones)});
  w.Reduce({.quantity = std::string(schema::kAdderTreeLeakageCycle),
            .units = "J",
            .columns = {"leakage_cycle_j"}});
  w.Reduce(
      {.quantity = std::string(schema::kAdderTreeCycle), .units = "s", .columns = {"cycle_s"}});
  w.writer->Finalize(w.tables);
}

// D_MULT per row: vdd^2 (1 + 2 w + 4 w a) fJ; the accumulator vdd^2 (10 + 48 toggles) fJ (2 fJ
// per bit of 24); the scalars k fJ for the k-th of kDigitalScalars.
double DmultJ(double vdd, double w, double a) {
  return vdd * vdd * (1 + 2 * w + 4 * w * a) * 1e-15;
}
const std::vector<std::string_view> kDigitalScalars = {
    schema::kPrechargeLbl,      schema::kPrechargeLblb,
    schema::kPrechargeRowCycle, schema::kWordlineDwl,
    schema::kWordlineAwl,       schema::kDinToggle,
    schema::kLeakageRowCycle,   schema::kLeakageAccumulatorCycle};

void WriteDigital(const fs::path& out) {
  Writer w;
  w.spec = {.grid = Grid(), .samples_per_point = 2, .columns = {}};
  const std::vector<double> toggles = {0, 0.5, 1}, levels = {0, 0.5, 1};
  std::vector<std::string> acc, dmult;
  for (std::size_t k = 0; k < toggles.size(); ++k) {
    acc.push_back("acc_" + std::to_string(k));
    w.spec.columns.push_back({.name = acc.back(), .units = "J"});
  }
  for (std::size_t i = 0; i < levels.size(); ++i) {
    for (std::size_t k = 0; k < levels.size(); ++k) {
      dmult.push_back("dmult_" + std::to_string(i) + "_" + std::to_string(k));
      w.spec.columns.push_back({.name = dmult.back(), .units = "J"});
    }
  }
  for (std::size_t k = 0; k < kDigitalScalars.size(); ++k) {
    w.spec.columns.push_back({.name = "scalar_" + std::to_string(k), .units = "J"});
  }
  w.spec.columns.push_back({.name = "cycle_s", .units = "s"});
  w.writer = lut::RunWriter::Create(
      out, w.spec,
      Prov("bench = digital\n# resolved: digital.acc_bits = 24\n# resolved: digital.columns = "
           "8\n",
           15));
  for (std::uint64_t g = 0; g < w.spec.GridPointCount(); ++g) {
    const double vdd = w.spec.grid[1].values()[w.spec.GridIndex(g)[1]];
    for (std::uint64_t s = 0; s < 2; ++s) {
      Record r{.grid_point = g, .sample = s};
      for (double t : toggles) r.values.push_back(vdd * vdd * (10 + 48 * t) * 1e-15);
      for (double wa : levels) {
        for (double aa : levels) r.values.push_back(DmultJ(vdd, wa, aa));
      }
      for (std::size_t k = 0; k < kDigitalScalars.size(); ++k) {
        r.values.push_back(static_cast<double>(k + 1) * 1e-15);
      }
      r.values.push_back(8e-9);
      w.writer->Append(r);
    }
  }
  w.Reduce({.quantity = std::string(schema::kDigitalAccumulatorEnergy),
            .units = "J",
            .columns = acc,
            .column_axis = Axis::Numeric(std::string(schema::kTogglesAxis), "1", toggles)});
  w.Reduce({.quantity = std::string(schema::kDigitalDmultEnergy),
            .units = "J",
            .columns = dmult,
            .column_axis = Axis::Numeric(std::string(schema::kWActivityAxis), "1", levels),
            .inner_axis = Axis::Numeric(std::string(schema::kAActivityAxis), "1", levels)});
  for (std::size_t k = 0; k < kDigitalScalars.size(); ++k) {
    w.Reduce({.quantity = std::string(kDigitalScalars[k]),
              .units = "J",
              .columns = {"scalar_" + std::to_string(k)}});
  }
  w.Reduce({.quantity = std::string(schema::kDigitalCycle), .units = "s", .columns = {"cycle_s"}});
  w.writer->Finalize(w.tables);
}

const Sources& Synthetic() {
  static const Sources sources = [] {
    const fs::path dir = TempDir("stores");
    Sources s{.files = {{"apath", dir / "apath.h5"},
                        {"adc", dir / "adc.h5"},
                        {"adder_tree", dir / "adder_tree.h5"},
                        {"digital", dir / "digital.h5"},
                        {"dac", dir / "dac.h5"}}};
    WriteApath(s.files["apath"]);
    WriteAdc(s.files["adc"], 3);
    WriteAdderTree(s.files["adder_tree"], kRows);
    WriteDigital(s.files["digital"]);
    WriteDac(s.files["dac"], 4);
    return s;
  }();
  return sources;
}

template <typename F>
void ExpectUsageError(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

Request At(double vdd) {
  Request r;
  r.point = {.corner = "tt", .vdd_v = vdd, .temp_c = 25.0};
  return r;
}

TEST(CalibRead, TheMacroOnAndBetweenGridPoints) {
  for (double vdd : {0.6, 0.8, 1.0}) {
    const Macro m = ReadMacro(Synthetic(), At(vdd));
    EXPECT_EQ(m.origin, "tables");
    EXPECT_EQ(m.geometry.rows, kRows);
    EXPECT_EQ(m.geometry.dac_bits, 4);
    EXPECT_EQ(m.geometry.adc_bits, 3);
    ASSERT_EQ(m.line.codes.size(), kCodes.size());
    for (std::size_t i = 0; i < kCodes.size(); ++i) {
      // Linear in vdd, so interpolation between 0.6 and 1.0 is exact.
      EXPECT_NEAR(m.line.code_v[i], -5e-3 + 0.6 * vdd * kCodes[i] / 15.0, 1e-12);
      EXPECT_NEAR(m.line.code_static_sigma_v[i], kDieSigmaV, kRelTol);
      EXPECT_NEAR(m.line.code_dynamic_sigma_v[i], 2e-4, kRelTol);
    }
    EXPECT_NEAR(m.line.baseline_v, -5e-3, 1e-12);
    // h(code) is interpolated between the measured codes.
    EXPECT_NEAR(m.line.StepV(7, kRows), 0.6 * vdd * 7 / 15.0 / kRows, 1e-12);
    EXPECT_NEAR(m.line.superposition_error_v, 2e-4, 1e-12);
    EXPECT_NEAR(m.adc.LsbV(), 0.3 * vdd / 8, 1e-12);
    EXPECT_NEAR(m.adc.LowV(), -5e-3, 1e-12);
    // The offset and each transition move by half the die's deviation.
    EXPECT_NEAR(m.adc.comparator_offset_sigma_v, 0.5 * kDieSigmaV, kRelTol);
    for (double sigma : m.adc.transition_static_sigma_v) {
      EXPECT_NEAR(sigma, 0.5 * kDieSigmaV, kRelTol);
    }
    ASSERT_EQ(m.energy.dac_row_j.size(), 16U);
    EXPECT_NEAR(m.energy.dac_row_j[9], 9e-15, 1e-27);
    EXPECT_EQ(m.sources.size(), 5U);
    for (const TableSource& s : m.sources) {
      EXPECT_EQ(s.sha256, lut::Sha256File(s.file));
      EXPECT_FALSE(s.recipe_text.empty());
    }
  }
  // Every code of the ADC is reachable from this line: no warning in the notes.
  const Macro m = ReadMacro(Synthetic(), At(1.0));
  for (const auto& n : m.notes) {
    EXPECT_EQ(n.find("WARNING"), std::string::npos) << n;
  }
}

// The digital energies are the measured tables at the operating point, per action and
// activity; what has no netlist says it is composed.
TEST(CalibRead, DigitalEnergiesAreMeasuredPerActivity) {
  for (double vdd : {0.6, 1.0}) {
    const Macro m = ReadMacro(Synthetic(), At(vdd));
    const Energies& e = m.energy;
    ASSERT_EQ(e.adder_tree_j.size(), static_cast<std::size_t>(kRows) + 1);
    for (int n = 0; n <= kRows; ++n) {
      EXPECT_NEAR(e.adder_tree_j[static_cast<std::size_t>(n)],
                  TreeJ(vdd, static_cast<double>(n) / kRows), 1e-9 * TreeJ(vdd, 1.0));
    }
    EXPECT_NEAR(e.dmult_w0.energy_j, DmultJ(vdd, 0, 0.5), 1e-27);
    EXPECT_NEAR(e.dmult_w1_a0.energy_j, DmultJ(vdd, 1, 0), 1e-27);
    EXPECT_NEAR(e.dmult_w1_a1.energy_j, DmultJ(vdd, 1, 1), 1e-27);
    EXPECT_NEAR(e.accumulate.energy_j, vdd * vdd * 10e-15, 1e-27);
    EXPECT_NEAR(e.accumulate_toggle_j, vdd * vdd * 2e-15, 1e-27);
    EXPECT_EQ(e.accumulator_bits, 24);
    EXPECT_NEAR(e.precharge_lblb.energy_j, 2e-15, 1e-27);
    EXPECT_NEAR(e.precharge_row_cycle.energy_j, 3e-15, 1e-27);
    EXPECT_NEAR(e.wordline_dwl.energy_j, 4e-15, 1e-27);
    EXPECT_NEAR(e.wordline_awl.energy_j, 5e-15, 1e-27);
    EXPECT_NEAR(e.din_toggle.energy_j, 6e-15, 1e-27);
    EXPECT_NEAR(e.leakage_row_cycle.energy_j, 7e-15, 1e-27);
    EXPECT_NEAR(e.leakage_accumulator_cycle.energy_j, 8e-15, 1e-27);
    EXPECT_NEAR(e.leakage_tree_cycle.energy_j, 2e-15, 1e-27);
    for (const ActionEnergy* a :
         {&e.dmult_w0, &e.dmult_w1_a0, &e.dmult_w1_a1, &e.accumulate, &e.precharge_lblb,
          &e.precharge_row_cycle, &e.wordline_dwl, &e.wordline_awl, &e.din_toggle,
          &e.leakage_row_cycle, &e.leakage_tree_cycle, &e.leakage_accumulator_cycle}) {
      EXPECT_EQ(a->how.rfind("measured: ", 0), 0U) << a->how;
    }
    EXPECT_EQ(e.adder_tree_how.rfind("measured: ", 0), 0U) << e.adder_tree_how;
    EXPECT_NE(e.adder_tree_how.find("wallace"), std::string::npos) << e.adder_tree_how;
    for (const ActionEnergy* a : {&e.nq, &e.ose_eval}) {
      EXPECT_EQ(a->how.rfind("composed", 0), 0U) << a->how;
      EXPECT_GT(a->energy_j, 0.0);
    }
  }
}

TEST(CalibRead, ADigitalTableOfAnotherCircuitIsRefusedOrFlagged) {
  const fs::path dir = TempDir("digital_other");
  Sources s = Synthetic();
  s.files["adder_tree"] = dir / "adder_tree.h5";
  WriteAdderTree(s.files["adder_tree"], 144);
  ExpectUsageError([&] { ReadMacro(s, At(1.0)); }, "adder_tree.rows = 16");
  // A tree measured over another cycle than the row's: its leakage would not add up.
  s.files["adder_tree"] = dir / "adder_tree_10ns.h5";
  WriteAdderTree(s.files["adder_tree"], kRows, 10e-9);
  const Macro m = ReadMacro(s, At(1.0));
  EXPECT_TRUE(std::any_of(m.notes.begin(), m.notes.end(), [](const std::string& n) {
    return n.find("WARNING") != std::string::npos && n.find("t_cycle") != std::string::npos;
  }));
}

// The model built from the tables converts as they say. At 1.0 V the line is -5 mV + 0.6 V x
// (x the op's ideal fraction) and transition k lies at -5 mV + 37.5 mV k: 16 rows at DAC code 15
// give 0.595 V, code 7; 16 rows at code 5 give 0.195 V, code 5 (12.5 mV above T_5, eight times
// the spread of static and dynamic errors); 10 rows at code 5 give 0.120 V, code 3. The digital
// path is the integer dot product.
TEST(CalibRead, TheModelRunsOnTheMacro) {
  mac::ModelRequest r;
  r.files = Synthetic();
  r.macro = At(1.0);
  const mac::Model model = mac::SetUpModel(r);
  EXPECT_EQ(model.shape.rows, kRows);
  const auto weights = std::vector<std::int32_t>(kRows * 8, 3);
  const mac::MacArray array(model.shape, model.macro, weights, kRows, 8, 1);
  const mac::MacRunner runner(array, mac::RunOptions{});
  mac::Rng noise(1);
  const auto code_of = [&](int column, int rows, int dac_code) {
    std::vector<std::int64_t> at(16, 0);
    at[static_cast<std::size_t>(dac_code)] = rows;
    return runner.ConvertCode(0, column, at, noise);
  };
  for (int column = 0; column < 8; ++column) {
    EXPECT_EQ(code_of(column, 16, 15), 7) << column;
    EXPECT_EQ(code_of(column, 16, 5), 5) << column;
    EXPECT_EQ(code_of(column, 10, 5), 3) << column;
  }
  const mac::MacRunner dcim(array, mac::RunOptions{.mode = mac::Mode::kDcim});
  std::vector<std::int32_t> act(kRows);
  for (int i = 0; i < kRows; ++i) {
    act[static_cast<std::size_t>(i)] = 17 * i;
  }
  mac::MacRunner::Workspace ws;
  std::vector<double> out(8);
  dcim.Run(act, noise, ws, out, nullptr);
  for (double y : out) {
    EXPECT_EQ(y, 3.0 * 17 * (kRows * (kRows - 1) / 2));
  }
}

TEST(CalibRead, AnotherCircuitIsRefused) {
  Request r = At(1.0);
  r.rows = 144;
  ExpectUsageError([&] { ReadMacro(Synthetic(), r); }, "--rows 144 disagrees with");
  r = At(1.0);
  r.adc_bits = 4;
  ExpectUsageError([&] { ReadMacro(Synthetic(), r); }, "measured for 3 ADC bits");
  r = At(1.0);
  r.adc_hi_frac = 0.4;
  ExpectUsageError([&] { ReadMacro(Synthetic(), r); }, "--adc-lo/--adc-hi");
  // A DAC table of another resolution than the line's.
  const fs::path dir = TempDir("dac3");
  WriteDac(dir / "dac.h5", 3);
  Sources s = Synthetic();
  s.files["dac"] = dir / "dac.h5";
  ExpectUsageError([&] { ReadMacro(s, At(1.0)); }, "characterize the DAC with dac.bits = 4");
  // A line sampled by another converter than the adc table's: refused naming both values.
  const fs::path other = TempDir("line_adc");
  WriteApath(other / "apath.h5", "", 0.45);
  s = Synthetic();
  s.files["apath"] = other / "apath.h5";
  ExpectUsageError([&] { ReadMacro(s, At(1.0)); }, "apath.adc_vcm = 0.45 but");
  ExpectUsageError([&] { ReadMacro(s, At(1.0)); }, "characterizes adc.vcm = 0.5");
}

TEST(CalibRead, OutsideTheGridIsRefusedNamingTheFile) {
  ExpectUsageError([&] { ReadMacro(Synthetic(), At(1.2)); }, "apath.h5");
  Request r = At(1.0);
  r.point.corner = "ff";
  ExpectUsageError([&] { ReadMacro(Synthetic(), r); }, "ff");
}

TEST(CalibRead, TablesOfTheOldLineBenchAreRefused) {
  const fs::path dir = TempDir("old");
  RunSpec spec{.grid = Grid(), .samples_per_point = 2, .columns = {}};
  std::vector<Axis> grid = Grid();
  grid.push_back(Axis::Numeric("fraction", "1", {0.0, 1.0}));
  spec.grid = grid;
  spec.columns = {{.name = "line_v", .units = "V"}};
  auto writer = lut::RunWriter::Create(dir / "apath.h5", spec, Prov("bench = apath\n", 1));
  for (std::uint64_t g = 0; g < spec.GridPointCount(); ++g) {
    for (std::uint64_t s = 0; s < 2; ++s) {
      writer->Append({.grid_point = g, .sample = s, .values = {0.1 * s}});
    }
  }
  const auto red = lut::ReduceSamples(
      spec, writer->Records(), {.quantity = "apath/line_v", .units = "V", .columns = {"line_v"}});
  writer->Finalize({{Statistic::kMean, red.mean}});
  Sources s;
  s.files["apath"] = dir / "apath.h5";
  ExpectUsageError([&] { ReadMacro(s, At(1.0)); }, "old line bench");
}

TEST(CalibRead, NoTableGivesTheLabelledPlaceholder) {
  const Macro m = ReadMacro({}, At(1.0));
  EXPECT_EQ(m.origin, "analytic");
  ASSERT_FALSE(m.notes.empty());
  EXPECT_NE(m.notes.front().find("analytic placeholder"), std::string::npos);
  ExpectUsageError([] { SourcesInFolder(fs::temp_directory_path() / "cimchar_no_such_dir"); },
                   "not a folder");
  // A readout without a placeholder needs its table, and says where it comes from.
  Request ternary = At(1.0);
  ternary.readout = "ternary";
  ExpectUsageError([&] { ReadMacro({}, ternary); }, "ternary.h5 in --lut");
  ExpectUsageError([&] { ReadMacro({}, ternary); }, "cimchar characterize comparator");
}

}  // namespace
}  // namespace cimchar::calib
