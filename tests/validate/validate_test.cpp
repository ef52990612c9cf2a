// The model against real SPICE on a small column (16 rows, real ngspice): tables characterized
// here, the column run on 10 held-out dies with vectors across T3 and T5, and the comparison,
// which must PASS on every transition it decides; the same SPICE run against tables whose
// best-pinned transition sits 0.25 LSB too high must MISS there. Then the pipeline around it: a
// second call reuses the SPICE run, a run named with --spice is compared as it is (only with its
// own recipe and vectors), the code and network sets are compared on two more dies, and a column
// that is not the tables' circuit is refused.
//
// Both sides use a fifth of the default device mismatch (mismatch.scale = 0.2, tables and column
// alike): the transitions then spread about 0.06 LSB across dies (mostly the comparator's
// offset), so 10 dies and 16 adc dies pin each T_k's mean to a few hundredths of an LSB and a
// 0.25 LSB error is decided. At the full mismatch (0.33 LSB at 1.0 V) deciding as much takes about
// 25 times the dies, beyond a test's budget; the validation's profiles run at full mismatch. The
// vectors sit at T_k and two units of sum(W code) (about 0.07 LSB) on either side, which resolves
// the dies' spread, and at +0.2, +0.3 and +0.4 LSB, where a transition moved by a quarter LSB
// lands: a fit decides its mean only from two vectors or more inside its spread, since a step
// explains one alone (16 rows: one unit is 0.035 LSB).
// Budget: about 4 minutes on two cores, 413 s of CPU time (ngspice: the tables, then 14 ops of
// the column per die and 12 per die of the sets test).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <system_error>

#include "characterize/recipe.h"
#include "characterize/run.h"
#include "core/error.h"
#include "core/paths.h"
#include "lut/store.h"
#include "mac/random.h"
#include "network/layer_data.h"
#include "validate/validate.h"

namespace cimchar::validate {
namespace {

namespace fs = std::filesystem;

constexpr int kRows = 16;
constexpr const char* kMismatchScale = "0.2";
constexpr int kDies = 10;

const fs::path& Dir() {
  static const fs::path d =
      fs::temp_directory_path() / ("cimchar_validate_" + std::to_string(::getpid()));
  return d;
}

// The folder goes when every test of the process passed; a failure leaves it for a look.
class RemoveDirWhenPassed : public ::testing::Environment {
 public:
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->Passed()) {
      std::error_code ec;
      fs::remove_all(Dir(), ec);
    }
  }
};
[[maybe_unused]] ::testing::Environment* const kCleanUp =
    ::testing::AddGlobalTestEnvironment(new RemoveDirWhenPassed);

// Characterizes the tables of a 16-row macro at 1.0 V once: the line from two dies, the ADC from
// sixteen (its transitions' mean and spread are what the comparison decides on), the energies
// from one.
const fs::path& Tables() {
  static const fs::path dir = [] {
    const fs::path d = Dir() / "lut";
    fs::remove_all(Dir());
    fs::create_directories(d);
    for (const std::string recipe : {"apath", "adc", "dac", "digital"}) {
      std::map<std::string, std::string> o = {{"vdd", "1.0"},
                                              {"samples", recipe == "adc"     ? "16"
                                                          : recipe == "apath" ? "2"
                                                                              : "1"},
                                              {"mismatch.scale", kMismatchScale}};
      if (recipe == "apath") {
        o["apath.rows"] = std::to_string(kRows);
      }
      const auto r = characterize::LoadRecipe(core::RecipesDir() / (recipe + ".ini"), "quick", o);
      characterize::RunOptions run;
      run.jobs = 2;
      run.out = d / (recipe + ".h5");
      run.progress = false;
      characterize::RunCharacterization(r, run);
    }
    return d;
  }();
  return dir;
}

// The column: 10 dies, T3 and T5 at -0.07, 0, +0.07, +0.2, +0.3 and +0.4 LSB (12 vectors, two
// ngspice runs of a start op and 6 vectors per die).
ValidateOptions Small(const fs::path& out, const fs::path& lut = Tables()) {
  ValidateOptions o;
  o.lut_dir = lut;
  o.out_dir = out;
  o.jobs = 2;
  o.progress = false;
  o.overrides = {
      {"column.rows", std::to_string(kRows)}, {"samples", std::to_string(kDies)},
      {"mismatch.scale", kMismatchScale},     {"column.sets", "sweep"},
      {"column.sweep_transitions", "3 5"},    {"column.sweep_offsets", "-0.07 0 0.07 0.2 0.3 0.4"},
      {"column.sweep_centres", "0"}};
  return o;
}

const ValidationReport& Report() {
  static const ValidationReport r = RunValidation(Small(Dir() / "validation"));
  return r;
}

std::string Text(const ValidationReport& r) {
  std::ostringstream text;
  PrintReport(text, r);
  return text.str();
}

// A copy of the tables with adc/transition_v's mean at transition k moved by `lsb` LSB.
fs::path ShiftedTables(int k, double lsb) {
  const fs::path d = Dir() / ("lut_T" + std::to_string(k));
  fs::create_directories(d);
  for (const std::string t : {"apath", "dac", "digital"}) {
    fs::copy_file(Tables() / (t + ".h5"), d / (t + ".h5"), fs::copy_options::overwrite_existing);
  }
  const lut::Store adc = lut::Store::Open(Tables() / "adc.h5");
  std::vector<lut::QuantityTable> tables;
  for (const lut::QuantityInfo& q : adc.Quantities()) {
    lut::Table t = adc.ReadTable(q.quantity, q.statistic);
    if (q.quantity == "adc/transition_v" && q.statistic == lut::Statistic::kMean) {
      std::vector<double> v = t.values();
      // One operating point: the values run over the transitions 1 .. 7 (the last axis).
      EXPECT_EQ(v.size(), 7u);
      const double step = (v.back() - v.front()) / 6.0;
      v[static_cast<std::size_t>(k - 1)] += lsb * step;
      t = lut::Table(t.quantity(), t.units(), t.axes(), v, t.missing_allowed());
    }
    tables.push_back({.statistic = q.statistic, .table = t});
  }
  lut::WriteCompleteRun(d / "adc.h5", adc.spec(), adc.provenance(), adc.records(), tables);
  return d;
}

TEST(ValidateSpice, TheModelPassesOnEveryTransitionItDecides) {
  const ValidationReport& r = Report();
  const std::string text = Text(r);
  EXPECT_EQ(r.dies, kDies);
  EXPECT_EQ(r.vectors.vectors.size(), 12u);
  EXPECT_EQ(r.failed_dies, 0) << text;
  int decided = 0;
  for (const TransitionComparison& t : r.codes.transitions) {
    EXPECT_EQ(t.covered, t.k == 3 || t.k == 5) << "T" << t.k << ": " << t.coverage << "\n" << text;
    EXPECT_NE(t.shift.verdict, Verdict::kMiss) << "T" << t.k << "\n" << text;
    EXPECT_NE(t.sigma_ratio.verdict, Verdict::kMiss) << "T" << t.k << "\n" << text;
    decided += t.shift.verdict == Verdict::kPass ? 1 : 0;
  }
  // The test is not passing on inconclusive intervals alone.
  EXPECT_EQ(decided, 2) << text;
  EXPECT_NE(r.codes.pooled.mean_shift.verdict, Verdict::kMiss) << text;
  EXPECT_NE(r.verdict, Verdict::kMiss) << text;
}

// The transition whose shift the comparison above decided closest to zero, moved by +0.25 LSB in
// the adc table: the same SPICE dies must now MISS there, and nowhere else. (T1 and T7 are not
// candidates: they set the converter's window, so moving them moves the ideal line and the
// vectors built on it.)
TEST(ValidateSpice, TheSameDiesMissATransitionMovedByAQuarterLsbInTheTables) {
  const ValidationReport& base = Report();
  const TransitionComparison* best = nullptr;
  for (const TransitionComparison& t : base.codes.transitions) {
    if (t.shift.verdict == Verdict::kPass && t.k > 1 && t.k < 7 &&
        (best == nullptr || std::abs(t.shift.figure.value) < std::abs(best->shift.figure.value))) {
      best = &t;
    }
  }
  ASSERT_NE(best, nullptr) << Text(base);
  const int k = best->k;
  ValidateOptions o = Small(Dir() / "validation_shifted", ShiftedTables(k, 0.25));
  o.spice_file = base.spice_file;  // the very SPICE run: only the tables differ
  const ValidationReport r = RunValidation(o);
  const std::string text = Text(r);
  ASSERT_EQ(r.codes.transitions.size(), 7u);
  const TransitionComparison& moved = r.codes.transitions[static_cast<std::size_t>(k - 1)];
  EXPECT_EQ(moved.shift.verdict, Verdict::kMiss) << "T" << k << " moved\n" << text;
  EXPECT_NEAR(moved.shift.figure.value - best->shift.figure.value, 0.25, 0.05) << text;
  for (const TransitionComparison& t : r.codes.transitions) {
    if (t.k != k) {
      EXPECT_NE(t.shift.verdict, Verdict::kMiss) << "T" << t.k << "\n" << text;
    }
  }
  EXPECT_EQ(r.verdict, Verdict::kMiss);
}

TEST(ValidateSpice, ThePipelineAroundTheComparison) {
  const ValidationReport& r = Report();
  const fs::path out = Dir() / "validation";
  EXPECT_EQ(r.point.vdd_v, 1.0);
  EXPECT_NE(r.spice_seed, 20240601u);
  ASSERT_EQ(r.spice.size(), static_cast<std::size_t>(kDies));
  for (const auto& die : r.spice) {
    for (int code : die) {
      EXPECT_GE(code, 0);
      EXPECT_LE(code, 7);
    }
  }
  ASSERT_EQ(r.model.size(), 1000u);
  EXPECT_EQ(r.codes.pooled.spice.conversions, kDies * 12);
  EXPECT_TRUE(fs::exists(out / "column.h5"));
  const std::string text = Text(r);
  EXPECT_NE(text.find("transitions: T_k from a probit fit"), std::string::npos) << text;
  EXPECT_NE(text.find("result: "), std::string::npos);
  // Every vector lands within half a unit of sum(W code) (0.035 LSB at 16 rows) of its target.
  for (const ValidationVector& v : r.vectors.vectors) {
    const double k = std::round(v.ideal_lsb);
    const double offset = std::stod(v.label.substr(2));  // "T3-0.07" -> -0.07
    EXPECT_NEAR(v.ideal_lsb - k, offset, 0.02) << v.label;
  }
  // The line in front of the ADC: SPICE's mean within 1 mV of the model's mean line.
  EXPECT_EQ(r.lines.vectors_compared, 12);
  EXPECT_LT(std::abs(r.lines.diff_mean_v), 1e-3) << text;

  // The same recipe again reuses the SPICE run; the comparison is the same.
  const ValidationReport again = RunValidation(Small(out));
  EXPECT_EQ(again.spice_s, 0.0);
  EXPECT_EQ(again.spice, r.spice);

  // A complete run named with --spice is compared as it is, wherever the report goes.
  ValidateOptions given = Small(Dir() / "given");
  given.spice_file = out / "column.h5";
  const ValidationReport named = RunValidation(given);
  EXPECT_EQ(named.spice_s, 0.0);
  EXPECT_EQ(named.spice, r.spice);
  EXPECT_FALSE(fs::exists(Dir() / "given" / "column.h5"));
  EXPECT_NE(Text(named).find("as given, made by cimchar commit"), std::string::npos);
  // ... but only with the recipe and the vectors it was run from, named by the key that differs.
  given.overrides["column.sweep_offsets"] = "-0.2 0 0.2";
  EXPECT_THROW(
      {
        try {
          RunValidation(given);
        } catch (const UsageError& e) {
          EXPECT_NE(std::string(e.what()).find(
                        "column.sweep_offsets = -0.07 0 0.07 0.2 0.3 0.4 (here: -0.2 0 0.2)"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      UsageError);
  given = Small(Dir() / "given");
  given.spice_file = Dir() / "no_such_run.h5";
  EXPECT_THROW(RunValidation(given), UsageError);
}

// The code and network sets through the same pipeline, on 2 dies of the same column (which
// decide nothing): every row at DAC code 3 and at 12, and one MAC of a 16-row layer of random
// 8-bit activations and 4-bit signed weights at B_D/A = 6 and at 8 (4 analog ops each, one per
// weight bit; 10 vectors, two ngspice runs of a start op and 5 vectors per die). SPICE's line at
// each code lies within 0.05 LSB of the model's mean line (the 10-code table interpolates at 3 and
// 12); SPICE converts every analog op to a code some model chip gives it (at a fifth of the
// mismatch a code differs only where a transition lies within a few hundredths of an LSB), so
// the MAC-output SNRs composed from the two sides' codes agree within 1 dB.
TEST(ValidateSpice, TheCodeAndNetworkSetsCompareTheLinePerCodeAndTheMacOutputs) {
  network::LayerData layer;
  layer.length = kRows;
  layer.outputs = 2;
  layer.vectors = 4;
  layer.weight_bits = 4;
  mac::Rng rng(3);
  auto inputs = std::make_shared<std::vector<std::int32_t>>();
  for (int k = 0; k < layer.length * layer.vectors; ++k) {
    inputs->push_back(static_cast<std::int32_t>(rng.Below(256)));
  }
  layer.inputs = inputs;
  for (int k = 0; k < layer.length * layer.outputs; ++k) {
    layer.weights.push_back(static_cast<std::int32_t>(rng.Below(16)) - 8);
  }
  fs::create_directories(Dir());
  const fs::path layer_file = Dir() / "layer.h5";
  network::WriteLayerHdf5(layer_file, layer);

  ValidateOptions o = Small(Dir() / "sets");
  o.layer_file = layer_file;
  o.overrides["samples"] = "2";
  o.overrides["column.sets"] = "codes network";
  o.overrides["column.codes"] = "3 12";
  o.overrides["column.network_boundaries"] = "6 8";
  o.overrides["column.network_macs"] = "1";
  const ValidationReport r = RunValidation(o);
  const std::string text = Text(r);
  ASSERT_EQ(r.vectors.vectors.size(), 10u) << text;
  EXPECT_EQ(r.failed_dies, 0) << text;

  ASSERT_EQ(r.line_codes.size(), 2u) << text;
  for (const LineDecision& l : r.line_codes) {
    EXPECT_EQ(l.dies, 2);
    EXPECT_LT(std::abs(l.diff_lsb.figure.value), 0.05) << r.vectors.vectors[l.vector].label << "\n"
                                                       << text;
    EXPECT_EQ(l.diff_lsb.verdict, Verdict::kInconclusive);  // two dies
  }
  EXPECT_NE(text.find("line per DAC code"), std::string::npos) << text;

  int network_ops = 0, outside = 0;
  for (std::size_t v = 0; v < r.vectors.vectors.size(); ++v) {
    if (r.vectors.vectors[v].set != VectorSet::kNetwork) {
      continue;
    }
    ++network_ops;
    std::set<int> model_codes;
    for (const auto& chip : r.model) {
      model_codes.insert(chip[v]);
    }
    for (const auto& die : r.spice) {
      outside += model_codes.count(die[v]) == 0 ? 1 : 0;
    }
  }
  EXPECT_EQ(network_ops, 8);
  EXPECT_EQ(outside, 0) << text;
  ASSERT_EQ(r.snr.size(), 2u) << text;
  EXPECT_EQ(r.snr[0].boundary, 6);
  EXPECT_EQ(r.snr[1].boundary, 8);
  for (const SnrComparison& s : r.snr) {
    EXPECT_EQ(s.outputs, 1);
    EXPECT_TRUE(std::isfinite(s.spice_db.value)) << text;
    EXPECT_LT(std::abs(s.diff_db.figure.value), 1.0) << "B_D/A " << s.boundary << "\n" << text;
  }
  EXPECT_NE(text.find("MAC-output SNR at B_D/A = 8"), std::string::npos) << text;
  EXPECT_EQ(text.find("(set codes)"), std::string::npos) << text;
  EXPECT_EQ(text.find("(set network)"), std::string::npos) << text;
}

TEST(ValidateSpice, AColumnThatIsNotTheTablesCircuitIsRefused) {
  ValidateOptions o = Small(Dir() / "refused");
  o.overrides["column.rows"] = "12";
  EXPECT_THROW(
      {
        try {
          RunValidation(o);
        } catch (const UsageError& e) {
          EXPECT_NE(std::string(e.what()).find("rows = 12"), std::string::npos) << e.what();
          throw;
        }
      },
      UsageError);
  // A converter at another operating point than the adc table's, named with both values.
  o = Small(Dir() / "refused");
  o.overrides["column.adc_vcm"] = "0.45";
  EXPECT_THROW(
      {
        try {
          RunValidation(o);
        } catch (const UsageError& e) {
          EXPECT_NE(std::string(e.what()).find("column.adc_vcm = 0.45"), std::string::npos)
              << e.what();
          EXPECT_NE(std::string(e.what()).find("adc.vcm = 0.5"), std::string::npos) << e.what();
          throw;
        }
      },
      UsageError);
  // Another device mismatch than the tables were measured with.
  o = Small(Dir() / "refused");
  o.overrides["mismatch.scale"] = "1";
  EXPECT_THROW(
      {
        try {
          RunValidation(o);
        } catch (const UsageError& e) {
          EXPECT_NE(std::string(e.what()).find("mismatch"), std::string::npos) << e.what();
          throw;
        }
      },
      UsageError);
  o = Small(Dir() / "refused");
  o.overrides["seed"] = "20240601";  // the apath table's master seed
  EXPECT_THROW(RunValidation(o), UsageError);
  o = Small(Dir() / "refused");
  o.overrides["column.ops"] = "0000000000000000";
  EXPECT_THROW(RunValidation(o), UsageError);
  o = Small(Dir() / "refused");
  o.overrides["column.sets"] = "network";  // no --layer
  EXPECT_THROW(RunValidation(o), UsageError);
  o = Small(Dir() / "refused");
  o.lut_dir.clear();
  EXPECT_THROW(RunValidation(o), UsageError);
}

}  // namespace
}  // namespace cimchar::validate
