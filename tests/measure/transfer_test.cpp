#include "measure/transfer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"

namespace cimchar::measure {
namespace {

constexpr double kTol = 1e-9;

TEST(Transfer, FitLineRecoversSlopeAndResidual) {
  std::vector<double> x = {0, 1, 2, 3};
  std::vector<double> y = {1, 3, 5.5, 7};
  LineFit f = FitLine(x, y);
  EXPECT_NEAR(f.slope, 2.05, kTol);
  EXPECT_GT(f.max_abs_residual, 0.1);
  std::vector<double> exact = {1, 3, 5, 7};
  LineFit g = FitLine(x, exact);
  EXPECT_NEAR(g.slope, 2.0, kTol);
  EXPECT_NEAR(g.intercept, 1.0, kTol);
  EXPECT_NEAR(g.max_abs_residual, 0.0, kTol);
  std::vector<double> same = {1, 1};
  std::vector<double> two = {0, 1};
  EXPECT_THROW(FitLine(same, two), Error);
}

TEST(Transfer, Monotonic) {
  std::vector<double> up = {0, 1, 1, 2};
  EXPECT_TRUE(IsMonotonic(up));
  EXPECT_FALSE(IsMonotonic(up, true));
  std::vector<double> dip = {0, 2, 1};
  EXPECT_FALSE(IsMonotonic(dip));
}

TEST(Transfer, IdealAdcHasZeroDnlAndInl) {
  std::vector<double> t = {0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65};
  AdcLinearity a = AdcLinearityFromTransitions(t);
  EXPECT_NEAR(a.lsb, 0.1, kTol);
  EXPECT_NEAR(a.max_abs_dnl_lsb, 0.0, 1e-9);
  EXPECT_NEAR(a.max_abs_inl_lsb, 0.0, 1e-9);
  EXPECT_EQ(a.dnl_lsb.size(), 6u);
  EXPECT_EQ(a.inl_lsb.size(), 7u);
}

TEST(Transfer, WideCodeShowsInDnlAndInl) {
  // Code 2 is 1.5 LSB wide, code 3 is 0.5 LSB wide.
  std::vector<double> t = {0.0, 1.0, 2.5, 3.0, 4.0, 5.0, 6.0};
  AdcLinearity a = AdcLinearityFromTransitions(t);
  EXPECT_NEAR(a.lsb, 1.0, kTol);
  EXPECT_NEAR(a.dnl_lsb[1], 0.5, kTol);
  EXPECT_NEAR(a.dnl_lsb[2], -0.5, kTol);
  EXPECT_NEAR(a.inl_lsb[2], 0.5, kTol);
  EXPECT_NEAR(a.max_abs_inl_lsb, 0.5, kTol);
}

TEST(Transfer, TransitionLevelsFromASweep) {
  std::vector<double> x = {0.0, 0.1, 0.2, 0.3, 0.4, 0.5};
  std::vector<long long> codes = {0, 0, 1, 1, 2, 3};
  auto t = TransitionLevels(x, codes, 3);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_NEAR(t[0], 0.15, kTol);
  EXPECT_NEAR(t[1], 0.35, kTol);
  EXPECT_NEAR(t[2], 0.45, kTol);
  std::vector<long long> bad = {0, 1, 0, 1, 2, 3};
  EXPECT_THROW(TransitionLevels(x, bad, 3), Error);
}

TEST(Transfer, ButterflyOfIdealInvertersIsHalfTheSupply) {
  // Ideal switching at VDD/2: the squares in both lobes have side VDD/2.
  std::vector<double> in;
  std::vector<double> out;
  for (int k = 0; k <= 1000; ++k) {
    double x = k / 1000.0;
    in.push_back(x);
    out.push_back(x < 0.5 ? 1.0 : (x == 0.5 ? 0.5 : 0.0));
  }
  Snm s = ButterflySnm(in, out, out);
  EXPECT_NEAR(s.snm_v, 0.5, 2e-3);
  EXPECT_NEAR(s.lobe_high_v, s.lobe_low_v, 2e-3);
}

TEST(Transfer, ButterflyOfLinearInverters) {
  // out = 1 - x (gain -1): the curves coincide, no square fits.
  std::vector<double> in;
  std::vector<double> out;
  for (int k = 0; k <= 100; ++k) {
    in.push_back(k / 100.0);
    out.push_back(1.0 - k / 100.0);
  }
  Snm s = ButterflySnm(in, out, out);
  EXPECT_NEAR(s.snm_v, 0.0, 1e-9);
}

TEST(Transfer, ButterflyShiftedInverterShrinksOneLobe) {
  // Half A switches at 0.4, half B at 0.5: lobe sizes differ by the shift.
  std::vector<double> in;
  std::vector<double> a;
  std::vector<double> b;
  for (int k = 0; k <= 2000; ++k) {
    double x = k / 2000.0;
    in.push_back(x);
    a.push_back(x < 0.4 ? 1.0 : 0.0);
    b.push_back(x < 0.5 ? 1.0 : 0.0);
  }
  Snm s = ButterflySnm(in, a, b);
  EXPECT_NEAR(std::min(s.lobe_high_v, s.lobe_low_v), 0.4, 2e-3);
  EXPECT_NEAR(std::max(s.lobe_high_v, s.lobe_low_v), 0.5, 2e-3);
}

}  // namespace
}  // namespace cimchar::measure
