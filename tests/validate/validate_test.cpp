// The behavioral model against the transistor-level column for one Monte Carlo chip instance:
// a smaller validation than `cimchar validate` runs by default (fewer vectors and rows, so it
// finishes in about a minute on two cores), with the targets.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "core/error.h"
#include "validate/validate.h"

namespace cimchar::validate {
namespace {

constexpr int kVectors = 40;
constexpr int kRows = 48;

ValidateOptions SmallRun() {
  ValidateOptions o;
  o.vectors = kVectors;
  o.rows = kRows;
  o.jobs = 2;
  o.vectors_per_job = 10;
  o.die = 3;
  return o;
}

TEST(ValidateTest, ModelMatchesSpiceColumnForOneDie) {
  const ValidationReport r = RunValidation(SmallRun());
  std::ostringstream text;
  PrintReport(text, r);
  std::cout << text.str();
  ::testing::Test::RecordProperty("identical_codes", std::to_string(r.model.identical_fraction));
  ::testing::Test::RecordProperty("sigma_ratio", std::to_string(r.model.sigma_ratio));
  ASSERT_EQ(r.failed_jobs, 0);
  ASSERT_EQ(r.model.compared, kVectors);
  // The inputs span the ADC range: codes 0 and 2^b - 1 both occur among the ideal codes.
  int lo = 8, hi = -1;
  for (const auto& v : r.vectors) {
    lo = std::min(lo, v.ideal_code);
    hi = std::max(hi, v.ideal_code);
  }
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, (1 << r.options.adc_bits) - 1);
  EXPECT_GE(r.model.identical_fraction, kTargetIdentical);
  EXPECT_GE(r.model.sigma_ratio, kTargetRatioLo);
  EXPECT_LE(r.model.sigma_ratio, kTargetRatioHi);
}

TEST(ValidateTest, RejectsBadOptions) {
  ValidateOptions o = SmallRun();
  o.vectors = 0;
  EXPECT_THROW(RunValidation(o), UsageError);
  o = SmallRun();
  o.adc_range_hi_frac = 1.5;
  EXPECT_THROW(RunValidation(o), UsageError);
  o = SmallRun();
  o.jobs = 0;
  EXPECT_THROW(RunValidation(o), UsageError);
}

}  // namespace
}  // namespace cimchar::validate
