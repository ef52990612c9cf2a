// The digital-energy benches on the real ngspice (label `ngspice`): the quick profiles of
// characterization/adder_tree.ini and digital.ini, one die at 0.6 V and 1.0 V. A bench fails a
// sample whose logic is wrong in any cycle, so a run without failures means the 144-input adder
// tree gave the exact sum of its random inputs in every cycle at both supplies (and the
// accumulator, the D_MULTs and the row's line reads were right). Then the energies must grow
// with their activities and scale about as VDD^2, and the characterized macro read from these
// tables must make the MAC model's digital energy follow the inputs it is given. Runs with a
// cycle too short for the logic show that the checks fail.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "calib/read.h"
#include "calib/schema.h"
#include "characterize/recipe.h"
#include "characterize/run.h"
#include "core/paths.h"
#include "lut/store.h"
#include "mac/energy.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"
#include "mac/options.h"

namespace cimchar::characterize {
namespace {

namespace fs = std::filesystem;
namespace schema = calib::schema;

// A discharged line is at least its precharge PMOS drain, eight access junctions and one
// gate: well above 0.5 fF; restoring it costs C·VDD^2. A row-long line is 20 fF of wire.
constexpr double kMinLineCapacitance = 0.5e-15;
constexpr double kRowWire = 20e-15;
// Switching energy E = C_eff·VDD^2 with C_eff growing somewhat with VDD (short-circuit current
// and glitches rise with the overdrive): E(1.0 V) / E(0.6 V) within these factors of
// (1.0/0.6)^2.
constexpr double kVdd2RatioLow = 0.8;
constexpr double kVdd2RatioHigh = 1.7;
constexpr double kVdd2 = (1.0 / 0.6) * (1.0 / 0.6);

fs::path Scratch(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("cimchar_digital_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

void Report(const std::string& key, double value, const char* unit) {
  ::testing::Test::RecordProperty(key, std::to_string(value));
  std::printf("[report] %-40s %12.5g %s\n", key.c_str(), value, unit);
}

// Runs a recipe's quick profile, one die at 0.6 V and 1.0 V (grid index 0 and 1).
fs::path RunQuick(const std::string& recipe_name, std::map<std::string, std::string> overrides) {
  overrides.emplace("samples", "1");
  overrides.emplace("vdd", "0.6, 1.0");
  const Recipe recipe = LoadRecipe(core::RecipesDir() / (recipe_name + ".ini"), "quick", overrides);
  RunOptions o;
  o.jobs = 2;
  o.out = Scratch(recipe_name + ".h5");
  o.progress = false;
  fs::remove(o.out);
  const RunSummary s = RunCharacterization(recipe, o);
  EXPECT_EQ(s.failed, 0u) << recipe_name << ": "
                          << (s.failures_by_reason.empty() ? std::string()
                                                           : s.failures_by_reason.begin()->first);
  return o.out;
}

const lut::Table& Mean(const lut::Store& store, std::string_view quantity) {
  return store.ReadTable(quantity, lut::Statistic::kMean);
}

// A table's value at supply index v (0: 0.6 V, 1: 1.0 V) and the bench axes' indices.
double At(const lut::Table& t, std::size_t v, std::vector<std::size_t> bench = {}) {
  std::vector<std::size_t> index = {0, v, 0};
  index.insert(index.end(), bench.begin(), bench.end());
  return t.At(index);
}

void ExpectVdd2(const std::string& what, double at06, double at10) {
  Report(what + "_ratio_1v0_to_0v6", at10 / at06, "");
  EXPECT_GT(at10 / at06, kVdd2RatioLow * kVdd2) << what;
  EXPECT_LT(at10 / at06, kVdd2RatioHigh * kVdd2) << what;
}

// DCIM on every row and column, all activations `act`, weights from `seed`: the model's counts.
mac::EnergyBreakdown DcimEnergy(const calib::Macro& macro,
                                const std::vector<std::int32_t>& weights,
                                std::int32_t act) {
  mac::MacShape shape;
  static_cast<calib::Geometry&>(shape) = macro.geometry;
  const mac::MacArray array(shape, macro, weights, shape.rows, shape.columns, 1);
  mac::RunOptions o;
  o.mode = mac::Mode::kDcim;
  const mac::MacRunner runner(array, o);
  mac::MacRunner::Workspace ws;
  mac::Rng noise(1);
  std::vector<double> out(static_cast<std::size_t>(shape.columns));
  mac::ActionCounts counts;
  runner.Run(std::vector<std::int32_t>(static_cast<std::size_t>(shape.rows), act), noise, ws, out,
             &counts);
  return mac::ComputeEnergy(shape, macro, counts);
}

double DigitalJ(const mac::EnergyBreakdown& e) {
  return e.dmult_j + e.adder_tree_j + e.din_j + e.accumulate_j;
}

TEST(DigitalSpice, MeasuredDigitalEnergiesArePhysicalAndDriveTheModel) {
  // Three activities (0, 1/2, 1) instead of the recipe's five keep the tree to three busy
  // cycles per supply.
  const fs::path tree_file = RunQuick("adder_tree", {{"adder_tree.activity", "0, 0.5, 1"}});
  const fs::path digital_file = RunQuick("digital", {});
  const lut::Store tree_store = lut::Store::Open(tree_file);
  const lut::Store digital = lut::Store::Open(digital_file);
  ASSERT_TRUE(tree_store.complete());
  ASSERT_TRUE(digital.complete());

  // The adder tree: more energy with more inputs at 1; settles inside the evaluation phase.
  const lut::Table& tree = Mean(tree_store, schema::kAdderTreeEnergy);
  ASSERT_EQ(tree.axis(schema::kOnesAxis).size(), 3u);
  for (std::size_t v : {0u, 1u}) {
    const std::string tag = v == 0 ? "0.6V" : "1.0V";
    for (std::size_t k = 0; k < 3; ++k) {
      Report("adder_tree_" + tag + "_ones_" + std::to_string(k) + "_of_2", At(tree, v, {k}) * 1e12,
             "pJ");
      if (k > 0) {
        EXPECT_GT(At(tree, v, {k}), At(tree, v, {k - 1})) << tag << ", ones index " << k;
      }
    }
    EXPECT_GT(At(Mean(tree_store, schema::kAdderTreeLeakage), v), 0.0);
    EXPECT_LT(At(Mean(tree_store, schema::kAdderTreeDelay), v),
              0.5 * At(Mean(tree_store, schema::kAdderTreeCycle), v));
  }
  ExpectVdd2("adder_tree_ones_1", At(tree, 0, {2}), At(tree, 1, {2}));

  // The accumulator: more energy with more register bits changing.
  const lut::Table& acc = Mean(digital, schema::kDigitalAccumulatorEnergy);
  for (std::size_t v : {0u, 1u}) {
    for (std::size_t k = 1; k < acc.axis(schema::kTogglesAxis).size(); ++k) {
      EXPECT_GT(At(acc, v, {k}), At(acc, v, {k - 1})) << "toggle index " << k;
    }
  }
  // D_MULT: grows with the weight activity (all activations 1) and, separately, with the
  // activation activity (all weights 1).
  const lut::Table& dm = Mean(digital, schema::kDigitalDmultEnergy);
  for (std::size_t v : {0u, 1u}) {
    for (std::size_t k = 1; k < 3; ++k) {
      EXPECT_GT(At(dm, v, {k, 2}), At(dm, v, {k - 1, 2})) << "w_activity index " << k;
      EXPECT_GT(At(dm, v, {2, k}), At(dm, v, {2, k - 1})) << "a_activity index " << k;
    }
  }
  ExpectVdd2("dmult_w1_a1", At(dm, 0, {2, 2}), At(dm, 1, {2, 2}));
  // Precharge per discharged line: at least a minimal line's C·VDD^2, less than a row wire's.
  for (std::size_t v : {0u, 1u}) {
    const double v2 = v == 0 ? 0.36 : 1.0;
    for (std::string_view q : {schema::kPrechargeLbl, schema::kPrechargeLblb}) {
      const double e = At(Mean(digital, q), v);
      EXPECT_GT(e, kMinLineCapacitance * v2) << q;
      EXPECT_LT(e, kRowWire * v2) << q;
    }
    // Row-long lines: at least their wire's C·VDD^2 per pulse (word lines), half of it per
    // toggle (GBLB: a rise draws C·VDD^2, a fall almost nothing).
    for (std::string_view q : {schema::kWordlineDwl, schema::kWordlineAwl}) {
      EXPECT_GT(At(Mean(digital, q), v), kRowWire * v2) << q;
    }
    EXPECT_GT(At(Mean(digital, schema::kDinToggle), v), 0.5 * kRowWire * v2);
    for (std::string_view q : {schema::kLeakageRow, schema::kLeakageAccumulator}) {
      EXPECT_GT(At(Mean(digital, q), v), 0.0) << q;
    }
  }
  for (std::string_view q : {schema::kPrechargeLblb, schema::kWordlineDwl, schema::kDinToggle}) {
    ExpectVdd2(std::string(q), At(Mean(digital, q), 0), At(Mean(digital, q), 1));
  }

  // The characterized macro: every digital energy measured; the model's digital energy follows
  // the activations it is given and falls with the supply.
  calib::Sources sources;
  sources.files["adder_tree"] = tree_file;
  sources.files["digital"] = digital_file;
  std::vector<std::int32_t> weights(144 * 8);
  for (std::size_t k = 0; k < weights.size(); ++k) {
    weights[k] = static_cast<std::int32_t>((k * 37 + 11) % 256);
  }
  double per_mac[2] = {};
  for (std::size_t v : {0u, 1u}) {
    calib::Request request;
    request.point = {.corner = "tt", .vdd_v = v == 0 ? 0.6 : 1.0, .temp_c = 27.0};
    const calib::Macro macro = calib::ReadMacro(sources, request);
    for (const calib::ActionEnergy* a : {&macro.energy.dmult_w1_a1, &macro.energy.accumulate,
                                         &macro.energy.wordline_dwl, &macro.energy.din_toggle}) {
      EXPECT_EQ(a->how.rfind("measured: ", 0), 0u) << a->how;
    }
    EXPECT_EQ(macro.energy.adder_tree_how.rfind("measured: ", 0), 0u);
    const mac::EnergyBreakdown none = DcimEnergy(macro, weights, 0);
    const mac::EnergyBreakdown half = DcimEnergy(macro, weights, 0x55);
    const mac::EnergyBreakdown all = DcimEnergy(macro, weights, 255);
    EXPECT_LT(DigitalJ(none), DigitalJ(half));
    EXPECT_LT(DigitalJ(half), DigitalJ(all));
    per_mac[v] = all.per_mac_j;
    Report(std::string("model_dcim_all_ones_fj_per_mac_") + (v == 0 ? "0.6V" : "1.0V"),
           all.per_mac_j * 1e15, "fJ");
  }
  ExpectVdd2("model_dcim_per_mac", per_mac[0], per_mac[1]);
}

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
