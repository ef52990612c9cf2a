// The model's noise against the tables it is built from: repeated conversions of one op on one
// chip spread by the dynamic sigma, the same op on many chips by the static sigma, and the SNR
// with one error source on equals its closed form. Only the public behaviour of src/mac is used
// (MacArray, MacRunner::Run and ConvertCode, EvaluateSnr, ErrorBudget, Chips), so the checks hold
// whatever the runner's internals.
//
// Sampled figures are accepted within kZ standard errors of their expectation. The seeds are
// fixed, so every result is one fixed number; a change of the random streams (another draw order
// in the runner) keeps a correct model inside with probability 1 - 6e-5 per check.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"
#include "mac/options.h"
#include "mac/random.h"

namespace cimchar::mac {
namespace {

constexpr double kZ = 4.0;

double Phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

struct Sample {
  double n = 0.0, sum = 0.0, sum2 = 0.0;
  void Add(double x) {
    n += 1.0;
    sum += x;
    sum2 += x * x;
  }
  double Mean() const { return sum / n; }
  // Sample standard deviation (n - 1).
  double Sd() const { return std::sqrt((sum2 - sum * sum / n) / (n - 1.0)); }
};

// --- one op, one chip and many chips -------------------------------------------------------------

// A 16-row, 16-column macro with an ideal 1 V line (code_v = c / 15 V, baseline 0) and sigmas
// that differ by code, so the model must take them at the op's fraction:
//   line dynamic sigma 0.3 mV + 0.6 mV x, line static sigma 1.0 mV + 1.0 mV x (x = c / 15),
//   comparator noise 0.4 mV (every transition's dynamic sigma), comparator offset 0.8 mV,
//   each transition's static sigma 1.281 mV (1.0 mV of its own beside the offset);
// a 3-bit ADC with a 30 mV LSB whose transition 4 lies `delta_v` below the op's line voltage.
constexpr int kRows = 16;
constexpr int kColumns = 16;
constexpr int kTop = 15;     // 4-bit DAC
constexpr int kOpRows = 14;  // the op: 14 rows with W = 1 at DAC code 6, the rest W = 0,
constexpr int kOpCode = 6;   // ideal fraction 84 / 240 = 0.35 of full scale
constexpr double kOpX = static_cast<double>(kOpRows * kOpCode) / (kRows * kTop);
constexpr double kLsbV = 0.030;
constexpr int kNearTransition = 4;  // transition k of T_1 .. T_7 that lies next to the op
constexpr double kLineDynamicV0 = 0.3e-3, kLineDynamicV1 = 0.6e-3;
constexpr double kLineStaticV0 = 1.0e-3, kLineStaticV1 = 1.0e-3;
constexpr double kComparatorNoiseV = 0.4e-3;
constexpr double kComparatorOffsetV = 0.8e-3;
constexpr double kTransitionOwnV = 1.0e-3;

MacShape OneOpShape() {
  MacShape s;
  s.rows = kRows;
  s.columns = kColumns;
  s.dac_bits = 4;
  s.analog_window = 4;
  s.adc_bits = 3;
  // 4-bit activations and 1-bit weights: at B_D/A = 4 every column is one analog op of the four
  // activation bits (the DAC code is the activation), nothing digital, nothing discarded.
  s.activation_bits = 4;
  s.weight_bits = 1;
  return s;
}

calib::Macro OneOpMacro(double delta_v) {
  calib::Macro m = calib::AnalyticMacro({.geometry = OneOpShape().geometry()});
  calib::LineTransfer& l = m.line;
  for (std::size_t i = 0; i < l.codes.size(); ++i) {
    const double x = static_cast<double>(l.codes[i]) / kTop;
    l.code_static_sigma_v[i] = kLineStaticV0 + kLineStaticV1 * x;
    l.code_dynamic_sigma_v[i] = kLineDynamicV0 + kLineDynamicV1 * x;
  }
  calib::AdcTransfer& a = m.adc;
  a.comparator_noise_sigma_v = kComparatorNoiseV;
  a.comparator_offset_sigma_v = kComparatorOffsetV;
  const double op_v = l.UniformV(kOpCode, kOpRows, kRows);
  for (int k = 1; k <= 7; ++k) {
    const auto i = static_cast<std::size_t>(k - 1);
    a.transition_v[i] = op_v - delta_v + (k - kNearTransition) * kLsbV;
    a.transition_static_sigma_v[i] = std::hypot(kComparatorOffsetV, kTransitionOwnV);
    a.transition_dynamic_sigma_v[i] = kComparatorNoiseV;
  }
  calib::ValidateMacro(m);
  return m;
}

// The line's sigmas at the op's fraction, straight from the values set above.
double LineDynamicAtOp() { return kLineDynamicV0 + kLineDynamicV1 * kOpX; }
double LineStaticAtOp() { return kLineStaticV0 + kLineStaticV1 * kOpX; }

std::vector<std::int32_t> OpActivations() {
  std::vector<std::int32_t> act(kRows, 0);
  for (int r = 0; r < kOpRows; ++r) {
    act[static_cast<std::size_t>(r)] = kOpCode;
  }
  return act;
}

std::vector<std::int64_t> OpRowsAtCode() {
  std::vector<std::int64_t> rows(kTop + 1, 0);
  rows[kOpCode] = kOpRows;
  return rows;
}

MacArray OneOpArray(const calib::Macro& macro, std::uint64_t chip_seed) {
  return MacArray(OneOpShape(), macro, std::vector<std::int32_t>(kRows * kColumns, 1), kRows,
                  kColumns, chip_seed);
}

RunOptions OneOpOptions(bool dynamic, bool static_noise, bool quantization) {
  RunOptions o;
  o.mode = Mode::kHcim;
  o.boundary = 4;
  o.switches = {.dynamic_noise = dynamic,
                .static_noise = static_noise,
                .quantization = quantization,
                .discard = true};
  return o;
}

// Volts per unit of the op's output (rows x DAC code) on the macro's line.
double VoltsPerCount(const calib::Macro& m) {
  return (m.line.code_v.back() - m.line.code_v.front()) / (kRows * kTop);
}

// The expected ADC code when the line input is the op's voltage plus a normal error and
// transition k sits at T_k with a normal error, sigma_k the combined spread of (input - T_k):
// E[code] = sum over k of P(input >= T_k), exact whatever the errors' correlation.
double ExpectedCode(const calib::Macro& m, const std::vector<double>& sigma_k) {
  const double op_v = m.line.UniformV(kOpCode, kOpRows, kRows);
  double code = 0.0;
  for (std::size_t k = 0; k < m.adc.transition_v.size(); ++k) {
    code += Phi((op_v - m.adc.transition_v[k]) / sigma_k[k]);
  }
  return code;
}

// Repeated conversions of one op on one chip: the line voltage spreads by the line's dynamic
// sigma at the op's fraction combined with the comparator's noise, 0.648 mV here, and the code
// follows a normal of that sigma through the transitions (0.0216 LSB, the op 0.6 mV above
// transition 4). 32000 conversions: the volts' sigma is checked to +-1.6 %, the fraction of codes
// above transition 4 to +-0.009 (a 4 % change of sigma); both reject a sigma 10 % off.
TEST(MacNoise, RepeatedConversionsSpreadByTheDynamicSigma) {
  constexpr int kRounds = 2000;
  constexpr double kDeltaV = 0.6e-3;
  const calib::Macro macro = OneOpMacro(kDeltaV);
  const double sigma_v = std::hypot(LineDynamicAtOp(), kComparatorNoiseV);
  const MacArray array = OneOpArray(macro, 7);

  // Volts: infinite ADC resolution, so the output is the line voltage read back.
  const MacRunner volts(array, OneOpOptions(true, false, false));
  MacRunner::Workspace ws;
  Rng noise(11);
  std::vector<double> out(kColumns);
  Sample v;
  const auto act = OpActivations();
  for (int n = 0; n < kRounds; ++n) {
    volts.Run(act, noise, ws, out, nullptr);
    for (double y : out) {
      v.Add((y - kOpRows * kOpCode) * VoltsPerCount(macro));
    }
  }
  const double se_sd = sigma_v / std::sqrt(2.0 * (v.n - 1.0));
  EXPECT_NEAR(v.Sd(), sigma_v, kZ * se_sd)
      << "dynamic sigma " << v.Sd() * 1e3 << " mV, table " << sigma_v * 1e3 << " mV";
  EXPECT_NEAR(v.Mean(), 0.0, kZ * sigma_v / std::sqrt(v.n)) << "per-conversion noise has a bias";
  // The same band rejects a sigma 10 % off.
  EXPECT_GT(std::abs(v.Sd() - 1.1 * sigma_v), kZ * se_sd);

  // LSB: the codes of the same conversions through the ADC.
  const MacRunner codes(array, OneOpOptions(true, false, true));
  const std::vector<std::int64_t> rows_at_code = OpRowsAtCode();
  Sample c;
  for (int n = 0; n < kRounds; ++n) {
    for (int col = 0; col < kColumns; ++col) {
      c.Add(codes.ConvertCode(0, col, rows_at_code, noise));
    }
  }
  const std::vector<double> sigma_k(7, sigma_v);
  const double expected = ExpectedCode(macro, sigma_k);
  const double se_mean = c.Sd() / std::sqrt(c.n);
  EXPECT_NEAR(c.Mean(), expected, kZ * se_mean)
      << "sigma " << sigma_v / macro.adc.LsbV() << " LSB: expected mean code " << expected;
  EXPECT_GT(std::abs(c.Mean() - ExpectedCode(macro, std::vector<double>(7, 1.1 * sigma_v))),
            kZ * se_mean);
}

// The same op on 8000 column instances (500 chips x 16 columns, each with its own static draw):
// the line voltage spreads by the line's static sigma at the op's fraction combined with the
// comparator offset, 1.569 mV here; through the ADC each transition adds its own deviation, so
// (input - T_4) spreads by sqrt(line^2 + transition 4's static sigma^2) = 1.861 mV (0.062 LSB),
// the op 1.8 mV above T_4. The volts' sigma is checked to +-3.2 % (rejecting a sigma 10 % off),
// the code to about a 7 % change of sigma (rejecting the spread without the transitions' own).
TEST(MacNoise, TheSameOpOnManyChipsSpreadsByTheStaticSigma) {
  constexpr int kChips = 500;
  constexpr double kDeltaV = 1.8e-3;
  const calib::Macro macro = OneOpMacro(kDeltaV);
  const double sigma_v = std::hypot(LineStaticAtOp(), kComparatorOffsetV);
  std::vector<double> sigma_k;
  for (double t : macro.adc.transition_static_sigma_v) {
    sigma_k.push_back(std::hypot(LineStaticAtOp(), t));
  }
  Sample v, c;
  MacRunner::Workspace ws;
  Rng noise(12);
  std::vector<double> out(kColumns);
  const auto act = OpActivations();
  const std::vector<std::int64_t> rows_at_code = OpRowsAtCode();
  for (int chip = 0; chip < kChips; ++chip) {
    const MacArray array = OneOpArray(macro, 1000 + static_cast<std::uint64_t>(chip));
    const MacRunner volts(array, OneOpOptions(false, true, false));
    volts.Run(act, noise, ws, out, nullptr);
    for (double y : out) {
      v.Add((y - kOpRows * kOpCode) * VoltsPerCount(macro));
    }
    const MacRunner codes(array, OneOpOptions(false, true, true));
    for (int col = 0; col < kColumns; ++col) {
      c.Add(codes.ConvertCode(0, col, rows_at_code, noise));
    }
  }
  const double se_sd = sigma_v / std::sqrt(2.0 * (v.n - 1.0));
  EXPECT_NEAR(v.Sd(), sigma_v, kZ * se_sd)
      << "static sigma " << v.Sd() * 1e3 << " mV, table " << sigma_v * 1e3 << " mV";
  EXPECT_NEAR(v.Mean(), 0.0, kZ * sigma_v / std::sqrt(v.n)) << "the chips' errors have a bias";
  EXPECT_GT(std::abs(v.Sd() - 1.1 * sigma_v), kZ * se_sd);

  const double expected = ExpectedCode(macro, sigma_k);
  const double se_mean = c.Sd() / std::sqrt(c.n);
  EXPECT_NEAR(c.Mean(), expected, kZ * se_mean) << "sigma at T_4 " << sigma_k[3] / macro.adc.LsbV()
                                                << " LSB: expected mean code " << expected;
  // Without the transitions' own deviations (only line and offset) the code would differ.
  EXPECT_GT(std::abs(c.Mean() - ExpectedCode(macro, std::vector<double>(7, sigma_v))),
            kZ * se_mean);
}

// The ADC tables give each transition a dynamic sigma (adc/transition_v/dynamic_sigma) that holds
// more than the comparator's noise: the kT/C of the top plate and of the reference side (in the
// repository's results/lut/adc.h5 at 0.6 V and 1.0 V: 0.870 mV per transition against 0.720 mV
// of comparator noise). A conversion spreads by the line's dynamic sigma combined with the
// transitions' (calib::AdcTransfer::ConversionNoiseSigmaV), not the comparator's alone (0.51 mV
// line: 0.648 mV with the comparator's, 0.787 mV with the transitions').
TEST(MacNoise, ConversionsSpreadByTheTransitionsDynamicSigma) {
  constexpr int kRounds = 2000;
  calib::Macro macro = OneOpMacro(0.6e-3);
  constexpr double kTransitionDynamicV = 0.6e-3;  // beside 0.4 mV of comparator noise
  for (double& s : macro.adc.transition_dynamic_sigma_v) {
    s = kTransitionDynamicV;
  }
  const double sigma_v = std::hypot(LineDynamicAtOp(), kTransitionDynamicV);
  const MacArray array = OneOpArray(macro, 7);
  const MacRunner codes(array, OneOpOptions(true, false, true));
  const std::vector<std::int64_t> rows_at_code = OpRowsAtCode();
  Rng noise(13);
  Sample c;
  for (int n = 0; n < kRounds; ++n) {
    for (int col = 0; col < kColumns; ++col) {
      c.Add(codes.ConvertCode(0, col, rows_at_code, noise));
    }
  }
  const double expected = ExpectedCode(macro, std::vector<double>(7, sigma_v));
  EXPECT_NEAR(c.Mean(), expected, kZ * c.Sd() / std::sqrt(c.n))
      << "expected a spread of " << sigma_v * 1e3 << " mV per conversion";
}

// --- the SNR with one error source on ------------------------------------------------------------

// 8b x 8b operands on the OSA-HCIM geometry (144 rows, 8 columns, 4-bit DAC, 4-order window) of
// the analytic macro: an ideal 1 V line whose dynamic sigma (1.01 mV) and static sigma (10 mV)
// are the same at every code, 1 mV of comparator noise and 2 mV of comparator offset.
constexpr int kLength = 144;

struct OneSourceCase {
  bool signed_weights;
  int boundary;
};

std::string Name(const OneSourceCase& c) {
  return std::string(c.signed_weights ? "signed" : "unsigned") + " weights, B_D/A " +
         std::to_string(c.boundary);
}

MacShape SnrShape(bool signed_weights) {
  MacShape s;
  s.signed_weights = signed_weights;
  return s;
}

// The signed value of weight bits `bits` (two's complement when signed).
int WeightValue(const MacShape& s, int bits) {
  return s.signed_weights && ((bits >> (s.weight_bits - 1)) & 1) ? bits - (1 << s.weight_bits)
                                                                 : bits;
}
double BitSign(const MacShape& s, int i) {
  return s.signed_weights && i == s.weight_bits - 1 ? -1.0 : 1.0;
}

// Closed forms over uniform operands (every bit 1 with probability 1/2, rows independent), from
// the split of output orders k = i + j: digital k >= B, analog B - W <= k < B (weight bit i's op
// converts activation bits lo_i .. hi_i through the DAC's top bits), discarded k < B - W.
struct ClosedForm {
  double var_y = 0.0;        // Var(y), y the ideal output
  double mse_dynamic = 0.0;  // E[e^2] with only the dynamic noise on
  double mse_static = 0.0;   // with only the static noise on (quantization off)
  double mse_discard = 0.0;  // with only the discard on
};

ClosedForm Closed(const MacShape& s, const calib::Macro& m, int boundary) {
  ClosedForm f;
  const int window = s.analog_window;
  // One row: y = a w and the discarded part t, over every pair of operand values.
  double ey = 0, ey2 = 0, et = 0, et2 = 0;
  const int a_levels = 1 << s.activation_bits;
  const int w_levels = 1 << s.weight_bits;
  for (int a = 0; a < a_levels; ++a) {
    for (int w = 0; w < w_levels; ++w) {
      const double y = static_cast<double>(a) * WeightValue(s, w);
      double t = 0;
      for (int i = 0; i < s.weight_bits; ++i) {
        for (int j = 0; j < s.activation_bits; ++j) {
          if (i + j < boundary - window && ((w >> i) & 1) && ((a >> j) & 1)) {
            t += BitSign(s, i) * std::ldexp(1.0, i + j);
          }
        }
      }
      ey += y;
      ey2 += y * y;
      et += t;
      et2 += t * t;
    }
  }
  const double pairs = static_cast<double>(a_levels) * w_levels;
  ey /= pairs;
  ey2 /= pairs;
  et /= pairs;
  et2 /= pairs;
  f.var_y = kLength * (ey2 - ey * ey);
  f.mse_discard = kLength * (et2 - et * et) + (kLength * et) * (kLength * et);

  // An op's line error of e volts is e / FS of full scale, i.e. e / FS x rows x (2^d - 1) DAC
  // counts; the op's n bits drive the DAC's top bits, one count of the op is 2^(d - n) DAC counts,
  // and the op's result weighs s_i 2^(i + lo) in the output.
  const double full_scale_v = m.FullScaleV() - m.line.code_v.front();
  const int dac_top = (1 << s.dac_bits) - 1;
  double sum_k2 = 0.0, sum_signed_k = 0.0;
  for (int i = 0; i < s.weight_bits; ++i) {
    const int lo = std::max(0, boundary - window - i);
    const int hi = std::min(s.activation_bits - 1, boundary - 1 - i);
    if (lo > hi) {
      continue;
    }
    const int n = hi - lo + 1;
    const double k =
        std::ldexp(1.0, i + lo) * s.rows * dac_top / full_scale_v / std::ldexp(1.0, s.dac_bits - n);
    sum_k2 += k * k;
    sum_signed_k += BitSign(s, i) * k;
  }
  // The analytic macro's sigmas are the same at every code: no dependence on the op's fraction.
  const double dynamic_v =
      std::hypot(m.line.code_dynamic_sigma_v.front(), m.adc.comparator_noise_sigma_v);
  const double static_v =
      std::hypot(m.line.code_static_sigma_v.front(), m.adc.comparator_offset_sigma_v);
  // Per-conversion noise is independent op by op; the static error is one draw per column that
  // every op of the column shares.
  f.mse_dynamic = dynamic_v * dynamic_v * sum_k2;
  f.mse_static = static_v * static_v * sum_signed_k * sum_signed_k;
  return f;
}

double Db(double signal, double noise) { return 10.0 * std::log10(signal / noise); }

// The error budget's single-source rows: each error source alone.
struct OneSource {
  const char* name;  // the budget row
  ErrorSwitches switches;
  double ClosedForm::*mse;
};
const std::vector<OneSource>& OneSources() {
  static const std::vector<OneSource> sources = {{"dynamic noise only",
                                                  {.dynamic_noise = true,
                                                   .static_noise = false,
                                                   .quantization = false,
                                                   .discard = false,
                                                   .transfer = false},
                                                  &ClosedForm::mse_dynamic},
                                                 {"static noise only",
                                                  {.dynamic_noise = false,
                                                   .static_noise = true,
                                                   .quantization = false,
                                                   .discard = false,
                                                   .transfer = false},
                                                  &ClosedForm::mse_static},
                                                 {"discard only",
                                                  {.dynamic_noise = false,
                                                   .static_noise = false,
                                                   .quantization = false,
                                                   .discard = true,
                                                   .transfer = false},
                                                  &ClosedForm::mse_discard}};
  return sources;
}

// The SNR with one error source on (dynamic noise, static noise, the discarded orders) over 64
// chips of 144 x 64 weights (4096 weight columns, 16 vectors each) against the closed forms, for
// unsigned and signed weights at B_D/A 6, 8 and 10. The band is the figure's 95 % interval over
// the chips (about 3.9 standard errors wide, so |model - closed form| <= its width is a 3.9-sigma
// band). Its width must stay below kMaxWidthDb (measured over several seeds: 0.24 to 0.45 dB,
// static noise 0.42 to 0.66 dB), so the band rejects any model whose error rms is 20 % off the
// closed form's (1.6 dB; at the widths measured, about 8 % off).
TEST(MacNoise, OneSourceSnrIsItsClosedForm) {
  constexpr int kChips = 64;
  constexpr int kOutputs = 64;
  constexpr double kMaxWidthDb = 0.8;
  const double off_db = Db(1.0, 1.2 * 1.2);
  for (const OneSourceCase& c :
       {OneSourceCase{false, 6}, OneSourceCase{false, 8}, OneSourceCase{false, 10},
        OneSourceCase{true, 6}, OneSourceCase{true, 8}, OneSourceCase{true, 10}}) {
    const MacShape s = SnrShape(c.signed_weights);
    const calib::Macro macro = calib::AnalyticMacro({.geometry = s.geometry()});
    const ClosedForm f = Closed(s, macro, c.boundary);
    const Chips chips = Chips::Random(s, macro, kLength, kOutputs, kChips, 100);
    for (const OneSource& source : OneSources()) {
      RunOptions o;
      o.mode = Mode::kHcim;
      o.boundary = c.boundary;
      o.switches = source.switches;
      const SnrResult r = EvaluateSnr(chips, o, UniformInputs(s.activation_bits),
                                      {.samples = 16 * kChips, .seed = 21});
      const double closed_db = Db(f.var_y, f.*source.mse);
      const double width = r.snr_hi_db - r.snr_lo_db;
      SCOPED_TRACE(Name(c) + ", " + source.name + ": model " + std::to_string(r.snr_db) + " dB [" +
                   std::to_string(r.snr_lo_db) + ", " + std::to_string(r.snr_hi_db) +
                   "], closed form " + std::to_string(closed_db) + " dB");
      EXPECT_EQ(r.chips, kChips);
      EXPECT_LE(width, kMaxWidthDb);
      EXPECT_NEAR(r.snr_db, closed_db, width);
      EXPECT_GT(std::abs(r.snr_db - (closed_db + off_db)), width);
      EXPECT_GT(std::abs(r.snr_db - (closed_db - off_db)), width);
    }
  }
}

// ErrorBudget's single-source rows are those evaluations: same switches, same streams, the same
// figures to the bit.
TEST(MacNoise, TheBudgetsSingleSourceRowsAreTheOneSourceRuns) {
  const MacShape s = SnrShape(true);
  const calib::Macro macro = calib::AnalyticMacro({.geometry = s.geometry()});
  const Chips chips = Chips::Random(s, macro, kLength, 8, 2, 5);
  RunOptions o;
  o.boundary = 8;
  const EvalOptions eval{.samples = 64, .seed = 3};
  const auto rows = ErrorBudget(chips, o, UniformInputs(s.activation_bits), eval);
  for (const OneSource& source : OneSources()) {
    const auto row = std::find_if(rows.begin(), rows.end(),
                                  [&](const BudgetRow& b) { return b.name == source.name; });
    ASSERT_NE(row, rows.end()) << source.name;
    o.switches = source.switches;
    const SnrResult r = EvaluateSnr(chips, o, UniformInputs(s.activation_bits), eval);
    EXPECT_EQ(row->result.mse, r.mse) << source.name;
    EXPECT_EQ(row->result.var_ideal, r.var_ideal) << source.name;
  }
}

}  // namespace
}  // namespace cimchar::mac
