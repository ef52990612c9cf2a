// The readout seam: the SAR ADC behind it converts as the model did before the seam (outputs,
// codes and read-back values pinned from that model for the same seeds), and the registry refuses
// what it does not know.

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "core/error.h"
#include "mac/mac_model.h"
#include "mac/readout.h"

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

}  // namespace
}  // namespace cimchar::mac
