// The whole validation on a small circuit (8 rows, real ngspice): tables characterized here,
// the column run on held-out dies, the comparison; a second call reuses the SPICE run, a run named
// with --spice is compared as it is (only with its own recipe), and a column that is not the
// tables' circuit (other rows, another ADC operating point, the tables' own dies) is refused.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>

#include "characterize/recipe.h"
#include "characterize/run.h"
#include "core/error.h"
#include "core/paths.h"
#include "validate/validate.h"

namespace cimchar::validate {
namespace {

namespace fs = std::filesystem;

constexpr int kRows = 8;

// Characterizes the four tables of an 8-row macro at 1.0 V (two dies each) once.
const fs::path& Tables() {
  static const fs::path dir = [] {
    const fs::path d =
        fs::temp_directory_path() / ("cimchar_validate_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    for (const std::string recipe : {"apath", "adc", "dac", "digital"}) {
      std::map<std::string, std::string> o = {{"vdd", "1.0"}, {"samples", "2"}};
      if (recipe == "apath") {
        o["apath.rows"] = std::to_string(kRows);
        o["apath.codes"] = "0 5 10 15";
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

ValidateOptions Small(const fs::path& out) {
  ValidateOptions o;
  o.lut_dir = Tables();
  o.out_dir = out;
  o.jobs = 2;
  o.progress = false;
  o.chips = 50;
  o.overrides = {{"column.rows", std::to_string(kRows)}, {"samples", "2"}, {"column.batches", "1"}};
  return o;
}

TEST(ValidateTest, TheWholePipelineOnASmallColumn) {
  const fs::path out = Tables() / "validation";
  const ValidationReport r = RunValidation(Small(out));
  EXPECT_EQ(r.dies, 2);
  EXPECT_EQ(r.vectors, 4);  // the quick profile: one batch of 4 vectors per die
  EXPECT_EQ(r.point.vdd_v, 1.0);
  EXPECT_NE(r.spice_seed, 20240601u);
  ASSERT_EQ(r.spice.size(), 2u);
  for (const auto& die : r.spice) {
    for (int code : die) {
      EXPECT_GE(code, 0);
      EXPECT_LE(code, 7);
    }
  }
  ASSERT_EQ(r.model.size(), 50u);
  EXPECT_EQ(r.comparison.spice.conversions, 2 * 4);
  EXPECT_EQ(r.comparison.model.conversions, 50 * 4);
  EXPECT_TRUE(fs::exists(out / "column.h5"));
  std::ostringstream text;
  PrintReport(text, r);
  EXPECT_NE(text.str().find("pooled error sigma ratio"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("result: "), std::string::npos);

  // The line in front of the ADC: every vector on both dies, SPICE's mean within 1 mV of the
  // model's mean line (measured: +0.06 mV, the dies' spread 0.17 mV).
  ASSERT_EQ(r.lines.vectors_compared, 4);
  for (int v = 0; v < 4; ++v) {
    EXPECT_EQ(r.lines.spice_dies[v], 2);
    EXPECT_GT(r.lines.model_v[v], 0.0);
  }
  EXPECT_LT(std::abs(r.lines.diff_mean_v), 1e-3) << text.str();
  EXPECT_NE(text.str().find("line in front of the ADC"), std::string::npos);

  // The same recipe again reuses the SPICE run; the comparison is the same.
  const ValidationReport again = RunValidation(Small(out));
  EXPECT_EQ(again.spice_s, 0.0);
  EXPECT_EQ(again.spice, r.spice);

  // A complete run named with --spice is compared as it is, wherever the report goes.
  ValidateOptions given = Small(Tables() / "given");
  given.spice_file = out / "column.h5";
  const ValidationReport named = RunValidation(given);
  EXPECT_EQ(named.spice_s, 0.0);
  EXPECT_EQ(named.spice, r.spice);
  EXPECT_EQ(named.spice_file, out / "column.h5");
  EXPECT_FALSE(fs::exists(Tables() / "given" / "column.h5"));
  std::ostringstream named_text;
  PrintReport(named_text, named);
  EXPECT_NE(named_text.str().find("as given, made by cimchar commit"), std::string::npos)
      << named_text.str();
  // ... but only with the recipe it was run from, named by the key that differs.
  given.overrides["column.vectors"] = "2";
  EXPECT_THROW(
      {
        try {
          RunValidation(given);
        } catch (const UsageError& e) {
          EXPECT_NE(std::string(e.what()).find("column.vectors = 4 (here: 2)"), std::string::npos)
              << e.what();
          throw;
        }
      },
      UsageError);
  given = Small(Tables() / "given");
  given.spice_file = Tables() / "no_such_run.h5";
  EXPECT_THROW(RunValidation(given), UsageError);
}

TEST(ValidateTest, AColumnThatIsNotTheTablesCircuitIsRefused) {
  ValidateOptions o = Small(Tables() / "refused");
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
  o = Small(Tables() / "refused");
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
  o = Small(Tables() / "refused");
  o.overrides["seed"] = "20240601";  // the apath table's master seed
  EXPECT_THROW(RunValidation(o), UsageError);
  o = Small(Tables() / "refused");
  o.lut_dir.clear();
  EXPECT_THROW(RunValidation(o), UsageError);
}

}  // namespace
}  // namespace cimchar::validate
