// The readout seam: the SAR ADC behind it converts as the model did before the seam (outputs,
// codes and read-back values pinned from that model for the same seeds), and the registry refuses
// what it does not know.

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "core/error.h"
#include "mac/kernel/isa.h"
#include "mac/mac_model.h"
#include "mac/readout.h"
#include "ternary_macro.h"

namespace cimchar::mac {
namespace {

struct Pinned {
  std::vector<double> outputs;
  std::vector<int> codes;
  std::vector<double> fractions;
};

// 8b x 8b signed, 300 rows x 11 outputs on the analytic macro, HCIM at B_D/A = 8 with every
// error on, chip seed `chip`, 4 vectors; then one conversion per column and the read-back values.
Pinned RunPinnedCase(std::uint64_t chip) {
  MacShape s;
  s.activation_bits = 8;
  s.weight_bits = 8;
  s.signed_weights = true;
  const calib::Macro macro = calib::AnalyticMacro({.geometry = s.geometry()});
  const int length = 300;
  const int outputs = 11;
  Rng draw(5);
  std::vector<std::int32_t> weights(static_cast<std::size_t>(length * outputs));
  std::vector<std::int32_t> activations(static_cast<std::size_t>(length * 4));
  for (auto& x : weights) {
    x = static_cast<std::int32_t>(draw.Below(256)) - 128;
  }
  for (auto& x : activations) {
    x = static_cast<std::int32_t>(draw.Below(256));
  }
  const MacArray array(s, macro, weights, length, outputs, chip);
  RunOptions options;
  options.mode = Mode::kHcim;
  options.boundary = 8;
  const MacRunner runner(array, options);
  MacRunner::Workspace workspace;
  Rng noise(3);
  Pinned p;
  p.outputs.resize(activations.size() / length * outputs);
  runner.RunBatch(activations, noise, workspace, p.outputs, nullptr);
  Rng conversion_noise(4);
  for (int c = 0; c < outputs; ++c) {
    std::vector<std::int64_t> rows(16, 0);
    rows[3] = 20 + 7 * c;
    rows[15] = 10 + 3 * c;
    p.codes.push_back(runner.ConvertCode(c % 3, c, rows, conversion_noise));
  }
  for (int k = 0; k < 8; ++k) {
    p.fractions.push_back(array.CodeFraction(k));
  }
  return p;
}

// Printed by the model before the readout seam (the same program on that commit's libraries).
TEST(Readout, TheSarConvertsAsTheModelDidBeforeTheSeam) {
  const Pinned p = RunPinnedCase(9);
  const std::vector<double> outputs = {
      -33856, 120512, 24000,  -80880, 273056, 269072, -44240,  -340400, 299280, 81120,   -114640,
      38080,  31648,  -12768, 17744,  107968, 172992, -34368,  -189216, 395856, -115344, -318160,
      63824,  119088, 84880,  13584,  74144,  236160, 47264,   -260096, 336656, -54560,  -397152,
      -86080, 125888, 75632,  -38128, 128640, 146736, -155600, -330048, 433056, -221904, -188624};
  EXPECT_EQ(p.outputs, outputs);
  EXPECT_EQ(p.codes, (std::vector<int>{1, 1, 2, 2, 3, 4, 4, 4, 5, 6, 6}));
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(p.fractions[static_cast<std::size_t>(k)], (2 * k + 1) / 32.0) << "code " << k;
  }
}

// The pins can fail: another chip (other static errors) gives other outputs.
TEST(Readout, AnotherChipChangesThePinnedOutputs) {
  EXPECT_NE(RunPinnedCase(10).outputs, RunPinnedCase(9).outputs);
}

TEST(Readout, TheRegistryListsTheSarAndRefusesAnUnknownName) {
  ASSERT_FALSE(Readouts().empty());
  EXPECT_EQ(Readouts().front().name, "sar");
  calib::Macro macro = calib::AnalyticMacro();
  EXPECT_EQ(MakeReadout(macro)->Levels(), 8);
  macro.readout = "flash";
  try {
    MakeReadout(macro);
    ADD_FAILURE() << "an unknown readout was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("flash"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sar"), std::string::npos) << e.what();
  }
}

// 144 x 8 signed 8-bit weights drawn from `draw`.
std::vector<std::int32_t> SignedWeights(Rng& draw) {
  std::vector<std::int32_t> weights(static_cast<std::size_t>(144 * 8));
  for (auto& w : weights) {
    w = static_cast<std::int32_t>(draw.Below(256)) - 128;
  }
  return weights;
}

TEST(Readout, TheTernaryComparesTheLineWithItsTwoThresholds) {
  MacShape s;
  const calib::Macro macro = testing::AnalyticTernary();
  std::vector<std::int32_t> weights(static_cast<std::size_t>(144 * 8), 1);
  const MacArray array(s, macro, weights, 144, 8, 1);
  RunOptions quiet;
  quiet.mode = Mode::kHcim;
  quiet.boundary = 8;
  quiet.switches.dynamic_noise = false;
  quiet.switches.static_noise = false;
  const MacRunner runner(array, quiet);
  Rng noise(1);
  // 20, 30 and 50 rows at the top code: 0.139, 0.208 and 0.347 V.
  for (const auto& [rows, code] : {std::pair{20, 0}, std::pair{30, 1}, std::pair{50, 2}}) {
    std::vector<std::int64_t> at(16, 0);
    at[15] = rows;
    EXPECT_EQ(runner.ConvertCode(0, 0, at, noise), code) << rows << " rows";
  }
}

TEST(Readout, AColumnsScaleFactorIsTheLeastSquaresFit) {
  const calib::Macro macro = testing::AnalyticTernary();
  const auto readout = MakeReadout(macro);
  ASSERT_TRUE(readout->FitsColumns());
  // Ideal fractions 0.1 + 0.05 t (t = code - 1) with residuals that cancel per code.
  const std::vector<int> codes = {0, 0, 1, 1, 2, 2};
  const std::vector<double> ideal = {0.04, 0.06, 0.09, 0.11, 0.14, 0.16};
  const std::vector<double> shared = {0.0, 0.5, 1.0};
  const std::vector<double> values = readout->FitColumn(codes, ideal, shared);
  ASSERT_EQ(values.size(), 3U);
  EXPECT_NEAR(values[0], 0.05, 1e-12);
  EXPECT_NEAR(values[1], 0.10, 1e-12);
  EXPECT_NEAR(values[2], 0.15, 1e-12);
  // One code only: its value is the ops' mean (0.15), the others keep the shared spacing.
  const std::vector<double> one =
      readout->FitColumn(std::vector<int>{1, 1}, std::vector<double>{0.1, 0.2}, shared);
  ASSERT_EQ(one.size(), 3U);
  EXPECT_NEAR(one[0], -0.35, 1e-12);
  EXPECT_NEAR(one[1], 0.15, 1e-12);
  EXPECT_NEAR(one[2], 0.65, 1e-12);
  // No op at all: the shared values.
  EXPECT_EQ(readout->FitColumn({}, {}, shared), shared);
}

TEST(Readout, EachTernaryColumnReadsItsOwnFittedValues) {
  MacShape s;
  const calib::Macro macro = testing::AnalyticTernary(0.02);
  Rng draw(2);
  const std::vector<std::int32_t> weights = SignedWeights(draw);
  s.signed_weights = true;
  const MacArray a(s, macro, weights, 144, 8, 3);
  const MacArray b(s, macro, weights, 144, 8, 4);
  RunOptions options;
  options.mode = Mode::kHcim;
  options.boundary = 8;
  std::vector<std::int32_t> act(144);
  for (auto& x : act) {
    x = static_cast<std::int32_t>(draw.Below(256));
  }
  std::vector<double> ya(8), yb(8);
  MacRunner::Workspace w;
  Rng na(5), nb(5);
  MacRunner(a, options).Run(act, na, w, ya, nullptr);
  MacRunner(b, options).Run(act, nb, w, yb, nullptr);
  // Other chips: other offsets, other fitted values, other outputs; every output finite.
  EXPECT_NE(ya, yb);
  for (double y : ya) {
    EXPECT_TRUE(std::isfinite(y));
  }
}

// Each column's fitted values are read per lane (a gather at code x 8 + lane) on every
// instruction set: every path gives the scalar one's outputs to the bit.
TEST(Readout, EveryKernelPathReadsTheColumnsOwnValues) {
  MacShape s;
  s.signed_weights = true;
  const calib::Macro macro = testing::AnalyticTernary(0.02);
  Rng draw(7);
  const std::vector<std::int32_t> weights = SignedWeights(draw);
  std::vector<std::int32_t> act(static_cast<std::size_t>(144 * 16));
  for (auto& x : act) {
    x = static_cast<std::int32_t>(draw.Below(256));
  }
  const MacArray array(s, macro, weights, 144, 8, 3);
  std::vector<double> reference;
  for (Isa isa : SupportedIsas()) {
    RunOptions options;
    options.mode = Mode::kHcim;
    options.boundary = 8;
    options.isa = isa;
    std::vector<double> y(16 * 8);
    MacRunner::Workspace w;
    Rng noise(5);
    MacRunner(array, options).RunBatch(act, noise, w, y, nullptr);
    if (reference.empty()) {
      reference = y;
    } else {
      EXPECT_EQ(y, reference) << IsaName(isa);
    }
  }
}

// Sparse, feature-map-like activations (70 % zeros, the rest below 64): not the uniform
// operands the constructor fits on.
std::vector<std::int32_t> SparseActivations(int vectors, std::uint64_t seed) {
  Rng draw(seed);
  std::vector<std::int32_t> act(static_cast<std::size_t>(144 * vectors));
  for (auto& x : act) {
    x = draw.Below(10) < 7 ? 0 : static_cast<std::int32_t>(draw.Below(64));
  }
  return act;
}

// Mean squared error of HCIM at `boundary` against the exact dot products on `act`.
double MeanSquaredError(const MacArray& array, int boundary, std::span<const std::int32_t> act) {
  RunOptions options;
  options.mode = Mode::kHcim;
  options.boundary = boundary;
  const int vectors = static_cast<int>(act.size() / 144);
  std::vector<double> y(static_cast<std::size_t>(vectors) * 8);
  MacRunner::Workspace w;
  Rng noise(9);
  MacRunner(array, options).RunBatch(act, noise, w, y, nullptr);
  double se = 0.0;
  std::vector<std::int64_t> exact(8);
  for (int v = 0; v < vectors; ++v) {
    array.Exact(act.subspan(static_cast<std::size_t>(v) * 144, 144), exact);
    for (int c = 0; c < 8; ++c) {
      const double e = y[static_cast<std::size_t>(v * 8 + c)] - static_cast<double>(exact[c]);
      se += e * e;
    }
  }
  return se / (vectors * 8.0);
}

// Fitting each column's values on data of the distribution it will see (held-out vectors of
// it) cuts the error the uniform fit leaves; only the boundary fitted changes.
TEST(Readout, FittingOnTheDataItWillSeeLowersTheError) {
  MacShape s;
  s.signed_weights = true;
  const calib::Macro macro = testing::AnalyticTernary(0.02);
  Rng draw(11);
  const std::vector<std::int32_t> weights = SignedWeights(draw);
  const std::vector<std::int32_t> calibration = SparseActivations(64, 21);
  const std::vector<std::int32_t> test = SparseActivations(256, 22);
  const MacArray uniform(s, macro, weights, 144, 8, 3);
  MacArray fitted(s, macro, weights, 144, 8, 3);
  const std::vector<int> at = {8};
  fitted.FitReadout(calibration, at);
  const double before = MeanSquaredError(uniform, 8, test);
  const double after = MeanSquaredError(fitted, 8, test);
  EXPECT_LT(after, 0.5 * before) << "uniform fit " << before << ", fitted on the data " << after;
  // B_D/A 5 was not fitted: its values, and so its outputs, are the uniform fit's.
  EXPECT_EQ(MeanSquaredError(fitted, 5, test), MeanSquaredError(uniform, 5, test));
}

// With static errors off (an error budget's "alone" runs) every column reads the nominal
// values: two chips whose columns were fitted to different offsets compute the same outputs.
TEST(Readout, WithoutStaticErrorsEveryColumnReadsTheNominalValues) {
  MacShape s;
  s.signed_weights = true;
  const calib::Macro macro = testing::AnalyticTernary(0.02);
  Rng draw(13);
  const std::vector<std::int32_t> weights = SignedWeights(draw);
  const std::vector<std::int32_t> act = SparseActivations(16, 24);
  const MacArray a(s, macro, weights, 144, 8, 3);
  const MacArray b(s, macro, weights, 144, 8, 4);
  RunOptions quant_only;
  quant_only.mode = Mode::kHcim;
  quant_only.boundary = 8;
  quant_only.switches = {.dynamic_noise = false,
                         .static_noise = false,
                         .quantization = true,
                         .discard = false,
                         .transfer = false};
  std::vector<double> ya(16 * 8), yb(16 * 8);
  MacRunner::Workspace w;
  Rng na(5), nb(5);
  MacRunner(a, quant_only).RunBatch(act, na, w, ya, nullptr);
  MacRunner(b, quant_only).RunBatch(act, nb, w, yb, nullptr);
  EXPECT_EQ(ya, yb);
  // With them on, each chip's columns read their own.
  RunOptions all = quant_only;
  all.switches.static_noise = true;
  MacRunner(a, all).RunBatch(act, na, w, ya, nullptr);
  MacRunner(b, all).RunBatch(act, nb, w, yb, nullptr);
  EXPECT_NE(ya, yb);
}

TEST(Readout, TheSarIsNotRefittedAndBadCalibrationDataIsRefused) {
  MacShape s;
  s.signed_weights = true;
  const calib::Macro macro = calib::AnalyticMacro();
  std::vector<std::int32_t> weights(static_cast<std::size_t>(144 * 8), -77);
  const std::vector<std::int32_t> act = SparseActivations(32, 23);
  const MacArray before(s, macro, weights, 144, 8, 3);
  MacArray after(s, macro, weights, 144, 8, 3);
  const std::vector<int> at = {8};
  after.FitReadout(act, at);
  EXPECT_EQ(MeanSquaredError(after, 8, act), MeanSquaredError(before, 8, act));

  MacArray ternary(s, testing::AnalyticTernary(), weights, 144, 8, 3);
  EXPECT_THROW(ternary.FitReadout(std::span(act).first(100), at), UsageError);
  EXPECT_THROW(ternary.FitReadout(act, std::vector<int>{99}), UsageError);
  std::vector<std::int32_t> bad = act;
  bad[7] = 256;
  EXPECT_THROW(ternary.FitReadout(bad, at), UsageError);
}

}  // namespace
}  // namespace cimchar::mac
