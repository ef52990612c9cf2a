// The validation's comparison has teeth: the model against itself on other chip instances passes;
// a model with its static sigma doubled or its transfer shifted by one LSB fails; the line
// diagnostic finds an offset put into the dies' lines. No ngspice.
#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "core/error.h"
#include "mac/random.h"
#include "validate/validate.h"

namespace cimchar::validate {
namespace {

constexpr int kVectors = 56;
constexpr int kDies = 20;
constexpr int kChips = 200;

// The validation's vectors: per row W ~ Bernoulli(1/2), a uniform 4-bit code.
std::vector<std::vector<std::int64_t>> Vectors(int rows) {
  mac::Rng rng(5);
  std::vector<std::vector<std::int64_t>> out;
  for (int v = 0; v < kVectors; ++v) {
    std::vector<std::int64_t> counts(16, 0);
    for (int r = 0; r < rows; ++r) {
      const std::uint64_t bits = rng.Next();
      if ((bits & 1u) != 0) {
        ++counts[(bits >> 1) & 15u];
      }
    }
    out.push_back(counts);
  }
  return out;
}

// The analytic macro with a line static sigma large enough to matter against the LSB.
calib::Macro Macro() {
  calib::Macro m = calib::AnalyticMacro();
  for (double& s : m.line.code_static_sigma_v) {
    s = 0.02;
  }
  return m;
}

struct Setup {
  std::vector<std::vector<std::int64_t>> counts = Vectors(144);
  std::vector<double> ideal;
  CodeTable dies;
  Setup() {
    const calib::Macro m = Macro();
    for (const auto& c : counts) {
      ideal.push_back(IdealLsb(m, c));
    }
    // Stand-in for SPICE: the same model on chip instances the comparison never draws.
    dies = ModelCodes(m, counts, kDies, 100001);
  }
};

const Setup& Data() {
  static const Setup s;
  return s;
}

TEST(ValidateStats, TheModelAgainstItselfPasses) {
  const Comparison c =
      CompareCodes(Data().ideal, 3, Data().dies, ModelCodes(Macro(), Data().counts, kChips, 1));
  EXPECT_TRUE(MeetsTargets(c)) << "ratio " << c.sigma_ratio << " snr diff " << c.snr_diff_db
                               << " p " << c.chi2_p;
  EXPECT_GT(c.chi2_dof, 0);
  EXPECT_LE(c.spice.snr_lo_db, c.spice.snr_db);
  EXPECT_GE(c.spice.snr_hi_db, c.spice.snr_db);
}

TEST(ValidateStats, DoubledStaticSigmaFails) {
  calib::Macro doubled = Macro();
  for (double& s : doubled.line.code_static_sigma_v) {
    s *= 2.0;
  }
  doubled.adc.comparator_offset_sigma_v *= 2.0;
  const Comparison c =
      CompareCodes(Data().ideal, 3, Data().dies, ModelCodes(doubled, Data().counts, kChips, 1));
  EXPECT_FALSE(MeetsTargets(c)) << "ratio " << c.sigma_ratio << " snr diff " << c.snr_diff_db
                                << " p " << c.chi2_p;
}

TEST(ValidateStats, ATransferShiftedByOneLsbFails) {
  calib::Macro shifted = Macro();
  const double lsb = shifted.adc.LsbV();
  for (double& v : shifted.line.code_v) {
    v += lsb;
  }
  shifted.line.baseline_v += lsb;
  const Comparison c =
      CompareCodes(Data().ideal, 3, Data().dies, ModelCodes(shifted, Data().counts, kChips, 1));
  EXPECT_FALSE(MeetsTargets(c));
  EXPECT_NEAR(c.model.error_mean - c.spice.error_mean, 1.0, 0.3);
}

TEST(ValidateStats, EmptyOrRaggedTablesAreRefused) {
  EXPECT_THROW(CompareCodes(Data().ideal, 3, {}, Data().dies), UsageError);
  CodeTable ragged = Data().dies;
  ragged[0].pop_back();
  EXPECT_THROW(CompareCodes(Data().ideal, 3, ragged, Data().dies), UsageError);
}

// The line diagnostic: dies whose lines sit 2 and 4 mV above the model's mean line give a mean
// difference of 3 mV and their spread; a failed conversion (NaN) is left out of its vector only.
TEST(ValidateStats, TheLineDiagnosticFindsAnOffsetInTheDiesLines) {
  const calib::Macro m = Macro();
  const auto& counts = Data().counts;
  const LineComparison exact = CompareLines(m.line, 144, counts, {});
  ASSERT_EQ(exact.model_v.size(), counts.size());
  EXPECT_EQ(exact.vectors_compared, 0);
  // The model's mean line is the table's superposition: baseline plus one step per row.
  double by_hand = m.line.baseline_v;
  for (std::size_t d = 0; d < counts[0].size(); ++d) {
    by_hand += static_cast<double>(counts[0][d]) * m.line.StepV(static_cast<int>(d), 144);
  }
  EXPECT_NEAR(exact.model_v[0], by_hand, 1e-15);
  EXPECT_GT(exact.model_v[0], m.line.baseline_v);  // half the rows hold W = 1

  std::vector<std::vector<double>> dies(2);
  for (std::size_t v = 0; v < counts.size(); ++v) {
    dies[0].push_back(exact.model_v[v] + 0.002);
    dies[1].push_back(exact.model_v[v] + 0.004);
  }
  dies[1][3] = std::nan("");
  const LineComparison c = CompareLines(m.line, 144, counts, dies);
  EXPECT_EQ(c.vectors_compared, kVectors);
  EXPECT_EQ(c.spice_dies[3], 1);
  EXPECT_EQ(c.spice_dies[4], 2);
  EXPECT_NEAR(c.spice_mean_v[4] - c.model_v[4], 0.003, 1e-12);
  EXPECT_NEAR(c.spice_sigma_v[4], 0.002 / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(c.diff_min_v, 0.002, 1e-12);  // vector 3: die 0 only
  EXPECT_NEAR(c.diff_max_v, 0.003, 1e-12);
  EXPECT_NEAR(c.diff_mean_v, (0.002 + (kVectors - 1) * 0.003) / kVectors, 1e-12);

  dies[0].pop_back();
  EXPECT_THROW(CompareLines(m.line, 144, counts, dies), UsageError);
}

}  // namespace
}  // namespace cimchar::validate
