// The digital-energy benches on the real ngspice (label `ngspice`): the quick profiles of
// characterization/adder_tree.ini and digital.ini, one die per supply. A bench fails a sample
// whose logic is wrong in any cycle, so a run without failures means the 144-input adder tree
// gave the exact sum of its random inputs in every cycle (and the accumulator, the D_MULTs and
// the row's line reads were right); then the energies must grow with their activities. Runs
// with a cycle too short for the logic show that the checks fail.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "characterize/recipe.h"
#include "characterize/run.h"
#include "core/paths.h"
#include "lut/store.h"

namespace cimchar::characterize {
namespace {

namespace fs = std::filesystem;

// A discharged line is at least its precharge PMOS drain, eight access junctions and one
// gate: well above 0.5 fF; restoring it costs C·VDD^2. A row-long line is 20 fF of wire.
constexpr double kMinLineCapacitance = 0.5e-15;
constexpr double kRowWire = 20e-15;

fs::path Scratch(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("cimchar_digital_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

double At(const lut::Table& t, std::vector<std::size_t> index) { return t.At(index); }

void Report(const std::string& key, double value, const char* unit) {
  ::testing::Test::RecordProperty(key, std::to_string(value));
  std::printf("[report] %-40s %12.5g %s\n", key.c_str(), value, unit);
}

class DigitalSpice : public ::testing::TestWithParam<double> {};

// Runs a recipe's quick profile for one die at `vdd`; the file is opened for reading.
lut::Store RunQuick(const std::string& recipe_name,
                    double vdd,
                    std::map<std::string, std::string> overrides = {}) {
  overrides.emplace("samples", "1");
  overrides.emplace("vdd", std::to_string(vdd));
  const Recipe recipe = LoadRecipe(core::RecipesDir() / (recipe_name + ".ini"), "quick", overrides);
  RunOptions o;
  o.jobs = 1;
  o.out = Scratch(recipe_name + "_" + std::to_string(vdd) + ".h5");
  o.progress = false;
  fs::remove(o.out);
  const RunSummary s = RunCharacterization(recipe, o);
  EXPECT_EQ(s.failed, 0u) << recipe_name << ": "
                          << (s.failures_by_reason.empty() ? std::string()
                                                           : s.failures_by_reason.begin()->first);
  return lut::Store::Open(o.out);
}

double Scalar(const lut::Store& store, const char* quantity) {
  return store.ReadTable(quantity, lut::Statistic::kMean).At(std::vector<std::size_t>{0, 0, 0});
}

TEST_P(DigitalSpice, AdderTreeSumsAreExactAndItsEnergyGrowsWithTheInputsAtOne) {
  const double vdd = GetParam();
  const std::string tag = vdd < 0.8 ? "0.6V" : "1.0V";
  // Three activities (0, 1/2, 1) instead of the recipe's five keep the test to two busy cycles.
  const lut::Store store = RunQuick("adder_tree", vdd, {{"adder_tree.activity", "0, 0.5, 1"}});
  ASSERT_TRUE(store.complete());
  const lut::Table& tree = store.ReadTable("adder_tree/energy_j", lut::Statistic::kMean);
  const auto& ones = tree.axis("ones").values();
  ASSERT_EQ(ones.size(), 3u);
  for (std::size_t k = 0; k < ones.size(); ++k) {
    const double e = At(tree, {0, 0, 0, k});
    Report("adder_tree_" + tag + "_ones_" + std::to_string(ones[k]).substr(0, 4), e * 1e12, "pJ");
    if (k > 0) {
      EXPECT_GT(e, At(tree, {0, 0, 0, k - 1})) << "ones = " << ones[k];
    }
  }
  EXPECT_GT(Scalar(store, "adder_tree/leakage_w"), 0.0);
  // The tree settles inside the evaluation phase (half a cycle).
  EXPECT_LT(Scalar(store, "adder_tree/delay_s"), 0.5 * Scalar(store, "adder_tree/cycle_s"));
}

TEST_P(DigitalSpice, DigitalEnergiesGrowWithTheirActivities) {
  const double vdd = GetParam();
  const std::string tag = vdd < 0.8 ? "0.6V" : "1.0V";
  const lut::Store store = RunQuick("digital", vdd);
  ASSERT_TRUE(store.complete());
  auto mean = [&](const char* q) -> const lut::Table& {
    return store.ReadTable(q, lut::Statistic::kMean);
  };
  // Accumulator: more energy with more register bits changing.
  const lut::Table& acc = mean("digital/accumulator_energy_j");
  for (std::size_t k = 1; k < acc.axis("toggles").size(); ++k) {
    EXPECT_GT(At(acc, {0, 0, 0, k}), At(acc, {0, 0, 0, k - 1})) << "toggle index " << k;
  }
  // D_MULT: grows with the weight activity (all activations 1) and with the activation activity
  // (all weights 1).
  const lut::Table& dm = mean("digital/dmult_energy_j");
  for (std::size_t k = 1; k < 3; ++k) {
    EXPECT_GT(At(dm, {0, 0, 0, k, 2}), At(dm, {0, 0, 0, k - 1, 2})) << "w_activity index " << k;
    EXPECT_GT(At(dm, {0, 0, 0, 2, k}), At(dm, {0, 0, 0, 2, k - 1})) << "a_activity index " << k;
  }
  Report("dmult_" + tag + "_w1_a1", At(dm, {0, 0, 0, 2, 2}) * 1e15, "fJ");
  // Precharge: the energy per cycle grows with the lines discharged (the fitted slope), by at
  // least what a minimal line's capacitance takes and less than a row-long wire.
  const double v2 = vdd * vdd;
  for (const char* q : {"precharge/lbl_energy_j", "precharge/lblb_energy_j"}) {
    const double e = Scalar(store, q);
    Report(std::string(q) + "_" + tag, e * 1e15, "fJ");
    EXPECT_GT(e, kMinLineCapacitance * v2) << q;
    EXPECT_LT(e, kRowWire * v2) << q;
  }
  // Row-long lines: at least their wire's C·VDD^2 per pulse (word lines), half of it per toggle
  // (GBLB: a rise draws C·VDD^2, a fall almost nothing).
  for (const char* q : {"wordline/dwl_energy_j", "wordline/awl_energy_j"}) {
    EXPECT_GT(Scalar(store, q), kRowWire * v2) << q;
  }
  EXPECT_GT(Scalar(store, "din/toggle_energy_j"), 0.5 * kRowWire * v2);
  for (const char* q : {"leakage/row_w", "leakage/accumulator_w"}) {
    EXPECT_GT(Scalar(store, q), 0.0) << q;
  }
}

INSTANTIATE_TEST_SUITE_P(Supplies, DigitalSpice, ::testing::Values(0.6, 1.0), [](const auto& info) {
  return info.param < 0.8 ? std::string("Vdd0v6") : std::string("Vdd1v0");
});

// With a cycle far too short for 0.6 V the logic is wrong and the sample fails with the reason.
TEST(DigitalSpiceChecks, ACycleTooShortFailsTheSample) {
  for (const auto& [recipe_name, extra] :
       std::vector<std::pair<std::string, std::map<std::string, std::string>>>{
           {"adder_tree",
            {{"adder_tree.rows", "16"},
             {"adder_tree.t_cycle", "4e-10"},
             {"adder_tree.t_edge", "1e-11"}}},
           {"digital",
            {{"digital.acc_bits", "8"},
             {"digital.t_cycle", "4e-10"},
             {"digital.t_edge", "1e-11"}}}}) {
    std::map<std::string, std::string> overrides = extra;
    overrides.insert({{"samples", "1"}, {"vdd", "0.6"}});
    const Recipe recipe =
        LoadRecipe(core::RecipesDir() / (recipe_name + ".ini"), "quick", overrides);
    RunOptions o;
    o.jobs = 1;
    o.out = Scratch(recipe_name + "_short.h5");
    o.progress = false;
    const RunSummary s = RunCharacterization(recipe, o);
    EXPECT_EQ(s.failed, 1u) << recipe_name;
    EXPECT_EQ(s.failures_by_reason.count("measure"), 1u) << recipe_name;
    // The stored reason names the wrong value and the one expected.
    const auto records = lut::Store::Open(o.out).records();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_NE(records[0].reason.find("expected"), std::string::npos)
        << recipe_name << ": " << records[0].reason;
    fs::remove(o.out);
  }
}

}  // namespace
}  // namespace cimchar::characterize
