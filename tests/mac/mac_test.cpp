#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "core/error.h"
#include "mac/batch.h"
#include "mac/energy.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"
#include "mac/options.h"
#include "mac/random.h"
#include "mac/sweep.h"
#include "mac/thresholds.h"

namespace cimchar::mac {
namespace {

constexpr double kRelTol = 1e-9;

template <typename F>
void ExpectUsageError(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// The analytic placeholder macro of a shape's geometry.
calib::Macro MacroFor(const MacShape& s) {
  return calib::AnalyticMacro({.geometry = s.geometry()});
}

MacShape Shape(int a, int w, bool is_signed, int rows = 144, int columns = 8) {
  MacShape s;
  s.activation_bits = a;
  s.weight_bits = w;
  s.signed_weights = is_signed;
  s.rows = rows;
  s.columns = columns;
  return s;
}

// Reference: the integer dot product, straight from the operand values.
std::vector<std::int64_t> Dot(const std::vector<std::int32_t>& act,
                              const std::vector<std::int32_t>& w,
                              int outputs) {
  std::vector<std::int64_t> y(static_cast<std::size_t>(outputs), 0);
  for (std::size_t r = 0; r < act.size(); ++r) {
    for (int c = 0; c < outputs; ++c) {
      y[c] += static_cast<std::int64_t>(act[r]) * w[r * outputs + c];
    }
  }
  return y;
}

// Reference: the part of each output made of orders k < floor (i.e. what is discarded), from the
// operand bits with a plain double loop.
std::vector<double> DiscardedPart(const MacShape& s,
                                  const std::vector<std::int32_t>& act,
                                  const std::vector<std::int32_t>& w,
                                  int outputs,
                                  int floor) {
  std::vector<double> y(static_cast<std::size_t>(outputs), 0.0);
  const std::uint32_t mask = (1u << s.weight_bits) - 1;
  for (std::size_t r = 0; r < act.size(); ++r) {
    for (int c = 0; c < outputs; ++c) {
      const auto wb = static_cast<std::uint32_t>(w[r * outputs + c]) & mask;
      for (int i = 0; i < s.weight_bits; ++i) {
        for (int j = 0; j < s.activation_bits; ++j) {
          if (i + j >= floor || !((wb >> i) & 1u) || !((act[r] >> j) & 1)) {
            continue;
          }
          const double sig = (s.signed_weights && i == s.weight_bits - 1) ? -1.0 : 1.0;
          y[c] += sig * std::ldexp(1.0, i + j);
        }
      }
    }
  }
  return y;
}

std::vector<std::int32_t> RandomActs(int a, int length, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int32_t> v(static_cast<std::size_t>(length));
  for (auto& x : v) {
    x = static_cast<std::int32_t>(rng.Below(1u << a));
  }
  return v;
}

RunOptions Quiet(Mode mode, int boundary) {
  RunOptions o;
  o.mode = mode;
  o.boundary = boundary;
  o.switches = {
      .dynamic_noise = false, .static_noise = false, .quantization = false, .discard = true};
  return o;
}

TEST(Mac, DcimEqualsIntegerDotForEveryWidth) {
  for (bool is_signed : {false, true}) {
    for (int a = 1; a <= 8; ++a) {
      for (int w = is_signed ? 2 : 1; w <= 8; ++w) {
        // 300 rows over 144-row arrays (3 tiles, the last partial), 11 outputs over 8 columns.
        const MacShape s = Shape(a, w, is_signed);
        const int length = 300;
        const int outputs = 11;
        const auto weights = RandomWeights(s, length, outputs, 100 + a * 10 + w);
        const MacArray array(s, MacroFor(s), weights, length, outputs, 7);
        const MacRunner runner(array, RunOptions{.mode = Mode::kDcim});
        MacRunner::Workspace ws;
        Rng noise(1);
        std::vector<double> out(outputs);
        std::vector<std::int64_t> exact(outputs);
        for (int n = 0; n < 5; ++n) {
          const auto act = RandomActs(a, length, 1000 + n);
          runner.Run(act, noise, ws, out, nullptr);
          array.Exact(act, exact);
          const auto ref = Dot(act, weights, outputs);
          for (int c = 0; c < outputs; ++c) {
            ASSERT_EQ(out[c], static_cast<double>(ref[c]))
                << "a=" << a << " w=" << w << " signed=" << is_signed << " c=" << c;
            ASSERT_EQ(exact[c], ref[c]);
          }
        }
      }
    }
  }
}

TEST(Mac, OddRowCountsPackCorrectly) {
  const MacShape s = Shape(8, 8, true, 77, 3);
  const int length = 200;
  const auto weights = RandomWeights(s, length, 5, 3);
  const MacArray array(s, MacroFor(s), weights, length, 5, 1);
  const MacRunner runner(array, RunOptions{.mode = Mode::kDcim});
  MacRunner::Workspace ws;
  Rng noise(1);
  std::vector<double> out(5);
  const auto act = RandomActs(8, length, 9);
  runner.Run(act, noise, ws, out, nullptr);
  const auto ref = Dot(act, weights, 5);
  for (int c = 0; c < 5; ++c) {
    EXPECT_EQ(out[c], static_cast<double>(ref[c]));
  }
}

TEST(Mac, WithoutNoiseAndQuantizationOnlyTheDiscardedPartIsLost) {
  for (bool is_signed : {false, true}) {
    for (auto [a, w] : {std::pair{8, 8}, std::pair{4, 6}, std::pair{3, 2}}) {
      const MacShape s = Shape(a, w, is_signed);
      const int length = 200;
      const int outputs = 8;
      const auto weights = RandomWeights(s, length, outputs, 11);
      const MacArray array(s, MacroFor(s), weights, length, outputs, 5);
      MacRunner::Workspace ws;
      std::vector<double> out(outputs);
      for (int b = 0; b <= MaxBoundary(s); ++b) {
        const MacRunner runner(array, Quiet(Mode::kHcim, b));
        Rng noise(2);
        const auto act = RandomActs(a, length, 50 + b);
        runner.Run(act, noise, ws, out, nullptr);
        const auto ref = Dot(act, weights, outputs);
        const auto lost = DiscardedPart(s, act, weights, outputs, b - s.analog_window);
        for (int c = 0; c < outputs; ++c) {
          const double expected = static_cast<double>(ref[c]) - lost[c];
          ASSERT_NEAR(out[c], expected, kRelTol * (1.0 + std::abs(expected)) + 1e-6)
              << "a=" << a << " w=" << w << " B=" << b << " signed=" << is_signed;
        }
      }
    }
  }
}

TEST(Mac, OsaReusesSaliencyOrdersDigitally) {
  // With s = 6 saliency orders at 8b x 8b, orders >= 9 are digital whatever B is; with B = 14
  // nothing but them is digital, the analog window covers 10..13 and orders < 10 are discarded.
  const MacShape s = Shape(8, 8, false);
  const auto weights = RandomWeights(s, 144, 8, 21);
  const MacArray array(s, MacroFor(s), weights, 144, 8, 5);
  RunOptions o = Quiet(Mode::kOsaHcim, 0);
  o.ose.orders = 6;
  o.ose.candidates = {14};
  o.ose.thresholds = {};
  const MacRunner runner(array, o);
  MacRunner::Workspace ws;
  Rng noise(3);
  std::vector<double> out(8);
  ActionCounts counts;
  const auto act = RandomActs(8, 144, 4);
  runner.Run(act, noise, ws, out, &counts);
  const auto ref = Dot(act, weights, 8);
  const auto lost = DiscardedPart(s, act, weights, 8, 9);
  for (int c = 0; c < 8; ++c) {
    EXPECT_NEAR(out[c], static_cast<double>(ref[c]) - lost[c], 1e-6 * (1.0 + std::abs(out[c])));
  }
  // Orders 9..14: 6 + 5 + 4 + 3 + 2 + 1 = 21 digital pairs per column; no analog op is left.
  EXPECT_EQ(counts.digital_cycles, 21 * 8);
  EXPECT_EQ(counts.analog_ops, 0);
  EXPECT_EQ(counts.ose_evals, 1);
}

TEST(Mac, DiscardOffAndQuietAnalogIsExact) {
  const MacShape s = Shape(8, 8, true);
  const auto weights = RandomWeights(s, 144, 8, 12);
  const MacArray array(s, MacroFor(s), weights, 144, 8, 5);
  RunOptions o = Quiet(Mode::kHcim, 12);
  o.switches.discard = false;
  const MacRunner runner(array, o);
  MacRunner::Workspace ws;
  Rng noise(2);
  std::vector<double> out(8);
  const auto act = RandomActs(8, 144, 77);
  runner.Run(act, noise, ws, out, nullptr);
  const auto ref = Dot(act, weights, 8);
  for (int c = 0; c < 8; ++c) {
    EXPECT_NEAR(out[c], static_cast<double>(ref[c]), 1e-6 * (1.0 + std::abs(out[c])));
  }
}

TEST(Mac, SnrFallsAsTheBoundaryRises) {
  const MacShape s = Shape(8, 8, false);
  const auto weights = RandomWeights(s, 144, 8, 1);
  const MacArray array(s, MacroFor(s), weights, 144, 8, 42);
  double previous = std::numeric_limits<double>::infinity();
  for (int b = 5; b <= 10; ++b) {
    RunOptions o;
    o.mode = Mode::kHcim;
    o.boundary = b;
    const SnrResult r = EvaluateSnr(array, o, UniformInputs(8), {.samples = 400, .seed = 3});
    EXPECT_LT(r.snr_db, previous) << "B=" << b;
    EXPECT_GE(r.snr_offset_removed_db, r.snr_db);
    previous = r.snr_db;
  }
}

TEST(Mac, ErrorBudgetRowsAreConsistent) {
  const MacShape s = Shape(8, 8, false);
  const auto weights = RandomWeights(s, 144, 8, 1);
  const MacArray array(s, MacroFor(s), weights, 144, 8, 42);
  RunOptions o;
  o.boundary = 9;
  const auto rows = ErrorBudget(Chips({array}), o, UniformInputs(8), {.samples = 256, .seed = 5});
  ASSERT_EQ(rows.front().name, "all");
  ASSERT_EQ(rows.back().name, "none");
  EXPECT_LT(rows.back().result.mse, 1e-12 * rows.front().result.var_ideal);
  for (const auto& row : rows) {
    EXPECT_LE(row.result.mse, rows.front().result.mse * 1.05) << row.name;
  }
}

// The SNR over chips: one chip is exactly the single-array evaluation with the same seed, with no
// interval; the figures over many chips against their closed forms, with a bounded interval, are
// MacNoise.OneSourceSnrIsItsClosedForm (noise_test.cpp).
TEST(Mac, OneChipIsTheSingleArrayEvaluation) {
  const MacShape s = Shape(8, 8, false);
  RunOptions o;
  o.boundary = 8;
  o.switches = {
      .dynamic_noise = false, .static_noise = false, .quantization = false, .discard = true};
  const Chips chips = Chips::Random(s, MacroFor(s), 144, 8, 2, 1);
  const SnrResult one =
      EvaluateSnr(Chips({chips[0]}), o, UniformInputs(8), {.samples = 200, .seed = 3});
  const SnrResult direct = EvaluateSnr(chips[0], o, UniformInputs(8), {.samples = 200, .seed = 3});
  EXPECT_EQ(one.snr_db, direct.snr_db);
  EXPECT_EQ(one.chips, 1);
  EXPECT_TRUE(std::isnan(one.snr_lo_db));
  const SnrResult two = EvaluateSnr(chips, o, UniformInputs(8), {.samples = 200, .seed = 3});
  EXPECT_EQ(two.chips, 2);
  EXPECT_LT(two.snr_lo_db, two.snr_hi_db);
}

TEST(Mac, CompensationRemovesTheDiscardBias) {
  const MacShape s = Shape(8, 8, false);
  const auto weights = RandomWeights(s, 144, 8, 1);
  const MacArray array(s, MacroFor(s), weights, 144, 8, 42);
  RunOptions o;
  o.boundary = 10;
  o.switches = {
      .dynamic_noise = false, .static_noise = false, .quantization = false, .discard = true};
  const EvalOptions eval{.samples = 500, .seed = 9};
  const SnrResult plain = EvaluateSnr(array, o, UniformInputs(8), eval);
  o.compensate_discard = true;
  const SnrResult comp = EvaluateSnr(array, o, UniformInputs(8), eval);
  EXPECT_LT(std::abs(comp.mean_error), 0.05 * std::abs(plain.mean_error));
  EXPECT_GT(comp.snr_db, plain.snr_db + 3.0);
  // Compensation uses each column's weight popcount, so it also removes part of the variance.
  EXPECT_GE(comp.snr_offset_removed_db, plain.snr_offset_removed_db - 0.1);
}

TEST(Mac, SameSeedSameResultsForOneAndTwoThreads) {
  const MacShape s = Shape(8, 8, true);
  const auto weights = RandomWeights(s, 300, 11, 1);
  const MacArray array(s, MacroFor(s), weights, 300, 11, 42);
  RunOptions o;
  o.mode = Mode::kOsaHcim;
  o.ose.candidates = {6, 8, 10};
  o.ose.thresholds = {120, 80};
  const auto one =
      EvaluateSnr(array, o, ScaledInputs(8), {.samples = 700, .seed = 4, .threads = 1});
  const auto two =
      EvaluateSnr(array, o, ScaledInputs(8), {.samples = 700, .seed = 4, .threads = 2});
  EXPECT_EQ(one.mse, two.mse);
  EXPECT_EQ(one.mean_error, two.mean_error);
  EXPECT_EQ(one.var_ideal, two.var_ideal);
  EXPECT_EQ(one.counts.digital_cycles, two.counts.digital_cycles);
  EXPECT_EQ(one.counts.boundary_histogram, two.counts.boundary_histogram);
  EXPECT_EQ(one.energy.total_j, two.energy.total_j);
  const auto other = EvaluateSnr(array, o, ScaledInputs(8), {.samples = 700, .seed = 5});
  EXPECT_NE(one.mse, other.mse);
  // A different chip instance changes only the static errors.
  const MacArray chip2(s, MacroFor(s), weights, 300, 11, 43);
  EXPECT_NE(EvaluateSnr(chip2, o, ScaledInputs(8), {.samples = 700, .seed = 4}).mse, one.mse);
}

TEST(Mac, OseSendsSalientInputsToSmallerBoundaries) {
  const MacShape s = Shape(8, 8, false);
  const auto weights = RandomWeights(s, 144, 8, 1);
  const MacArray array(s, MacroFor(s), weights, 144, 8, 42);
  RunOptions o;
  o.mode = Mode::kOsaHcim;
  o.ose.candidates = {6, 10};
  o.ose.thresholds = {50};
  const MacRunner runner(array, o);
  MacRunner::Workspace ws;
  std::vector<std::int64_t> sal(1);
  std::vector<int> b(1);
  runner.Saliency(std::vector<std::int32_t>(144, 255), ws, sal, b);
  EXPECT_EQ(b[0], 6);
  const std::int64_t high = sal[0];
  runner.Saliency(std::vector<std::int32_t>(144, 3), ws, sal, b);
  EXPECT_EQ(sal[0], 0);
  EXPECT_EQ(b[0], 10);
  EXPECT_GT(high, 50);
}

TEST(Mac, ThresholdFinderMeetsConstraintsOnHeldOutData) {
  const MacShape s = Shape(8, 8, false);
  const auto weights = RandomWeights(s, 288, 8, 1);
  const MacArray array(s, MacroFor(s), weights, 288, 8, 42);
  RunOptions o;
  o.mode = Mode::kOsaHcim;
  o.ose.candidates = {6, 8, 10};
  o.ose.orders = 3;
  const auto train = MakeRelativeMseLoss(array, o, ScaledInputs(8), {.samples = 3000, .seed = 1});
  const auto held = MakeRelativeMseLoss(array, o, ScaledInputs(8), {.samples = 3000, .seed = 2});
  // Limit i between the losses of all passes at B[i] and all at B[i+1], so each step decides.
  const double best = train.loss(std::vector<int>(train.saliency.size(), 0));
  const double mid = train.loss(std::vector<int>(train.saliency.size(), 1));
  const double worst = train.loss(std::vector<int>(train.saliency.size(), 2));
  ASSERT_LT(best, mid);
  ASSERT_LT(mid, worst);
  const std::vector<double> limits = {best + 0.5 * (mid - best), mid + 0.3 * (worst - mid)};
  // Search with a 10 % margin, then check the real limits on data the search never saw.
  const std::vector<double> margin = {0.9 * limits[0], 0.9 * limits[1]};
  const auto found = FindThresholds(train.saliency, 3, margin, train.loss);
  ASSERT_EQ(found.thresholds.size(), 2u);
  EXPECT_GE(found.thresholds[0], found.thresholds[1]);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(found.met[i]);
    const double on_held = held.loss(AssignCandidates(held.saliency, found.thresholds, i + 1));
    EXPECT_LE(on_held, limits[i]) << "constraint " << i;
  }
  // The thresholds really trade: some passes at each candidate on the held-out set.
  const auto choice = AssignCandidates(held.saliency, found.thresholds, 2);
  for (int m = 0; m < 3; ++m) {
    EXPECT_GT(std::count(choice.begin(), choice.end(), m), 0) << "candidate " << m;
  }
  // An impossible constraint is reported, not hidden.
  const auto impossible =
      FindThresholds(train.saliency, 3, std::vector<double>{0.5 * best, 0.5 * best}, train.loss);
  EXPECT_FALSE(impossible.met[0]);
}

TEST(Mac, EnergyAccountMatchesTheCycleCounts) {
  const MacShape s = Shape(8, 8, false);
  const auto weights = RandomWeights(s, 144, 8, 1);
  const calib::Macro macro = MacroFor(s);
  const MacArray array(s, macro, weights, 144, 8, 42);
  const EvalOptions eval{.samples = 100, .seed = 1};
  const auto dcim = EvaluateSnr(array, RunOptions{.mode = Mode::kDcim}, UniformInputs(8), eval);
  const calib::Energies& e = macro.energy;
  EXPECT_EQ(dcim.counts.digital_cycles, 100 * 64 * 8);
  EXPECT_EQ(dcim.counts.analog_ops, 0);
  EXPECT_EQ(dcim.counts.macs, 100 * 144 * 8);
  // Every cycle of a DCIM pass is digital: one DWL pulse and one row precharge per row each.
  EXPECT_EQ(dcim.counts.digital_array_cycles, 100 * 64);
  EXPECT_EQ(dcim.counts.array_cycles, 100 * 64);
  EXPECT_EQ(
      std::accumulate(dcim.counts.tree_ones.begin(), dcim.counts.tree_ones.end(), std::int64_t{0}),
      100 * 64 * 8);
  EXPECT_NEAR(dcim.energy.wordline_j, 100 * 64 * 144 * e.wordline_dwl.energy_j,
              kRelTol * dcim.energy.wordline_j);
  EXPECT_NEAR(dcim.energy.precharge_j,
              100 * 64 * 144 * e.precharge_row_cycle.energy_j +
                  static_cast<double>(dcim.counts.digital_w1_rows) * e.precharge_lblb.energy_j,
              kRelTol * dcim.energy.precharge_j);
  // The total and TOPS/W of a whole pass priced by hand: Mac.DigitalEnergyFollowsInputActivity.

  // HCIM at B = 8 (8b x 8b): 28 digital pairs, 8 analog ops + conversions per column.
  RunOptions h;
  h.boundary = 8;
  const auto hcim = EvaluateSnr(array, h, UniformInputs(8), eval);
  EXPECT_EQ(hcim.counts.digital_cycles, 100 * 28 * 8);
  EXPECT_EQ(hcim.counts.analog_ops, 100 * 8 * 8);
  EXPECT_EQ(hcim.counts.adc_conversions, 100 * 8 * 8);
  EXPECT_EQ(hcim.counts.dac_cycles, 100 * 8);
  // The digital and the analog cycles of a pass run at once: 28 array cycles, not 36; one
  // DWL pulse per row per digital cycle, one AWL pulse per analog cycle.
  EXPECT_EQ(hcim.counts.array_cycles, 100 * 28);
  EXPECT_NEAR(hcim.energy.wordline_j,
              100 * 144 * (28 * e.wordline_dwl.energy_j + 8 * e.wordline_awl.energy_j),
              kRelTol * hcim.energy.wordline_j);
  EXPECT_NEAR(hcim.energy.leakage_j,
              100 * 28 *
                  (144 * e.leakage_row_cycle.energy_j +
                   8 * (e.leakage_tree_cycle.energy_j + e.leakage_accumulator_cycle.energy_j)),
              kRelTol * hcim.energy.leakage_j);
  EXPECT_NEAR(hcim.energy.adc_j, 100 * 64 * e.adc_conversion.energy_j, kRelTol * hcim.energy.adc_j);
  // Every DAC cycle drives every row once; every analog op counts its W = 1 rows by code.
  std::int64_t dac_rows = 0, dac_j_rows = 0;
  double dac_j = 0.0;
  for (std::size_t d = 0; d < hcim.counts.dac_code_rows.size(); ++d) {
    dac_rows += hcim.counts.dac_code_rows[d];
    dac_j += static_cast<double>(hcim.counts.dac_code_rows[d]) * e.dac_row_j[d];
    dac_j_rows += d == 0 ? 0 : hcim.counts.dac_code_rows[d];
  }
  EXPECT_EQ(dac_rows, 100 * 8 * 144);
  EXPECT_GT(dac_j_rows, 0);
  EXPECT_NEAR(hcim.energy.dac_j, dac_j, kRelTol * dac_j);
  std::int64_t op_rows = 0;
  for (std::int64_t n : hcim.counts.op_code_rows) {
    op_rows += n;
  }
  EXPECT_GT(op_rows, 0);
  EXPECT_LT(op_rows, 100 * 64 * 144);  // only the rows with W = 1
  EXPECT_NEAR(hcim.energy.amult_j, 100 * 64 * e.op_baseline_j, kRelTol * hcim.energy.amult_j);
  EXPECT_LT(hcim.energy.total_j, dcim.energy.total_j);
  // 4b x 4b normalized to 8b x 8b divides the raw TOPS/W by 4.
  const MacShape s44 = Shape(4, 4, false);
  const MacArray a44(s44, MacroFor(s44), RandomWeights(s44, 144, 8, 1), 144, 8, 42);
  const auto d44 = EvaluateSnr(a44, RunOptions{.mode = Mode::kDcim}, UniformInputs(4), eval);
  EXPECT_NEAR(d44.energy.tops_per_w_8b_norm, d44.energy.tops_per_w / 4.0,
              kRelTol * d44.energy.tops_per_w);
}

// One DCIM pass of one input vector, priced; the counts it made.
struct PassEnergy {
  ActionCounts counts;
  EnergyBreakdown energy;
};
PassEnergy RunOnce(const MacArray& array, const std::vector<std::int32_t>& acts, Mode mode) {
  RunOptions o = Quiet(mode, 8);
  const MacRunner runner(array, o);
  MacRunner::Workspace ws;
  Rng noise(1);
  std::vector<double> out(static_cast<std::size_t>(array.Outputs()));
  PassEnergy p;
  runner.Run(acts, noise, ws, out, &p.counts);
  p.energy = ComputeEnergy(array.Shape(), array.Macro(), p.counts);
  return p;
}

// The digital energy follows the activity of the inputs it is given: D_MULT by weight and
// activation bits separately, the adder tree by its inputs at 1, LBLB precharge by the lines
// discharged, GBLB by its toggles, the accumulator by the bits it changes.
TEST(Mac, DigitalEnergyFollowsInputActivity) {
  const MacShape s = Shape(8, 8, false);
  const calib::Macro macro = MacroFor(s);
  const calib::Energies& e = macro.energy;
  const auto weights = RandomWeights(s, 144, 8, 3);
  const MacArray array(s, macro, weights, 144, 8, 42);
  const std::vector<std::int32_t> zeros(144, 0), ones(144, 255);
  const auto random = RandomActs(8, 144, 5);
  const PassEnergy none = RunOnce(array, zeros, Mode::kDcim);
  const PassEnergy all = RunOnce(array, ones, Mode::kDcim);
  const PassEnergy some = RunOnce(array, random, Mode::kDcim);

  // Rows with W = 1 per weight bit, summed over the columns: the LBLBs a digital cycle
  // discharges, whatever the activations.
  std::int64_t w1 = 0;
  for (std::int32_t v : weights) {
    w1 += std::popcount(static_cast<std::uint32_t>(v));
  }
  for (const PassEnergy* p : {&none, &all, &some}) {
    EXPECT_EQ(p->counts.digital_w1_rows, 8 * w1);  // each weight bit meets 8 activation bits
  }
  // No activation bit at 1: every tree input is 0, GBLB never toggles, the accumulator stays 0.
  EXPECT_EQ(none.counts.tree_ones[0], 64 * 8);
  EXPECT_EQ(none.counts.din_toggles, 0);
  EXPECT_EQ(none.counts.accumulator_toggles, 0);
  EXPECT_NEAR(none.energy.adder_tree_j, 64 * 8 * e.adder_tree_j[0],
              kRelTol * 64 * 8 * e.adder_tree_j[0]);
  EXPECT_NEAR(none.energy.dmult_j,
              (64 * 8 * 144 - 8 * w1) * e.dmult_w0.energy_j + 8 * w1 * e.dmult_w1_a0.energy_j,
              kRelTol * none.energy.dmult_j);
  // The whole pass priced by hand from the actions it takes: 64 digital cycles (every (i, j)
  // pair) of 8 columns over 144 rows, each an array cycle with one DWL pulse and one row
  // precharge per row, one shift-and-add per column and cycle, nothing analog; 144 x 8 MACs of
  // 2 OPs each.
  const double hand_j =
      (64 * 8 * 144 - 8 * w1) * e.dmult_w0.energy_j + 8 * w1 * e.dmult_w1_a0.energy_j +
      64 * 8 * e.adder_tree_j[0] + 8 * w1 * e.precharge_lblb.energy_j +
      64 * 144 * (e.precharge_row_cycle.energy_j + e.wordline_dwl.energy_j) +
      64 * (144 * e.leakage_row_cycle.energy_j +
            8 * (e.leakage_tree_cycle.energy_j + e.leakage_accumulator_cycle.energy_j)) +
      64 * 8 * e.accumulate.energy_j;
  EXPECT_NEAR(none.energy.total_j, hand_j, kRelTol * hand_j);
  const double hand_tops_per_w = 2.0 * 144 * 8 / hand_j * 1e-12;
  EXPECT_NEAR(none.energy.tops_per_w, hand_tops_per_w, kRelTol * hand_tops_per_w);
  // Every activation bit at 1: the tree's inputs are the weight bits; GBLB rises once per row.
  EXPECT_EQ(all.counts.din_toggles, 144);
  EXPECT_NEAR(all.energy.dmult_j,
              (64 * 8 * 144 - 8 * w1) * e.dmult_w0.energy_j + 8 * w1 * e.dmult_w1_a1.energy_j,
              kRelTol * all.energy.dmult_j);
  EXPECT_GT(all.counts.accumulator_toggles, 0);
  // Random activations lie in between, block by block.
  for (auto block : {&EnergyBreakdown::dmult_j, &EnergyBreakdown::adder_tree_j,
                     &EnergyBreakdown::accumulate_j}) {
    EXPECT_LT(none.energy.*block, some.energy.*block);
    EXPECT_LT(some.energy.*block, all.energy.*block);
  }
  EXPECT_GT(some.energy.din_j, all.energy.din_j);  // random planes toggle, equal ones do not
  // What does not depend on the data: word lines, row precharge, leakage.
  EXPECT_DOUBLE_EQ(none.energy.wordline_j, all.energy.wordline_j);
  EXPECT_DOUBLE_EQ(none.energy.leakage_j, all.energy.leakage_j);
  EXPECT_DOUBLE_EQ(none.energy.precharge_j, all.energy.precharge_j);

  // Weights all 0: no LBLB falls, every D_MULT is a W = 0 one, whatever the activations.
  const std::vector<std::int32_t> no_weights(144 * 8, 0);
  const MacArray zero_w(s, macro, no_weights, 144, 8, 42);
  const PassEnergy zw = RunOnce(zero_w, ones, Mode::kDcim);
  EXPECT_EQ(zw.counts.digital_w1_rows, 0);
  EXPECT_NEAR(zw.energy.dmult_j, 64 * 8 * 144 * e.dmult_w0.energy_j, kRelTol * zw.energy.dmult_j);
  EXPECT_NEAR(zw.energy.precharge_j, 64 * 144 * e.precharge_row_cycle.energy_j,
              kRelTol * zw.energy.precharge_j);
}

// The line is a superposition over rows: each W = 1 row at DAC code c adds h(c), however the
// codes mix; the model counts the rows at each code. With a nonlinear h the code of an op
// depends on the mix, not only on the ideal fraction.
TEST(Mac, AnalogOpFollowsTheSuperpositionOfTheRows) {
  MacShape s = Shape(4, 1, false, 16, 1);
  calib::Macro macro = MacroFor(s);
  // h(c) grows as c^2 (a strongly nonlinear DAC) on a 1 V full scale; the ADC covers it all.
  for (std::size_t i = 0; i < macro.line.codes.size(); ++i) {
    const double x = macro.line.codes[i] / 15.0;
    macro.line.code_v[i] = x * x;
    macro.line.code_static_sigma_v[i] = 0.0;
  }
  for (int k = 1; k < 8; ++k) {
    macro.adc.transition_v[static_cast<std::size_t>(k - 1)] = k / 8.0;
  }
  const MacArray array(s, macro, std::vector<std::int32_t>(16, 1), 16, 1, 3);
  RunOptions o;
  o.boundary = 4;
  o.switches.dynamic_noise = false;
  o.switches.static_noise = false;
  const MacRunner runner(array, o);
  Rng noise(1);
  const auto code_of = [&](const std::vector<std::int64_t>& counts) {
    return runner.ConvertCode(0, 0, counts, noise);
  };
  std::vector<std::int64_t> counts(16, 0);
  // 16 rows at code 15: 1 V, the top code. 16 rows at code 7: (7/15)^2 = 0.218 V: code 1.
  counts[15] = 16;
  EXPECT_EQ(code_of(counts), 7);
  counts[15] = 0;
  counts[7] = 16;
  EXPECT_EQ(code_of(counts), 1);
  // 8 rows at 15 and 8 at 0 have the same ideal fraction as 16 at 7.5 but add 0.5 V: code 4.
  counts[7] = 0;
  counts[15] = 8;
  counts[0] = 8;
  EXPECT_EQ(code_of(counts), 4);
  // Bad counts are refused.
  ExpectUsageError([&] { runner.ConvertCode(0, 0, std::vector<std::int64_t>(15, 0), noise); },
                   "16 codes");
  counts[0] = 9;
  ExpectUsageError([&] { runner.ConvertCode(0, 0, counts, noise); }, "array has 16");
}

TEST(Mac, FastNormalHasUnitVariance) {
  Rng rng(1);
  FastNormal normal(rng);
  double sum = 0.0, sum_sq = 0.0;
  constexpr int kN = 400000;
  for (int n = 0; n < kN; ++n) {
    const double z = normal.Next();
    sum += z;
    sum_sq += z * z;
  }
  EXPECT_NEAR(sum / kN, 0.0, 0.01);
  EXPECT_NEAR(sum_sq / kN, 1.0, 0.01);
}

// --- bad input ----------------------------------------------------------------------------------

TEST(MacBad, WidthsOutsideOneToEight) {
  for (int bad : {0, 9, -1}) {
    ExpectUsageError([&] { ValidateShape(Shape(bad, 8, false)); },
                     "activation bits = " + std::to_string(bad));
    ExpectUsageError([&] { ValidateShape(Shape(8, bad, false)); }, "1..8");
  }
  ExpectUsageError([] { ValidateShape(Shape(8, 1, true)); }, "signed weights");
  MacShape s = Shape(8, 8, false);
  s.dac_bits = 3;
  ExpectUsageError([&] { ValidateShape(s); }, "analog window = 4");
  s = Shape(8, 8, false);
  s.rows = 0;
  ExpectUsageError([&] { ValidateShape(s); }, "rows = 0");
}

TEST(MacBad, BoundariesAndOseOptions) {
  const MacShape s = Shape(4, 4, false);
  ExpectUsageError([&] { ValidateRunOptions(s, RunOptions{.boundary = 8}); }, "B_D/A = 8");
  ExpectUsageError([&] { ValidateRunOptions(s, RunOptions{.boundary = -1}); }, "0..7");
  RunOptions o;
  o.mode = Mode::kOsaHcim;
  o.ose.candidates = {3, 2};
  o.ose.thresholds = {1};
  ExpectUsageError([&] { ValidateRunOptions(s, o); }, "strictly increasing");
  o.ose.candidates = {2, 9};
  ExpectUsageError([&] { ValidateRunOptions(s, o); }, "B_D/A candidate = 9");
  o.ose.candidates = {2, 3, 4};
  ExpectUsageError([&] { ValidateRunOptions(s, o); }, "needs 2 thresholds");
  o.ose.thresholds = {1, 5};
  ExpectUsageError([&] { ValidateRunOptions(s, o); }, "non-increasing");
  ExpectUsageError([] { ParseMode("fast"); }, "unknown mode 'fast'");
}

TEST(MacBad, OperandsOutsideTheirWidth) {
  const MacShape s = Shape(4, 4, true);
  auto w = RandomWeights(s, 10, 2, 1);
  w[3] = 8;
  ExpectUsageError([&] { MacArray(s, MacroFor(s), w, 10, 2, 1); }, "weight 3");
  w[3] = -9;
  ExpectUsageError([&] { MacArray(s, MacroFor(s), w, 10, 2, 1); }, "-8..7");
  w[3] = 0;
  ExpectUsageError([&] { MacArray(s, MacroFor(s), w, 9, 2, 1); }, "expected 18 weights");
  const MacArray array(s, MacroFor(s), w, 10, 2, 1);
  const MacRunner runner(array, RunOptions{.mode = Mode::kDcim});
  MacRunner::Workspace ws;
  Rng noise(1);
  std::vector<double> out(2);
  std::vector<std::int32_t> act(10, 1);
  act[7] = 16;
  ExpectUsageError([&] { runner.Run(act, noise, ws, out, nullptr); }, "activation 7 = 16");
  act[7] = -1;
  ExpectUsageError([&] { runner.Run(act, noise, ws, out, nullptr); }, "0..15");
  act.pop_back();
  ExpectUsageError([&] { runner.Run(act, noise, ws, out, nullptr); }, "expected 10 activations");
}

TEST(MacBad, AMacroOfAnotherCircuitIsRefused) {
  const MacShape s = Shape(8, 8, false);
  const auto w = RandomWeights(s, 16, 1, 1);
  MacShape other = s;
  other.adc_bits = 4;
  ExpectUsageError([&] { MacArray(s, MacroFor(other), w, 16, 1, 1); },
                   "ADC bits = 3 differs from the analytic macro's 4");
  other = s;
  other.rows = 16;
  ExpectUsageError([&] { MacArray(s, MacroFor(other), w, 16, 1, 1); },
                   "rows = 144 differs from the analytic macro's 16");
  calib::Macro macro = MacroFor(s);
  macro.adc.transition_static_sigma_v.resize(5);
  ExpectUsageError([&] { MacArray(s, macro, w, 16, 1, 1); }, "has 5 entries");
  macro = MacroFor(s);
  macro.line.codes.back() = 14;
  ExpectUsageError([&] { MacArray(s, macro, w, 16, 1, 1); }, "top code 15");
  macro = MacroFor(s);
  macro.line.code_v[3] = macro.line.code_v[2];
  ExpectUsageError([&] { MacArray(s, macro, w, 16, 1, 1); }, "does not increase");
  macro = MacroFor(s);
  macro.energy.adc_conversion.energy_j = -1.0;
  ExpectUsageError([&] { MacArray(s, macro, w, 16, 1, 1); }, "ADC conversion energy");
  calib::Geometry g;
  g.adc_bits = 0;
  ExpectUsageError([&] { calib::AnalyticMacro({.geometry = g}); }, "ADC bits = 0");
}

TEST(MacBad, ThresholdSearchInputs) {
  const std::vector<std::int64_t> sal = {1, 2, 3};
  const LossFn zero = [](std::span<const int>) { return 0.0; };
  ExpectUsageError([&] { FindThresholds(sal, 1, std::vector<double>{}, zero); }, "at least 2");
  ExpectUsageError([&] { FindThresholds(sal, 3, std::vector<double>{0.1}, zero); },
                   "expected 2 loss constraints");
  ExpectUsageError(
      [&] {
        FindThresholds(sal, 3, std::vector<double>{0.2, 0.1}, zero);
      },
      "non-decreasing");
  ExpectUsageError([&] { FindThresholds({}, 2, std::vector<double>{0.1}, zero); }, "non-empty");
  ExpectUsageError(
      [] {
        EvaluateSnr(MacArray(Shape(2, 2, false), MacroFor(Shape(2, 2, false)),
                             std::vector<std::int32_t>(4, 1), 4, 1, 1),
                    RunOptions{}, UniformInputs(2), {.samples = 0});
      },
      "sample count = 0");
}

TEST(MacBad, BoundaryRangeText) {
  const MacShape s = Shape(4, 4, false);
  EXPECT_EQ(ParseBoundaryRange("2-5", s), std::make_pair(2, 5));
  EXPECT_EQ(ParseBoundaryRange("7", s), std::make_pair(7, 7));
  for (const char* bad : {"5-3", "0-8", "-1", "a", "2-", "2-5x", ""}) {
    ExpectUsageError([&] { ParseBoundaryRange(bad, s); }, "0 <= B1 <= B2 <= 7");
  }
}

TEST(Mac, SweepWritesOneCsvLinePerBudgetRow) {
  const MacShape s = Shape(4, 4, false);
  const MacArray array(s, MacroFor(s), RandomWeights(s, 144, 8, 1), 144, 8, 1);
  const auto points = SweepBoundaries(Chips({array}), RunOptions{}, 3, 5, UniformInputs(4),
                                      {.samples = 64, .seed = 1});
  ASSERT_EQ(points.size(), 4u);  // DCIM + 3 boundaries
  const auto path = std::filesystem::temp_directory_path() / "cimchar_mac_sweep_test.csv";
  WriteSweepCsv(path, points);
  std::ifstream in(path);
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    ++lines;
  }
  EXPECT_EQ(lines, 1 + 1 + 3 * 12);  // header, DCIM, 3 boundaries x 12 budget rows
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  std::filesystem::remove(path);
  EXPECT_THROW(WriteSweepCsv("/nonexistent-dir/x.csv", points), Error);
}

// The read-back and the plan the exports show: each code reads back inside its own interval,
// the ideal fraction inverts the line, and DomainOf is the split Run counts.
TEST(Mac, ReadBackAndPlanAreTheOnesRunUses) {
  const MacShape s = Shape(8, 8, false);
  const calib::Macro macro = MacroFor(s);
  const MacArray array(s, macro, RandomWeights(s, 144, 8, 1), 144, 8, 1);
  const auto& t = macro.adc.transition_v;
  for (int code = 0; code < (1 << s.adc_bits); ++code) {
    const double x = array.CodeFraction(code);
    if (code > 0) {
      EXPECT_GT(x, array.IdealFraction(t[static_cast<std::size_t>(code - 1)])) << code;
    }
    if (code < static_cast<int>(t.size())) {
      EXPECT_LT(x, array.IdealFraction(t[static_cast<std::size_t>(code)])) << code;
    }
  }
  EXPECT_NEAR(array.IdealFraction(macro.line.UniformV(15, 72, 144)), 0.5, 1e-3);
  ExpectUsageError([&] { array.CodeFraction(1 << s.adc_bits); }, "ADC code 8");
  for (int b : {0, 5, 8, 15}) {
    RunOptions run;
    run.boundary = b;
    const MacRunner runner(array, run);
    int digital = 0;
    for (int i = 0; i < s.weight_bits; ++i) {
      for (int j = 0; j < s.activation_bits; ++j) {
        const auto d = runner.DomainOf(b, i, j);
        digital += d == MacRunner::Domain::kDigital ? 1 : 0;
        EXPECT_EQ(d == MacRunner::Domain::kDigital, i + j >= b) << b << " " << i << " " << j;
        EXPECT_EQ(d == MacRunner::Domain::kAnalog, i + j < b && i + j >= b - s.analog_window);
      }
    }
    const SnrResult r = EvaluateSnr(array, run, UniformInputs(8), {.samples = 2, .seed = 1});
    EXPECT_EQ(r.counts.digital_cycles, static_cast<std::int64_t>(digital) * s.columns * 2) << b;
  }
  const MacRunner runner(array, RunOptions{});
  ExpectUsageError([&] { runner.DomainOf(16, 0, 0); }, "B_D/A 16");
  ExpectUsageError([&] { runner.DomainOf(8, 8, 0); }, "weight bit 8");
}

// A batch's vector n is EvaluateSnr's sample n on the same data: the errors, the counts and the
// energy agree; threads change nothing; what the batch leaves out stays empty.
TEST(Batch, VectorNIsTheSnrsSampleN) {
  const MacShape s = Shape(8, 8, true);
  constexpr int kLength = 300;  // three row tiles
  constexpr int kOutputs = 12;  // two column tiles
  constexpr std::int64_t kVectors = 150;
  const calib::Macro macro = MacroFor(s);
  const std::vector<std::int32_t> weights = RandomWeights(s, kLength, kOutputs, 4);
  const MacArray array(s, macro, weights, kLength, kOutputs, 9);
  auto data = std::make_shared<std::vector<std::int32_t>>(kVectors * kLength);
  Rng rng(5);
  for (auto& v : *data) {
    v = static_cast<std::int32_t>(rng.Below(256));
  }
  RunOptions hcim;
  hcim.boundary = 7;
  const BatchResult one = EvaluateBatch(array, hcim, *data, kVectors, {.seed = 3, .threads = 1});
  const BatchResult two = EvaluateBatch(array, hcim, *data, kVectors, {.seed = 3, .threads = 2});
  EXPECT_EQ(one.values, two.values);
  EXPECT_EQ(one.counts.adc_conversions, two.counts.adc_conversions);
  const SnrResult snr = EvaluateSnr(array, hcim, DataInputs(data, kLength, 8),
                                    {.samples = kVectors, .seed = 3, .threads = 1});
  double sum_e2 = 0.0;
  for (std::size_t i = 0; i < one.values.size(); ++i) {
    const double e = one.values[i] - static_cast<double>(one.ideal[i]);
    sum_e2 += e * e;
    EXPECT_EQ(one.codes[i], std::llround(one.values[i]));
  }
  EXPECT_NEAR(sum_e2 / static_cast<double>(one.values.size()), snr.mse, kRelTol * snr.mse);
  EXPECT_NEAR(one.energy.total_j, snr.energy.total_j, kRelTol * snr.energy.total_j);
  EXPECT_EQ(one.counts.array_passes, kVectors * 3 * 2);
  EXPECT_EQ(one.passes, 6);
  for (std::int64_t n = 0; n < kVectors; ++n) {
    const auto v = static_cast<std::size_t>(n);
    const std::vector<std::int64_t> dot = Dot(
        std::vector<std::int32_t>(data->begin() + n * kLength, data->begin() + (n + 1) * kLength),
        weights, kOutputs);
    for (int c = 0; c < kOutputs; ++c) {
      ASSERT_EQ(one.ideal[v * kOutputs + c], dot[static_cast<std::size_t>(c)]) << n << " " << c;
    }
  }
  for (int b : one.boundaries) {
    EXPECT_EQ(b, 7);
  }
  const BatchResult lean =
      EvaluateBatch(array, hcim, *data, kVectors, {.seed = 3, .ideal = false, .passes = false});
  EXPECT_EQ(lean.values, one.values);
  EXPECT_TRUE(lean.ideal.empty() && lean.saliency.empty() && lean.boundaries.empty());
  const BatchResult other = EvaluateBatch(array, hcim, *data, kVectors, {.seed = 4});
  EXPECT_NE(other.values, one.values);  // the noise follows the seed
  ExpectUsageError([&] { EvaluateBatch(array, hcim, *data, kVectors + 1); }, "needs 45300 values");
  ExpectUsageError([&] { EvaluateBatch(array, hcim, {}, 0); }, "at least one vector");
}

TEST(Batch, OsaPassesReportTheirSaliencyAndBoundary) {
  const MacShape s = Shape(8, 8, false);
  const calib::Macro macro = MacroFor(s);
  const MacArray array(s, macro, RandomWeights(s, 144, 8, 2), 144, 8, 1);
  std::vector<std::int32_t> data(64 * 144);
  Rng rng(8);
  for (std::size_t n = 0; n < 64; ++n) {
    const auto top = 1u + static_cast<std::uint32_t>(n) * 4;  // growing saliency
    for (int r = 0; r < 144; ++r) {
      data[n * 144 + r] = static_cast<std::int32_t>(rng.Below(top));
    }
  }
  RunOptions osa;
  osa.mode = Mode::kOsaHcim;
  osa.ose.thresholds = {200, 150, 100, 50, 10};
  const BatchResult r = EvaluateBatch(array, osa, data, 64);
  const MacRunner runner(array, osa);
  MacRunner::Workspace w;
  std::vector<std::int64_t> saliency(1);
  std::vector<int> boundary(1);
  for (std::size_t n = 0; n < 64; ++n) {
    runner.Saliency(std::span(data).subspan(n * 144, 144), w, saliency, boundary);
    EXPECT_EQ(r.saliency[n], saliency[0]);
    EXPECT_EQ(r.boundaries[n], boundary[0]);
  }
  EXPECT_GT(r.boundaries.front(), r.boundaries.back());  // salient vectors run finer
}

TEST(Chips, ProgrammedChipsHoldTheSameWeightsAndDifferInStaticErrors) {
  const MacShape s = Shape(8, 8, true);
  const calib::Macro macro = MacroFor(s);
  const std::vector<std::int32_t> weights = RandomWeights(s, 144, 8, 6);
  const Chips chips = Chips::Programmed(s, macro, weights, 144, 8, 3, 10);
  ASSERT_EQ(chips.Count(), 3);
  std::vector<std::int32_t> act(144, 200);
  std::vector<std::int64_t> exact0(8), exact2(8);
  chips[0].Exact(act, exact0);
  chips[2].Exact(act, exact2);
  EXPECT_EQ(exact0, exact2);
  EXPECT_EQ(exact0, Dot(act, weights, 8));
  RunOptions hcim;
  hcim.switches.dynamic_noise = false;
  std::vector<double> out0(8), out2(8);
  MacRunner::Workspace w;
  Rng noise(1);
  MacRunner(chips[0], hcim).Run(act, noise, w, out0, nullptr);
  MacRunner(chips[2], hcim).Run(act, noise, w, out2, nullptr);
  EXPECT_NE(out0, out2);  // seeds 10 and 12: their own static errors
  const MacArray same(s, macro, weights, 144, 8, 12);
  std::vector<double> again(8);
  MacRunner(same, hcim).Run(act, noise, w, again, nullptr);
  EXPECT_EQ(again, out2);
  ExpectUsageError([&] { Chips::Programmed(s, macro, weights, 144, 8, 0, 1); }, "must be >= 1");
}

}  // namespace
}  // namespace cimchar::mac
