// The line's transfer error has its own switch (ErrorSwitches::transfer): an op's line is the sum
// of its rows' per-code steps, read back through the uniform-code transfer; when the line bends
// between codes, rows at different codes do not add up to the uniform transfer at the same ideal
// fraction, and the read-back leaves an error that no other switch removes.
#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"
#include "mac/options.h"

namespace cimchar::mac {
namespace {

MacShape Shape() {
  MacShape s;
  s.signed_weights = true;
  return s;
}

// The analytic macro (a straight line) with its line bent: the steps per code grow as code^1.3.
calib::Macro Bent() {
  const MacShape s = Shape();
  calib::Macro m = calib::AnalyticMacro({.geometry = s.geometry()});
  const double full = m.line.code_v.back();
  const double top = m.line.codes.back();
  for (std::size_t k = 0; k < m.line.codes.size(); ++k) {
    m.line.code_v[k] = full * std::pow(m.line.codes[k] / top, 1.3);
  }
  return m;
}

ErrorSwitches Only(bool transfer) {
  return {.dynamic_noise = false,
          .static_noise = false,
          .quantization = false,
          .discard = false,
          .transfer = transfer};
}

SnrResult Snr(const calib::Macro& macro, const ErrorSwitches& switches, int boundary) {
  const MacShape s = Shape();
  const Chips chips = Chips::Random(s, macro, 144, 8, 4, 1);
  RunOptions o;
  o.boundary = boundary;
  o.switches = switches;
  return EvaluateSnr(chips, o, UniformInputs(8), {.samples = 400, .seed = 5});
}

TEST(Transfer, EverySourceOffIsExact) {
  for (const calib::Macro& macro :
       {Bent(), calib::AnalyticMacro({.geometry = Shape().geometry()})}) {
    for (int b : {5, 8, 10}) {
      const SnrResult r = Snr(macro, Only(false), b);
      // Only rounding is left: below 1e-20 of the signal.
      EXPECT_LT(r.mse, 1e-20 * r.var_ideal) << "B=" << b;
    }
  }
}

TEST(Transfer, ABentLineLeavesAnErrorOnlyItsSwitchRemoves) {
  const calib::Macro bent = Bent();
  for (int b : {5, 8, 10}) {
    const SnrResult transfer = Snr(bent, Only(true), b);
    // A few LSB of a 144-row op at the orders below B: finite, and larger at larger B.
    EXPECT_GT(transfer.mse, 1e-6 * transfer.var_ideal) << "B=" << b;
    EXPECT_TRUE(std::isfinite(transfer.snr_db)) << "B=" << b;
    // The straight line has none.
    const SnrResult straight =
        Snr(calib::AnalyticMacro({.geometry = Shape().geometry()}), Only(true), b);
    EXPECT_LT(straight.mse, 1e-20 * straight.var_ideal) << "B=" << b;
  }
  EXPECT_GT(Snr(bent, Only(true), 5).snr_db, Snr(bent, Only(true), 10).snr_db + 10.0);
}

TEST(Transfer, TheBudgetNamesTheTransferErrorAlone) {
  const MacShape s = Shape();
  const Chips chips = Chips::Random(s, Bent(), 144, 8, 2, 1);
  RunOptions o;
  o.boundary = 8;
  const auto rows = ErrorBudget(chips, o, UniformInputs(8), {.samples = 200, .seed = 2});
  const auto find = [&](const std::string& name) -> const BudgetRow& {
    for (const BudgetRow& r : rows) {
      if (r.name == name) {
        return r;
      }
    }
    ADD_FAILURE() << "no row " << name;
    return rows.front();
  };
  EXPECT_TRUE(find("transfer error only").switches.transfer);
  EXPECT_FALSE(find("discard only").switches.transfer);  // each 'alone' row is that source only
  EXPECT_FALSE(find("no transfer error").switches.transfer);
  EXPECT_LT(find("none").result.mse, 1e-20 * find("none").result.var_ideal);
  EXPECT_GT(find("transfer error only").result.mse, 0.0);
}

}  // namespace
}  // namespace cimchar::mac
