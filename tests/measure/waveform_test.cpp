#include "measure/waveform.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"

namespace cimchar::measure {
namespace {

constexpr double kTol = 1e-12;

std::vector<double> Linspace(double a, double b, int n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    v[static_cast<std::size_t>(k)] = a + (b - a) * k / (n - 1);
  }
  return v;
}

TEST(Waveform, ValueAtInterpolatesLinearly) {
  std::vector<double> t = {0, 1, 2};
  std::vector<double> y = {0, 10, 0};
  EXPECT_NEAR(ValueAt(t, y, 0.25), 2.5, kTol);
  EXPECT_NEAR(ValueAt(t, y, 1.5), 5.0, kTol);
  EXPECT_NEAR(ValueAt(t, y, 2.0), 0.0, kTol);
}

TEST(Waveform, MeanAndRippleOverAWindow) {
  std::vector<double> t = {0, 1, 2, 3};
  std::vector<double> y = {0, 2, 2, 4};
  EXPECT_NEAR(MeanOver(t, y, 1.0, 2.0), 2.0, kTol);
  EXPECT_NEAR(MeanOver(t, y, 0.0, 1.0), 1.0, kTol);
  EXPECT_NEAR(RippleOver(t, y, 0.5, 2.5), 2.0, kTol);
  EXPECT_NEAR(MeanOver(t, y, 1.5, 1.5), 2.0, kTol);
}

TEST(Waveform, IntegralIsExactForPiecewiseLinear) {
  auto t = Linspace(0, 1, 11);
  std::vector<double> y;
  for (double x : t) {
    y.push_back(3.0 * x + 1.0);
  }
  // ∫_0.05^0.95 (3x + 1) dx with window ends between samples.
  double exact = 1.5 * (0.95 * 0.95 - 0.05 * 0.05) + 0.9;
  EXPECT_NEAR(Integral(t, y, 0.05, 0.95), exact, 1e-12);
}

TEST(Waveform, SupplyEnergyOfAConstantCurrent) {
  // 1 V supply delivering 2 mA for 1 ns: ngspice reports -2 mA through the source.
  std::vector<double> t = {0, 0.5e-9, 1e-9};
  std::vector<double> i = {-2e-3, -2e-3, -2e-3};
  EXPECT_NEAR(SupplyEnergy(t, 1.0, i, 0, 1e-9), 2e-12, 1e-24);
  std::vector<double> v = {1.0, 1.0, 1.0};
  EXPECT_NEAR(SupplyEnergy(t, v, i, 0, 1e-9), 2e-12, 1e-24);
}

TEST(Waveform, SupplyEnergyOfARampIsExact) {
  // v = t, i = t on [0, 1]: ∫ t^2 dt = 1/3, whatever the sampling.
  std::vector<double> t = {0, 0.3, 1};
  std::vector<double> y = {0, 0.3, 1};
  EXPECT_NEAR(SupplyEnergy(t, y, y, 0, 1, 1.0), 1.0 / 3.0, 1e-12);
}

TEST(Waveform, ChargingACapacitorCostsCV2) {
  // An RC charge from a 1 V supply through R = 1 kΩ into C = 1 pF: the supply delivers
  // C·V² = 1 pJ (half stored, half burnt in R).
  const double r = 1e3;
  const double c = 1e-12;
  auto t = Linspace(0, 20e-9, 20001);
  std::vector<double> i;
  for (double x : t) {
    i.push_back(-(1.0 / r) * std::exp(-x / (r * c)));
  }
  EXPECT_NEAR(SupplyEnergy(t, 1.0, i, 0, 20e-9), c, 1e-3 * c);
}

TEST(Waveform, CrossingsFindEdgesInOrder) {
  std::vector<double> t = {0, 1, 2, 3, 4};
  std::vector<double> y = {0, 1, 0, 1, 0};
  auto rising = Crossings(t, y, 0.5, Edge::kRising);
  ASSERT_EQ(rising.size(), 2u);
  EXPECT_NEAR(rising[0], 0.5, kTol);
  EXPECT_NEAR(rising[1], 2.5, kTol);
  auto falling = Crossings(t, y, 0.5, Edge::kFalling);
  ASSERT_EQ(falling.size(), 2u);
  EXPECT_NEAR(falling[0], 1.5, kTol);
  EXPECT_EQ(Crossings(t, y, 0.25).size(), 4u);
  EXPECT_TRUE(Crossings(t, y, 2.0).empty());
}

TEST(Waveform, CodeFromLevels) {
  std::vector<double> bits = {1.0, 0.02, 0.98};  // b0 = 1, b1 = 0, b2 = 1
  EXPECT_EQ(CodeFromLevels(bits, 0.5), 5);
  EXPECT_EQ(CodeFromLevels({}, 0.5), 0);
  std::vector<double> too_many(63, 1.0);
  EXPECT_THROW(CodeFromLevels(too_many, 0.5), Error);
}

TEST(Waveform, BadInputsAreErrors) {
  std::vector<double> t = {0, 1, 2};
  std::vector<double> y = {0, 1};
  EXPECT_THROW(ValueAt(t, y, 0.5), Error);
  std::vector<double> y3 = {0, 1, 2};
  EXPECT_THROW(ValueAt(t, y3, 3.0), Error);
  EXPECT_THROW(MeanOver(t, y3, 1.5, 0.5), Error);
  std::vector<double> back = {0, 2, 1};
  EXPECT_THROW(Integral(back, y3, 0, 1), Error);
  std::vector<double> one = {0};
  EXPECT_THROW(Crossings(one, one, 0.5), Error);
}

}  // namespace
}  // namespace cimchar::measure
