// The validation's comparison has teeth: the model against itself on other chip instances passes;
// a model with its static sigma doubled or its transfer shifted by one LSB fails. No ngspice.
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

}  // namespace
}  // namespace cimchar::validate
