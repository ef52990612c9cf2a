// The validation's statistics: each estimator against answers computed by hand on small fixed
// data sets (the probit fit, the pooled sigma ratio and mean shift, the percentile interval, the
// decision and its dies-to-decide figure, the permutation p-value, the MAC-output SNR), and the
// comparison's teeth: the model against itself on other chip instances passes, while a per-code
// perturbation of the model misses at that code (and a doubled sigma or a whole-transfer shift
// misses). No ngspice.
#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "core/error.h"
#include "mac/random.h"
#include "validate/statistics.h"
#include "validate/validate.h"
#include "validate/vectors.h"

namespace cimchar::validate {
namespace {

constexpr double kTight = 1e-9;

// ---- estimators against hand values -----------------------------------------------------

// Two inputs, a quarter and three quarters of the trials above: the probit goes through both
// points, Phi((-1 - mu) / sigma) = 1/4 and Phi((1 - mu) / sigma) = 3/4, so mu = 0 and
// sigma = 1 / z(0.75) = 1 / 0.6744897501960817.
TEST(ValidateEstimators, TheProbitFitThroughTwoPointsIsExact) {
  const ProbitFit f = FitProbit({-1.0, 1.0}, {1.0, 3.0}, {4.0, 4.0});
  EXPECT_NEAR(f.mu, 0.0, 1e-7);
  EXPECT_NEAR(f.sigma, 1.0 / 0.6744897501960817, 1e-7);
  EXPECT_TRUE(f.resolved);
}

// Counts drawn exactly from Phi((u - 2.3) / 0.4) at five inputs (a million trials each, rounded)
// give back mu = 2.3 and sigma = 0.4.
TEST(ValidateEstimators, TheProbitFitFindsTheTransitionItWasDrawnFrom) {
  std::vector<double> u = {1.6, 2.0, 2.3, 2.6, 3.0}, ones, trials;
  for (double x : u) {
    trials.push_back(1e6);
    ones.push_back(std::round(1e6 * 0.5 * std::erfc(-(x - 2.3) / 0.4 / std::sqrt(2.0))));
  }
  const ProbitFit f = FitProbit(u, ones, trials);
  EXPECT_NEAR(f.mu, 2.3, 1e-4);
  EXPECT_NEAR(f.sigma, 0.4, 1e-4);
}

// None of four trials above at u = 0.85, two of four at u = 1.15: a step at 1.15 explains both
// (Phi(0) = 1/2), so sigma is not determined from below and the fit says so.
TEST(ValidateEstimators, AStepThatFitsAsWellLeavesSigmaUnresolved) {
  EXPECT_FALSE(FitProbit({0.85, 1.15}, {0.0, 2.0}, {4.0, 4.0}).resolved);
  // With a third input that needs a slope, it is resolved.
  EXPECT_TRUE(FitProbit({0.85, 1.15, 1.45}, {0.0, 2.0, 3.0}, {4.0, 4.0, 4.0}).resolved);
}

// Every instance below 0.5 at u = 0 and above at u = 1: the data separate, sigma is not
// determined (held at the lower bound) and mu lies in the gap.
TEST(ValidateEstimators, SeparatedDataAreFlaggedUnresolved) {
  const ProbitFit f = FitProbit({0.0, 1.0}, {0.0, 5.0}, {5.0, 5.0});
  EXPECT_FALSE(f.resolved);
  EXPECT_NEAR(f.sigma, kMinProbitSigma, 1e-6);
  EXPECT_GT(f.mu, 0.0);
  EXPECT_LT(f.mu, 1.0);
  EXPECT_THROW(FitProbit({0.0}, {0.0, 1.0}, {1.0}), UsageError);
  EXPECT_THROW(FitProbit({0.0}, {0.0}, {0.0}), UsageError);
}

// Four vectors at ideal lines 0.5 .. 3.5 (ideal codes 0 .. 3). SPICE: die 0 converts every one
// right, die 1 is one code high at vectors 0 and 3: errors 0 0 0 0 1 0 0 1, mean 1/4,
// sigma sqrt(1/4 - 1/16) = 0.4330127. Model: chip 0 one high at vector 1, chip 1 one low there:
// mean 0, sigma sqrt(2/8) = 1/2. Ratio 0.5 / 0.4330127 = 1.1547005, mean shift -0.25.
TEST(ValidateEstimators, PooledMeanAndSigmaRatioByHand) {
  const std::vector<double> u = {0.5, 1.5, 2.5, 3.5};
  const CodeTable spice = {{0, 1, 2, 3}, {1, 1, 2, 4}};
  const CodeTable model = {{0, 2, 2, 3}, {0, 0, 2, 3}};
  const CodeComparison c = CompareCodes(u, 3, spice, model, {}, {.bootstrap = 200});
  const PooledComparison& p = c.pooled;
  EXPECT_EQ(p.spice.conversions, 8);
  EXPECT_NEAR(p.spice.error_mean, 0.25, kTight);
  EXPECT_NEAR(p.spice.error_sigma, std::sqrt(0.1875), kTight);
  EXPECT_NEAR(p.model.error_mean, 0.0, kTight);
  EXPECT_NEAR(p.model.error_sigma, 0.5, kTight);
  EXPECT_NEAR(p.sigma_ratio.figure.value, 0.5 / std::sqrt(0.1875), kTight);
  EXPECT_NEAR(p.mean_shift.figure.value, -0.25, kTight);
  // Per instance: SPICE means 0 and 1/2 (spread 0.3535534), sigmas 0 and 1/2.
  EXPECT_NEAR(p.spice.die_mean_mean, 0.25, kTight);
  EXPECT_NEAR(p.spice.die_mean_sigma, std::sqrt(0.125), kTight);
  EXPECT_NEAR(p.spice.die_sigma_mean, 0.25, kTight);
  EXPECT_EQ(p.spice.histogram.at(0), 6);
  EXPECT_EQ(p.spice.histogram.at(1), 2);
  // The mask leaves vector 3 out: SPICE's errors 0 0 0 1 0 0, mean 1/6.
  const CodeComparison masked =
      CompareCodes(u, 3, spice, model, {true, true, true, false}, {.bootstrap = 200});
  EXPECT_NEAR(masked.pooled.spice.error_mean, 1.0 / 6.0, kTight);
  EXPECT_EQ(masked.pooled.vectors, 3);
}

// The percentile interval of 1000 draws 1 .. 1000 is [draw 25, draw 975] = [26, 976].
TEST(ValidateEstimators, ThePercentileIntervalByHand) {
  std::vector<double> draws;
  for (int k = 1000; k >= 1; --k) {
    draws.push_back(k);
  }
  draws.push_back(std::nan(""));  // a failed resampling is left out
  const Estimate e = PercentileInterval(500.0, draws);
  EXPECT_EQ(e.value, 500.0);
  EXPECT_EQ(e.lo, 26.0);
  EXPECT_EQ(e.hi, 976.0);
}

// Ten dies with lines 0 and 1 V in turn against a model line of 0.5 V (LSB 1 V): the bootstrap
// mean of ten draws is a binomial(10, 1/2) / 10, whose 2.5 % and 97.5 % quantiles are 0.2 and
// 0.8, so the difference is 0 [-0.3, +0.3] LSB: INCONCLUSIVE against 0.1 LSB. Its variance is
// 1/40; with the model exact, deciding needs 1.96 sqrt(10 / 40 / n) < 0.1, about 97 dies. Two
// dies decide nothing, whatever their interval.
TEST(ValidateEstimators, TheLineDecisionByHand) {
  std::vector<std::vector<double>> dies;
  for (int d = 0; d < 10; ++d) {
    dies.push_back({static_cast<double>(d % 2)});
  }
  const auto d = CompareLineVectors({0}, {0.5}, dies, 1.0, {.bootstrap = 4000});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].dies, 10);
  EXPECT_NEAR(d[0].spice_v.value, 0.5, kTight);
  EXPECT_NEAR(d[0].spice_v.lo, 0.2, kTight);
  EXPECT_NEAR(d[0].spice_v.hi, 0.8, kTight);
  EXPECT_NEAR(d[0].diff_lsb.figure.value, 0.0, kTight);
  EXPECT_EQ(d[0].diff_lsb.verdict, Verdict::kInconclusive);
  EXPECT_NEAR(static_cast<double>(d[0].diff_lsb.dies_to_decide), 97.0, 8.0);
  const auto two = CompareLineVectors({0}, {0.5}, {{0.5}, {0.5}}, 1.0);
  EXPECT_EQ(two[0].diff_lsb.verdict, Verdict::kInconclusive);  // exact, but two dies
  EXPECT_NE(two[0].diff_lsb.note.find("at least 10"), std::string::npos);
  // A die list without the vector, or a zero LSB, is refused.
  EXPECT_THROW(CompareLineVectors({1}, {0.5}, {{0.0}}, 1.0), UsageError);
  EXPECT_THROW(CompareLineVectors({0}, {0.5}, {{0.0}}, 0.0), UsageError);
}

// PASS inside, MISS wholly outside, INCONCLUSIVE across an edge; the dies that would decide:
// estimate 0.10, edge 0.15 at 0.05, SPICE variance 0.0064 at 20 dies, model variance 0:
// 20 x 0.0064 / (0.05 / 1.959964)^2 = 196.7, so 197 dies.
TEST(ValidateEstimators, DecisionsOnIntervalsByHand) {
  EXPECT_EQ(Decide({0.0, -0.1, 0.1}, -0.15, 0.15, 0.0, 0.0, 20, false).verdict, Verdict::kPass);
  EXPECT_EQ(Decide({0.3, 0.2, 0.4}, -0.15, 0.15, 0.0, 0.0, 20, false).verdict, Verdict::kMiss);
  const Decision d = Decide({0.1, -0.05, 0.25}, -0.15, 0.15, 0.0064, 0.0, 20, false);
  EXPECT_EQ(d.verdict, Verdict::kInconclusive);
  EXPECT_EQ(d.dies_to_decide, 197);
  // When the model side's own variance already spans the edge, dies alone do not decide.
  EXPECT_EQ(Decide({0.1, -0.05, 0.25}, -0.15, 0.15, 0.0064, 0.001, 20, false).dies_to_decide, 0);
  // A ratio decides on the log scale: 1.2 [1.05, 1.4] against 0.8 .. 1.25, edge log(1.25/1.2);
  // SPICE log-variance 0.005 at 20 dies: 20 x 0.005 / (0.0408220 / 1.959964)^2 = 230.5 -> 231.
  const Decision r = Decide({1.2, 1.05, 1.4}, 0.8, 1.25, 0.005, 0.0, 20, true);
  EXPECT_EQ(r.verdict, Verdict::kInconclusive);
  EXPECT_EQ(r.dies_to_decide, 231);
  EXPECT_EQ(Decide({0.15, 0.1, 0.2}, -0.15, 0.15, 0.01, 0.0, 20, false).dies_to_decide, -1);
}

// Two SPICE dies with every error 0, two model chips with every error +1: the chi-square
// distance between the proportions is (1 - 0)^2 / 1 + (0 - 1)^2 / 1 = 2. Exchanging whole
// instances, 2 of the 6 splits of four instances into two pairs are as far apart (the observed one
// and its mirror), so p is about 1/3.
TEST(ValidateEstimators, ThePermutationPValueByHand) {
  const std::vector<double> u = {0.5, 1.5, 2.5, 3.5};
  const CodeTable spice = {{0, 1, 2, 3}, {0, 1, 2, 3}};
  const CodeTable model = {{1, 2, 3, 4}, {1, 2, 3, 4}};
  const CodeComparison c = CompareCodes(u, 3, spice, model, {}, {.bootstrap = 100});
  EXPECT_NEAR(c.pooled.chi2, 2.0, kTight);
  EXPECT_EQ(c.pooled.chi2_bins, 2);
  EXPECT_NEAR(c.pooled.chi2_p, 1.0 / 3.0, 0.04);  // 2000 exchanges: binomial sd 0.011
}

// MAC outputs 10 and -10 against a signal variance of 100. SPICE: ten dies, errors +-1 and +-3 in
// turn: the squared errors pool to (5 x 2 + 5 x 18) / 20 = 5, SNR 10 log10(100 / 5) = 13.0103 dB
// (the mean of the dies' own SNRs would be 1.25 dB higher). Model: every chip +-2, SNR
// 10 log10(100 / 4) = 13.9794 dB, an exact interval; the difference +0.969 dB. A failed output
// (NaN) is left out of its instance's mean.
TEST(ValidateEstimators, TheMacOutputSnrByHand) {
  MacOutputs o;
  o.boundary = 6;
  o.ideal = {10.0, -10.0};
  o.signal_variance = 100.0;
  for (int d = 0; d < 10; ++d) {
    const double e = d % 2 == 0 ? 1.0 : 3.0;
    o.spice.push_back({10.0 + e, -10.0 - e});
    o.model.push_back({12.0, -12.0});
  }
  const SnrComparison c = CompareSnr(o, {.bootstrap = 2000});
  EXPECT_EQ(c.boundary, 6);
  EXPECT_EQ(c.outputs, 2);
  EXPECT_NEAR(c.spice_db.value, 10.0 * std::log10(20.0), kTight);
  EXPECT_NEAR(c.model_db.value, 10.0 * std::log10(25.0), kTight);
  EXPECT_NEAR(c.model_db.lo, c.model_db.value, kTight);
  EXPECT_NEAR(c.model_db.hi, c.model_db.value, kTight);
  EXPECT_NEAR(c.diff_db.figure.value, 10.0 * std::log10(5.0 / 4.0), kTight);
  // The dies differ, so SPICE's interval has width, within what all-small or all-large dies give.
  EXPECT_LT(c.spice_db.lo, c.spice_db.value - 0.3);
  EXPECT_GT(c.spice_db.hi, c.spice_db.value + 0.3);
  EXPECT_GT(c.spice_db.lo, 10.0 * std::log10(100.0 / 9.0));
  EXPECT_LT(c.spice_db.hi, 20.0);

  // Every die +-sqrt(5): the same SNR, exact: PASS at 0.969 dB, MISS at +-2.5 (1.938 dB).
  MacOutputs exact = o;
  for (auto& die : exact.spice) {
    die = {10.0 + std::sqrt(5.0), -10.0 - std::sqrt(5.0)};
  }
  EXPECT_EQ(CompareSnr(exact).diff_db.verdict, Verdict::kPass);
  MacOutputs far = o;
  for (auto& die : far.spice) {
    die = {12.5, -12.5};
  }
  const SnrComparison m = CompareSnr(far);
  EXPECT_NEAR(m.diff_db.figure.value, 10.0 * std::log10(6.25 / 4.0), kTight);
  EXPECT_EQ(m.diff_db.verdict, Verdict::kMiss);
  // Two dies decide nothing.
  MacOutputs two = exact;
  two.spice.resize(2);
  EXPECT_EQ(CompareSnr(two).diff_db.verdict, Verdict::kInconclusive);
  // A NaN output: that die's one remaining output (error 3) is its mean; with one such die among
  // ten exact ones the squared errors pool to (9 x 10 + 9) / 19.
  MacOutputs failed = exact;
  failed.spice[0] = {13.0, std::nan("")};
  EXPECT_NEAR(CompareSnr(failed).spice_db.value, 10.0 * std::log10(100.0 / (99.0 / 19.0)), kTight);
  // Ragged rows, an empty side or no signal are refused.
  MacOutputs ragged = o;
  ragged.model[3].pop_back();
  EXPECT_THROW(CompareSnr(ragged), UsageError);
  MacOutputs empty = o;
  empty.spice.clear();
  EXPECT_THROW(CompareSnr(empty), UsageError);
  MacOutputs flat = o;
  flat.signal_variance = 0.0;
  EXPECT_THROW(CompareSnr(flat), UsageError);
}

// ---- the comparison's teeth ---------------------------------------------------------------

constexpr int kDies = 200;   // stand-in SPICE dies: the same model on other chip seeds
constexpr int kChips = 400;  // model chips
constexpr int kBootstrap = 400;

// The analytic macro with a line static sigma (0.02 V, 0.32 LSB) that spreads the transitions
// across instances about as the comparator offset does at 0.6 V.
calib::Macro Macro() {
  calib::Macro m = calib::AnalyticMacro();
  for (double& s : m.line.code_static_sigma_v) {
    s = 0.02;
  }
  return m;
}

// The sweep set of `m` (every transition at +-0.4 and +-0.15 LSB, every bin centre).
Vectors Sweep(const calib::Macro& m) { return BuildVectors(m, VectorSets{}, nullptr); }

std::vector<std::vector<std::int64_t>> Counts(const Vectors& v) {
  std::vector<std::vector<std::int64_t>> out;
  for (const auto& x : v.vectors) {
    out.push_back(x.rows_at_code);
  }
  return out;
}

std::vector<double> Ideal(const Vectors& v) {
  std::vector<double> out;
  for (const auto& x : v.vectors) {
    out.push_back(x.ideal_lsb);
  }
  return out;
}

// `model` (its vectors and ideal lines, as the validation builds them from the tables) against
// stand-in dies of the unperturbed macro.
CodeComparison AgainstDies(const calib::Macro& model) {
  const Vectors v = Sweep(model);
  const CodeTable dies = ModelCodes(Macro(), Counts(v), kDies, 100001);
  return CompareCodes(Ideal(v), 3, dies, ModelCodes(model, Counts(v), kChips, 1), {},
                      {.bootstrap = kBootstrap});
}

std::string Describe(const CodeComparison& c) {
  std::string s;
  for (const auto& t : c.transitions) {
    s += "T" + std::to_string(t.k) + " shift " + std::to_string(t.shift.figure.value) + " [" +
         std::to_string(t.shift.figure.lo) + ", " + std::to_string(t.shift.figure.hi) + "] " +
         VerdictName(t.shift.verdict) + ", ratio " + std::to_string(t.sigma_ratio.figure.value) +
         " " + VerdictName(t.sigma_ratio.verdict) + "\n";
  }
  return s;
}

TEST(ValidateTeeth, TheModelAgainstItselfPassesEveryTransition) {
  const CodeComparison c = AgainstDies(Macro());
  ASSERT_EQ(c.transitions.size(), 7u);
  for (const auto& t : c.transitions) {
    EXPECT_TRUE(t.covered) << t.coverage;
    EXPECT_EQ(t.shift.verdict, Verdict::kPass) << Describe(c);
    EXPECT_NE(t.sigma_ratio.verdict, Verdict::kMiss) << Describe(c);
    // The fit recovers the transitions' spread: about 0.34 LSB (line 0.32, ADC 0.1, comparator
    // offset 0.03, in quadrature).
    EXPECT_NEAR(t.spice.sigma_lsb.value, 0.34, 0.06) << Describe(c);
    EXPECT_LE(t.spice.mean_lsb.lo, t.spice.mean_lsb.value);
    EXPECT_GE(t.spice.mean_lsb.hi, t.spice.mean_lsb.value);
  }
  EXPECT_NE(c.pooled.mean_shift.verdict, Verdict::kMiss);
  EXPECT_NE(c.pooled.sigma_ratio.verdict, Verdict::kMiss);
}

// T_k moved by +0.25 LSB in the model misses at k and nowhere else, for every k.
TEST(ValidateTeeth, ATransitionShiftedByAQuarterLsbMissesAtItsCodeOnly) {
  for (int k = 1; k <= 7; ++k) {
    calib::Macro m = Macro();
    m.adc.transition_v[static_cast<std::size_t>(k - 1)] += 0.25 * m.adc.LsbV();
    const CodeComparison c = AgainstDies(m);
    for (const auto& t : c.transitions) {
      if (t.k == k) {
        EXPECT_EQ(t.shift.verdict, Verdict::kMiss) << "shifted T" << k << "\n" << Describe(c);
        EXPECT_NEAR(t.shift.figure.value, 0.25, 0.08) << Describe(c);
      } else {
        EXPECT_NE(t.shift.verdict, Verdict::kMiss) << "shifted T" << k << "\n" << Describe(c);
      }
    }
  }
}

// A converter gain 10 % too high, pivoting on T4: T1 .. T3 move by -0.3, -0.2, -0.1 LSB and
// T5 .. T7 by +0.1 .. +0.3; the outer ones miss.
TEST(ValidateTeeth, ATenPercentGainErrorMisses) {
  calib::Macro m = Macro();
  const double t4 = m.adc.transition_v[3];
  for (double& t : m.adc.transition_v) {
    t = t4 + 1.1 * (t - t4);
  }
  const CodeComparison c = AgainstDies(m);
  EXPECT_EQ(c.transitions[0].shift.verdict, Verdict::kMiss) << Describe(c);
  EXPECT_EQ(c.transitions[6].shift.verdict, Verdict::kMiss) << Describe(c);
  EXPECT_NE(c.transitions[3].shift.verdict, Verdict::kMiss) << Describe(c);
}

// The line's step at DAC code 12 bent by 2 % in the model: the code set's line there is off by
// 2 % of its 0.8 V (16 mV, 0.26 LSB of 62.5 mV) and misses; the other codes pass. The stand-in
// dies' lines: the unperturbed mean line plus each die's static deviation (0.02 V x z).
TEST(ValidateTeeth, ATwoPercentBendOfTheLineAtOneCodeMisses) {
  calib::Macro bent = Macro();
  bent.line.code_v[12] =
      bent.line.baseline_v + 1.02 * (bent.line.code_v[12] - bent.line.baseline_v);
  VectorSets sets;
  sets.sets = {VectorSet::kCodes};
  const Vectors v = BuildVectors(bent, sets, nullptr);
  ASSERT_EQ(v.vectors.size(), 16u);
  const calib::Macro truth = Macro();
  const LineComparison model = CompareLines(bent.line, 144, Counts(v), {});
  const LineComparison exact = CompareLines(truth.line, 144, Counts(v), {});
  mac::Rng rng(7);
  std::vector<std::vector<double>> dies(kDies);
  for (auto& die : dies) {
    const double z = rng.Normal();
    for (std::size_t k = 0; k < v.vectors.size(); ++k) {
      die.push_back(exact.model_v[k] + 0.02 * z);
    }
  }
  std::vector<std::size_t> all;
  for (std::size_t k = 0; k < v.vectors.size(); ++k) {
    all.push_back(k);
  }
  const auto d = CompareLineVectors(all, model.model_v, dies, truth.adc.LsbV());
  for (std::size_t k = 0; k < d.size(); ++k) {
    EXPECT_EQ(d[k].diff_lsb.verdict, k == 12 ? Verdict::kMiss : Verdict::kPass)
        << "code " << k << ": " << d[k].diff_lsb.figure.value << " [" << d[k].diff_lsb.figure.lo
        << ", " << d[k].diff_lsb.figure.hi << "]";
  }
  EXPECT_NEAR(d[12].diff_lsb.figure.value, -0.256, 0.05);
}

// Why the pooled comparison the validation had before was replaced. It took point estimates on
// 56 vectors of uniform operands (per row W ~ Bernoulli(1/2), a uniform code: ideal lines 3.2 to
// 4.9 LSB on this macro) over 20 dies, and passed when the pooled error sigma ratio lay within
// 0.9 - 1.1, the conversions' SNR within 1 dB and the histogram test's p >= 0.01. On the stand-in
// dies of this file it gives (ratio, SNR difference, p, verdict):
//   unperturbed          0.924  +0.92 dB  0.44  pass
//   T1 +0.25 LSB         0.921  +1.18 dB  0.43  miss (the window moves; the SNR point estimate)
//   T2 +0.25 LSB         0.924  +0.92 dB  0.44  pass
//   T3 +0.25 LSB         1.011  -0.26 dB  0.30  pass
//   T4 +0.25 LSB         0.884  +0.85 dB  0.000 miss
//   T5 +0.25 LSB         0.899  +1.08 dB  0.24  miss
//   T6 +0.25 LSB         0.924  +0.92 dB  0.44  pass
//   T7 +0.25 LSB         0.921  +1.18 dB  0.43  miss
//   gain +10 % about T4  0.896  +1.26 dB  0.31  miss
//   step +2 % at code 3, 7, 10, 15: 0.925 - 0.928, +0.78 - +0.91 dB, 0.46 - 0.51: pass
// The unperturbed model itself sits 0.08 dB from the SNR edge: its misses are point estimates
// near an edge, not decisions, and where it passes it never looked (T2, T3, T6 and the bends lie
// outside its inputs' range). This test keeps the first part of that table true: on those
// inputs the old criteria pass a shifted T3 and T6 and a bent step, which the per-code decisions
// above miss.
TEST(ValidateTeeth, TheOldPooledPointEstimatesPassWhatThePerCodeDecisionsMiss) {
  mac::Rng rng(5);
  std::vector<std::vector<std::int64_t>> counts;
  for (int v = 0; v < 56; ++v) {
    std::vector<std::int64_t> c(16, 0);
    for (int r = 0; r < 144; ++r) {
      const std::uint64_t bits = rng.Next();
      if ((bits & 1u) != 0) {
        ++c[(bits >> 1) & 15u];
      }
    }
    counts.push_back(c);
  }
  // The old criteria: pooled sigma ratio 0.9 - 1.1 and SNR of the conversions within 1 dB (point
  // estimates), histogram p >= 0.01.
  const auto old_passes = [&](const calib::Macro& model) {
    std::vector<double> u;
    for (const auto& c : counts) {
      u.push_back(IdealLsb(model, c));
    }
    const CodeTable dies = ModelCodes(Macro(), counts, 20, 100001);
    const CodeTable chips = ModelCodes(model, counts, 200, 1);
    const CodeComparison c = CompareCodes(u, 3, dies, chips, {}, {.bootstrap = 100});
    const auto snr = [&](const CodeTable& t) {
      double s = 0.0, ss = 0.0, err = 0.0, n = 0.0;
      for (const auto& row : t) {
        for (std::size_t v = 0; v < u.size(); ++v) {
          s += u[v];
          ss += u[v] * u[v];
          err += (row[v] + 0.5 - u[v]) * (row[v] + 0.5 - u[v]);
          n += 1.0;
        }
      }
      return 10.0 * std::log10((ss / n - (s / n) * (s / n)) / (err / n));
    };
    const double ratio = c.pooled.sigma_ratio.figure.value;
    return ratio >= 0.9 && ratio <= 1.1 && std::abs(snr(chips) - snr(dies)) <= 1.0 &&
           c.pooled.chi2_p >= 0.01;
  };
  EXPECT_TRUE(old_passes(Macro()));
  for (int k : {3, 6}) {
    calib::Macro m = Macro();
    m.adc.transition_v[static_cast<std::size_t>(k - 1)] += 0.25 * m.adc.LsbV();
    EXPECT_TRUE(old_passes(m)) << "T" << k;
    EXPECT_EQ(AgainstDies(m).transitions[static_cast<std::size_t>(k - 1)].shift.verdict,
              Verdict::kMiss);
  }
  calib::Macro bent = Macro();
  bent.line.code_v[12] =
      bent.line.baseline_v + 1.02 * (bent.line.code_v[12] - bent.line.baseline_v);
  EXPECT_TRUE(old_passes(bent));
}

TEST(ValidateTeeth, DoubledStaticSigmaMisses) {
  calib::Macro doubled = Macro();
  for (double& s : doubled.line.code_static_sigma_v) {
    s *= 2.0;
  }
  doubled.adc.comparator_offset_sigma_v *= 2.0;
  const CodeComparison c = AgainstDies(doubled);
  for (const auto& t : c.transitions) {
    EXPECT_EQ(t.sigma_ratio.verdict, Verdict::kMiss) << Describe(c);
  }
  EXPECT_EQ(Overall(c, {}, {}), Verdict::kMiss);
}

TEST(ValidateTeeth, ATransferShiftedByOneLsbMisses) {
  calib::Macro shifted = Macro();
  const double lsb = shifted.adc.LsbV();
  for (double& v : shifted.line.code_v) {
    v += lsb;
  }
  shifted.line.baseline_v += lsb;
  const CodeComparison c = AgainstDies(shifted);
  EXPECT_EQ(c.pooled.mean_shift.verdict, Verdict::kMiss);
  EXPECT_NEAR(c.pooled.mean_shift.figure.value, 1.0, 0.3);
  EXPECT_EQ(Overall(c, {}, {}), Verdict::kMiss);
}

// The same inputs give the same comparison, intervals included.
TEST(ValidateTeeth, TheComparisonIsDeterministic) {
  const CodeComparison a = AgainstDies(Macro());
  const CodeComparison b = AgainstDies(Macro());
  for (std::size_t k = 0; k < a.transitions.size(); ++k) {
    EXPECT_EQ(a.transitions[k].shift.figure.lo, b.transitions[k].shift.figure.lo);
    EXPECT_EQ(a.transitions[k].sigma_ratio.figure.hi, b.transitions[k].sigma_ratio.figure.hi);
  }
  EXPECT_EQ(a.pooled.chi2_p, b.pooled.chi2_p);
}

TEST(ValidateTeeth, EmptyOrRaggedTablesAreRefused) {
  const Vectors v = Sweep(Macro());
  const CodeTable dies = ModelCodes(Macro(), Counts(v), 3, 100001);
  EXPECT_THROW(CompareCodes(Ideal(v), 3, {}, dies), UsageError);
  CodeTable ragged = dies;
  ragged[0].pop_back();
  EXPECT_THROW(CompareCodes(Ideal(v), 3, ragged, dies), UsageError);
  EXPECT_THROW(CompareCodes(Ideal(v), 3, dies, dies, {true}), UsageError);
}

// The line diagnostic: dies whose lines sit 2 and 4 mV above the model's mean line give a mean
// difference of 3 mV and their spread; a failed conversion (NaN) is left out of its vector only.
TEST(ValidateTeeth, TheLineDiagnosticFindsAnOffsetInTheDiesLines) {
  const calib::Macro m = Macro();
  const auto counts = Counts(Sweep(m));
  const LineComparison exact = CompareLines(m.line, 144, counts, {});
  ASSERT_EQ(exact.model_v.size(), counts.size());
  EXPECT_EQ(exact.vectors_compared, 0);
  // The model's mean line is the table's superposition: baseline plus one step per row.
  double by_hand = m.line.baseline_v;
  for (std::size_t d = 0; d < counts[0].size(); ++d) {
    by_hand += static_cast<double>(counts[0][d]) * m.line.StepV(static_cast<int>(d), 144);
  }
  EXPECT_NEAR(exact.model_v[0], by_hand, 1e-15);

  std::vector<std::vector<double>> dies(2);
  for (std::size_t v = 0; v < counts.size(); ++v) {
    dies[0].push_back(exact.model_v[v] + 0.002);
    dies[1].push_back(exact.model_v[v] + 0.004);
  }
  dies[1][3] = std::nan("");
  const LineComparison c = CompareLines(m.line, 144, counts, dies);
  EXPECT_EQ(c.vectors_compared, static_cast<int>(counts.size()));
  EXPECT_EQ(c.spice_dies[3], 1);
  EXPECT_EQ(c.spice_dies[4], 2);
  EXPECT_NEAR(c.spice_mean_v[4] - c.model_v[4], 0.003, 1e-12);
  EXPECT_NEAR(c.spice_sigma_v[4], 0.002 / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(c.diff_min_v, 0.002, 1e-12);  // vector 3: die 0 only
  EXPECT_NEAR(c.diff_max_v, 0.003, 1e-12);
  const double n = static_cast<double>(counts.size());
  EXPECT_NEAR(c.diff_mean_v, (0.002 + (n - 1) * 0.003) / n, 1e-12);

  dies[0].pop_back();
  EXPECT_THROW(CompareLines(m.line, 144, counts, dies), UsageError);
}

}  // namespace
}  // namespace cimchar::validate
