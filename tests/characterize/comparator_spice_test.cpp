// The comparator readout recipe on the real ngspice (label `ngspice`): four dies of the ternary
// readout at 0.6 V (a spread needs two that succeed; one of the quick profile's 32 dies has a
// comparator that never flips in the staircase and is recorded as failed). Budget: about 5 s of CPU
// for the four dies (4.4 s measured, user time). Each comparator flips within the staircase near
// its designed level, the energy per decision is that of a StrongARM with its one-bit sampler (tens
// of fJ, not pJ), the references cost less than a decision, and the line's kickback is a small part
// of a threshold spacing; the calibrated macro reads the table as the ternary readout and refuses
// it as a binary one.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "calib/read.h"
#include "characterize/recipe.h"
#include "characterize/run.h"
#include "core/error.h"
#include "core/paths.h"

namespace cimchar::characterize {
namespace {

namespace fs = std::filesystem;

constexpr double kVdd = 0.6;
// A comparator's offset is tens of mV at most (the SAR's StrongARM: 16 mV sigma at 0.6 V).
constexpr double kOffsetBoundV = 0.06;
constexpr double kDecisionMinJ = 1e-15;
constexpr double kDecisionMaxJ = 1e-12;
constexpr double kKickbackMaxV = 5e-3;

const fs::path& RunTernary() {
  static const fs::path out = [] {
    const fs::path dir =
        fs::temp_directory_path() / ("cimchar_comparator_spice_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const Recipe recipe = LoadRecipe(core::RecipesDir() / "comparator.ini", "quick",
                                     {{"vdd", "0.6"}, {"samples", "4"}});
    RunOptions o;
    o.jobs = 2;
    o.out = dir / "ternary.h5";
    o.progress = false;
    RunCharacterization(recipe, o);
    return o.out;
  }();
  return out;
}

calib::Macro Read(const std::string& readout) {
  calib::Sources s;
  s.files[readout] = RunTernary();
  calib::Request r;
  r.point = {.corner = "tt", .vdd_v = kVdd, .temp_c = 27.0};
  r.readout = readout;
  return calib::ReadMacro(s, r);
}

TEST(ComparatorSpice, TheTernaryReadoutIsMeasuredAndRead) {
  const calib::Macro m = Read("ternary");
  const calib::ComparatorReadout& c = m.comparator;
  ASSERT_EQ(c.threshold_v.size(), 2U);
  // Designed levels (characterization/comparator.ini): (0.15 -/+ 0.012) x VDD.
  EXPECT_NEAR(c.threshold_v[0], (0.15 - 0.012) * kVdd, kOffsetBoundV);
  EXPECT_NEAR(c.threshold_v[1], (0.15 + 0.012) * kVdd, kOffsetBoundV);
  EXPECT_GT(c.energy_decision_j, kDecisionMinJ);
  EXPECT_LT(c.energy_decision_j, kDecisionMaxJ);
  EXPECT_GT(c.reference_energy_j, 0.0);
  EXPECT_LT(c.reference_energy_j, c.energy_decision_j);
  EXPECT_GE(c.kickback_v, 0.0);
  EXPECT_LT(c.kickback_v, kKickbackMaxV);
  EXPECT_GT(c.noise_sigma_v, 0.0);
  EXPECT_DOUBLE_EQ(m.energy.adc_conversion.energy_j,
                   2 * c.energy_decision_j + c.reference_energy_j);
}

TEST(ComparatorSpice, ATernaryTableIsNotABinaryReadout_bad) {
  try {
    Read("binary");
    ADD_FAILURE() << "a two-comparator table was read as a binary readout";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("comparators=1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cimchar::characterize
