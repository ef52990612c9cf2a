#include "characterize/recipe.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "characterize/bench.h"
#include "characterize/benches/chain.h"
#include "core/error.h"
#include "core/paths.h"

namespace cimchar::characterize {
namespace {

namespace fs = std::filesystem;
const fs::path kData = CIMCHAR_TEST_DATA;

std::string UsageErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

fs::path WriteRecipe(const std::string& text) {
  static int n = 0;
  fs::path p = fs::temp_directory_path() / ("cimchar_recipe_" + std::to_string(::getpid()) + "_" +
                                            std::to_string(n++) + ".ini");
  std::ofstream(p) << text;
  return p;
}

TEST(Recipe, ProfileAndCommandLineOverrideTheFile) {
  Recipe r = LoadRecipe(kData / "fake.ini", "", {});
  EXPECT_EQ(r.bench, "fake");
  EXPECT_EQ(r.samples, 5);
  EXPECT_EQ(r.vdd_v, (std::vector<double>{0.6, 1.0}));
  EXPECT_EQ(r.seed, 11u);
  EXPECT_EQ(r.bench_keys.at("fake.codes"), "0 1 2");

  Recipe q = LoadRecipe(kData / "fake.ini", "quick", {});
  EXPECT_EQ(q.samples, 3);
  Recipe f = LoadRecipe(kData / "fake.ini", "full", {{"samples", "7"}});
  EXPECT_EQ(f.vdd_v.size(), 3u);
  EXPECT_EQ(f.samples, 7);
  EXPECT_NE(RecipeText(f).find("samples = 7"), std::string::npos);
}

TEST(Recipe, BadKeysAndValuesAreClearErrors) {
  const fs::path file = kData / "fake.ini";
  EXPECT_NE(UsageErrorOf([&] {
              LoadRecipe(file, "", {{"vdd", "-0.5"}});
            }).find("-0.5"),
            std::string::npos);
  EXPECT_NE(UsageErrorOf([&] {
              LoadRecipe(file, "", {{"samples", "0"}});
            }).find("samples"),
            std::string::npos);
  EXPECT_NE(UsageErrorOf([&] {
              LoadRecipe(file, "", {{"corners", "tt xx"}});
            }).find("'xx'"),
            std::string::npos);
  EXPECT_NE(UsageErrorOf([&] {
              LoadRecipe(file, "", {{"vdd", "1.0 abc"}});
            }).find("abc"),
            std::string::npos);
  const std::string profile_error = UsageErrorOf([&] { LoadRecipe(file, "slow", {}); });
  EXPECT_NE(profile_error.find("'slow'"), std::string::npos) << profile_error;
  EXPECT_NE(profile_error.find("quick"), std::string::npos) << profile_error;
  EXPECT_NE(UsageErrorOf([&] {
              LoadRecipe(file, "", {{"samplez", "3"}});
            }).find("samplez"),
            std::string::npos);
  EXPECT_NE(UsageErrorOf([&] {
              LoadRecipe(file, "", {{"samples", "2.5"}});
            }).find("whole"),
            std::string::npos);
  EXPECT_NE(UsageErrorOf([&] { LoadRecipe(kData / "missing.ini", "", {}); }).find("missing.ini"),
            std::string::npos);
  fs::path nobench = WriteRecipe("vdd = 1.0\n");
  EXPECT_NE(UsageErrorOf([&] { LoadRecipe(nobench, "", {}); }).find("bench"), std::string::npos);
  fs::remove(nobench);
}

TEST(Recipe, UserPdkCornersAreChecked) {
  Recipe r = LoadRecipe(kData / "fake.ini", "",
                        {{"pdk_corners", "typ slow fast"},
                         {"corners", "slow,fast"},
                         {"nmos", "nfet"},
                         {"pmos", "pfet"}});
  EXPECT_EQ(r.corners, (std::vector<std::string>{"slow", "fast"}));
  EXPECT_EQ(r.pdk.nmos, "nfet");
  EXPECT_NE(UsageErrorOf([&] {
              LoadRecipe(kData / "fake.ini", "", {{"pdk_corners", "typ"}, {"corners", "tt"}});
            }).find("typ"),
            std::string::npos);
}

TEST(Recipe, UnknownBenchAndBenchKeyAreNamed) {
  fs::path file = WriteRecipe("bench = nosuch\n");
  Recipe r = LoadRecipe(file, "", {});
  EXPECT_NE(UsageErrorOf([&] { MakeBench(r); }).find("nosuch"), std::string::npos);
  fs::remove(file);
  Recipe f = LoadRecipe(kData / "fake.ini", "", {});
  EXPECT_NE(UsageErrorOf([&] { CheckBenchKeys(f, {"rows"}); }).find("fake.codes"),
            std::string::npos);
}

// The column bench converts the vectors of column.ops, shared evenly by batches of at most 8
// (one per cell of the units): 9 vectors are 2 batches of 5, the last completed by an all-zero
// vector. Without a list it says who writes it.
TEST(ColumnBench, ConvertsItsVectorListInEvenBatches) {
  std::vector<benches::ColumnVector> v;
  for (int k = 0; k < 9; ++k) {
    v.push_back(benches::ColumnVectors(1, 1, k, 16, 4));
  }
  const fs::path recipe = core::RecipesDir() / "column.ini";
  const Recipe r = LoadRecipe(
      recipe, "quick", {{"column.rows", "16"}, {"column.ops", benches::EncodeColumnVectors(v)}});
  const auto bench = MakeBench(r);
  ASSERT_EQ(bench->Axes().size(), 1u);
  EXPECT_EQ(bench->Axes()[0].values, (std::vector<double>{1, 2}));
  const auto columns = bench->Columns();
  ASSERT_EQ(columns.size(), 10u);
  EXPECT_EQ(columns[4].name, "code_4");
  EXPECT_EQ(columns[5].name, "line_v_0");
  const auto p = bench->Parameters();
  EXPECT_NE(std::find(p.begin(), p.end(),
                      std::pair<std::string, std::string>{"column.batches", "2 of 5 vectors"}),
            p.end());
  EXPECT_NE(UsageErrorOf([&] {
              MakeBench(LoadRecipe(recipe, "quick", {{"column.rows", "16"}}));
            }).find("cimchar validate"),
            std::string::npos);
  // A list of another row count is refused, naming the key and the vector.
  EXPECT_NE(UsageErrorOf([&] {
              MakeBench(LoadRecipe(
                  recipe, "quick",
                  {{"column.rows", "8"}, {"column.ops", benches::EncodeColumnVectors(v)}}));
            }).find("'column.ops', vector 0 has 16 rows"),
            std::string::npos);
}

// The readout benches record their quantities under the names calib's schema spells, in the
// record columns the stored tables hold (results/lut/ternary.h5, binary.h5, adc.h5, dac.h5 were
// written with these): renaming either side breaks reading the stored files.
TEST(ReadoutBenches, RecordTheSchemasQuantitiesInTheStoredColumns) {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  const auto quantities = [](const Bench& bench) {
    Pairs out;
    for (const lut::ReduceRequest& q : bench.Quantities()) {
      for (const std::string& column : q.columns) {
        out.emplace_back(q.quantity, column);
      }
    }
    return out;
  };
  const fs::path comparator = core::RecipesDir() / "comparator.ini";
  EXPECT_EQ(quantities(*MakeBench(LoadRecipe(comparator, "quick", {}))),
            (Pairs{{"comparator/threshold_low_v", "threshold_low_v"},
                   {"comparator/threshold_high_v", "threshold_high_v"},
                   {"comparator/offset_low_v", "offset_low_v"},
                   {"comparator/offset_high_v", "offset_high_v"},
                   {"comparator/energy_decision_j", "energy_decision_j"},
                   {"comparator/reference_energy_j", "reference_energy_j"},
                   {"comparator/kickback_v", "kickback_v"}}));
  EXPECT_EQ(
      quantities(*MakeBench(LoadRecipe(comparator, "quick", {{"comparator.comparators", "1"}}))),
      (Pairs{{"comparator/threshold_mid_v", "threshold_mid_v"},
             {"comparator/offset_mid_v", "offset_mid_v"},
             {"comparator/energy_decision_j", "energy_decision_j"},
             {"comparator/reference_energy_j", "reference_energy_j"},
             {"comparator/kickback_v", "kickback_v"}}));
  const Pairs adc = quantities(*MakeBench(LoadRecipe(core::RecipesDir() / "adc.ini", "quick", {})));
  for (const auto& pair : Pairs{{"adc/comparator_offset_v", "comparator_offset_v"},
                                {"adc/energy_conversion_j", "energy_conversion_j"},
                                {"adc/history_shift_max_lsb", "history_shift_max_lsb"},
                                {"adc/transition_v", "transition_v_1"},
                                {"adc/transition_v", "transition_v_7"},
                                {"adc/dnl_lsb", "dnl_lsb_6"},
                                {"adc/history_shift_lsb", "history_shift_lsb_1_after_0"}}) {
    EXPECT_NE(std::find(adc.begin(), adc.end(), pair), adc.end())
        << pair.first << " " << pair.second;
  }
  const Pairs dac = quantities(*MakeBench(LoadRecipe(core::RecipesDir() / "dac.ini", "quick", {})));
  for (const auto& pair :
       Pairs{{"dac/energy_j", "energy_j_0"}, {"dac/settle_error_v", "settle_error_v_15"}}) {
    EXPECT_NE(std::find(dac.begin(), dac.end(), pair), dac.end())
        << pair.first << " " << pair.second;
  }
  // The apath tables' columns (results/lut/apath.h5 records them so).
  const Pairs apath =
      quantities(*MakeBench(LoadRecipe(core::RecipesDir() / "apath.ini", "quick", {})));
  for (const auto& pair : Pairs{{"apath/line_v", "line_v_c0"},
                                {"apath/line_v", "line_v_c15"},
                                {"apath/energy_op_j", "energy_op_j_c5"},
                                {"apath/baseline_v", "baseline_v"},
                                {"apath/baseline_energy_j", "baseline_energy_j"},
                                {"apath/superposition_error_v", "superposition_error_v_2"}}) {
    EXPECT_NE(std::find(apath.begin(), apath.end(), pair), apath.end())
        << pair.first << " " << pair.second;
  }
}

TEST(Grid, IsRowMajorWithBenchAxesLast) {
  Recipe r = LoadRecipe(kData / "fake.ini", "", {{"corners", "tt ff"}});
  auto grid = MakeGrid(r, {{"code", "1", {0, 1, 2}}});
  ASSERT_EQ(grid.size(), 2u * 2u * 1u * 3u);
  EXPECT_EQ(grid[0].corner, "tt");
  EXPECT_EQ(grid[1].block, (std::vector<double>{1}));
  EXPECT_EQ(grid[3].vdd_v, 1.0);
  EXPECT_EQ(grid[6].corner, "ff");
  EXPECT_EQ(grid[11].index, 11u);
}

}  // namespace
}  // namespace cimchar::characterize
