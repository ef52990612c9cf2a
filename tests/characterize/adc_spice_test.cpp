// The SAR ADC recipe on the real ngspice (label `ngspice`): at its default operating point
// (characterization/adc.ini) every code is reachable from the 144-row line at 0.6 V and 1.0 V,
// and the history shift (the same input converted after each previous code) is below the
// 0.1 LSB under which the characterized macro leaves it out, which the macro reads and says.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "calib/read.h"
#include "calib/readouts/sar_schema.h"
#include "characterize/recipe.h"
#include "characterize/run.h"
#include "core/paths.h"
#include "lut/store.h"

namespace cimchar::characterize {
namespace {

namespace fs = std::filesystem;

// The line the ADC reads at 144 rows: its baseline (every W = 0) lies below 0 V and its full
// scale (every row at the top DAC code) above 0.6 VDD (the quick apath profile, one die at 0.6 V:
// baseline -12.8 mV, full scale 398 mV = 0.66 VDD; about 0.665 VDD at 1.0 V). Bounds rounded
// towards the ADC's range, so a transition inside them is reachable from the line.
constexpr double kLineBaselineV = 0.0;
constexpr double kLineFullScaleOfVdd = 0.6;
// Samples (dies) per supply.
constexpr int kSamples = 4;

const fs::path& RunAdc() {
  static const fs::path out = [] {
    const fs::path dir =
        fs::temp_directory_path() / ("cimchar_adc_spice_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const Recipe recipe = LoadRecipe(core::RecipesDir() / "adc.ini", "quick",
                                     {{"vdd", "0.6, 1.0"}, {"samples", std::to_string(kSamples)}});
    RunOptions o;
    o.jobs = 2;
    o.out = dir / "adc.h5";
    o.progress = false;
    RunCharacterization(recipe, o);
    return o.out;
  }();
  return out;
}

calib::Macro Read(double vdd) {
  calib::Sources s;
  s.files["adc"] = RunAdc();
  calib::Request r;
  r.point = {.corner = "tt", .vdd_v = vdd, .temp_c = 27.0};
  return calib::ReadMacro(s, r);
}

class AdcSpice : public ::testing::TestWithParam<double> {};

TEST_P(AdcSpice, EveryCodeIsReachableFromTheLine) {
  const double vdd = GetParam();
  const calib::Macro m = Read(vdd);
  const calib::AdcTransfer& a = m.adc;
  ASSERT_EQ(a.transition_v.size(), 7u);
  for (std::size_t k = 1; k < a.transition_v.size(); ++k) {
    EXPECT_GT(a.transition_v[k], a.transition_v[k - 1]) << "transition " << k + 1;
  }
  // Code 0 below the first transition, the top code above the last, both inside the line.
  EXPECT_GT(a.transition_v.front(), kLineBaselineV);
  EXPECT_LT(a.transition_v.back(), kLineFullScaleOfVdd * vdd);
  std::printf("[report] adc %.1f V: LSB %.2f mV, window %.1f .. %.1f mV, transitions", vdd,
              a.LsbV() * 1e3, a.LowV() * 1e3, a.HighV() * 1e3);
  for (double t : a.transition_v) {
    std::printf(" %.1f", t * 1e3);
  }
  std::printf(" mV, energy %.1f fJ\n", m.energy.adc_conversion.energy_j * 1e15);
  EXPECT_GT(m.energy.adc_conversion.energy_j, 0.0);
}

TEST_P(AdcSpice, HistoryShiftIsBelowATenthOfAnLsbAndTheMacroSaysSo) {
  const double vdd = GetParam();
  const calib::Macro m = Read(vdd);
  std::printf("[report] adc %.1f V: history shift (mean over dies of the per-die max) %.4f LSB\n",
              vdd, m.adc.history_shift_lsb);
  EXPECT_GE(m.adc.history_shift_lsb, 0.0);
  EXPECT_LT(m.adc.history_shift_lsb, calib::schema::kAdcHistoryNegligibleLsb);
  bool noted = false;
  for (const std::string& n : m.notes) {
    noted = noted || (n.starts_with("ADC history shift") && n.find("leaves it out") != n.npos);
  }
  EXPECT_TRUE(noted);
  // The table holds every transition after every previous code.
  const lut::Store store = lut::Store::Open(RunAdc());  // owns the table read below
  const lut::Table& t = store.ReadTable("adc/history_shift_lsb", lut::Statistic::kMean);
  EXPECT_EQ(t.axis("previous_code").values().size(), 8u);
}

INSTANTIATE_TEST_SUITE_P(Tt, AdcSpice, ::testing::Values(0.6, 1.0), [](const auto& info) {
  return info.param < 0.8 ? std::string("Vdd0v6") : std::string("Vdd1v0");
});

}  // namespace
}  // namespace cimchar::characterize
