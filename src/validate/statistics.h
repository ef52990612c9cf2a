#pragma once

// The validation's statistics: SPICE dies against model chip instances, compared as
// distributions and decided on 95 % bootstrap intervals over instances (dies, chips), never on
// point estimates. Every figure here is pure arithmetic on code and line tables; no SPICE, no
// tables. Units: the ADC's LSB for codes and transitions, volts for lines, dB for SNR.
//
// A decision puts a figure's interval against a target band: PASS when the interval lies
// inside the band, MISS when it lies wholly outside, INCONCLUSIVE otherwise; an inconclusive
// decision says how many SPICE dies would decide at today's estimate.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cimchar::validate {

// Codes of one side: codes[instance][vector] (instance = SPICE die or model chip); -1 = failed.
using CodeTable = std::vector<std::vector<int>>;

enum class Verdict { kPass, kMiss, kInconclusive };

// "PASS", "MISS", "INCONCLUSIVE". Failures: none.
const char* VerdictName(Verdict verdict);

// A figure and its 95 % interval.
struct Estimate {
  double value = 0.0;
  double lo = 0.0;
  double hi = 0.0;
};

struct Decision {
  Estimate figure;
  double target_lo = 0.0;  // the band the interval must lie in
  double target_hi = 0.0;
  Verdict verdict = Verdict::kInconclusive;
  // INCONCLUSIVE only: the SPICE dies in all that would decide at today's estimate, if the
  // interval narrows as 1/sqrt(dies) (a normal approximation of the bootstrap spread); 0 when
  // dies alone would not (the model side's own spread is too wide: more chips first), -1 when
  // the estimate lies on the band's edge (no number decides).
  long long dies_to_decide = 0;
  std::string note;  // why no decision could be reached, when that is not the interval's width
};

// Fewer SPICE dies than this decide nothing (every decision INCONCLUSIVE, saying so).
inline constexpr int kMinDecidingDies = 10;

// Decides `figure` against [lo, hi] as above. `spice_var` and `model_var` are the variances
// each side's resampling contributes to the figure (on the log scale when `log_scale`, as for a
// ratio: then lo, hi and the figure must be > 0); `dies` the SPICE instances behind it.
// Failures: none. Thread-safety: pure.
Decision Decide(const Estimate& figure,
                double lo,
                double hi,
                double spice_var,
                double model_var,
                int dies,
                bool log_scale);

// The percentile interval [2.5 %, 97.5 %] of `draws` around `value` (the estimate on all data).
// Failures: none (an empty set of draws gives [value, value]). Thread-safety: pure.
Estimate PercentileInterval(double value, std::vector<double> draws);

// Maximum-likelihood probit fit of P(y = 1 | u) = Phi((u - mu) / sigma) to binomial counts:
// ones[v] of trials[v] at u[v]. sigma is held within [kMinProbitSigma, kMaxProbitSigma].
// `resolved` is false when a step (sigma -> 0) fits the data about as well: its log-likelihood
// is less than kProbitResolvedLogLik below the fit's (a likelihood-ratio test at 95 %), as when
// the data separate (no vector between the instances' transitions) or when one input alone
// holds both outcomes; sigma, and within the gap mu, are then not determined.
inline constexpr double kMinProbitSigma = 1e-3;
inline constexpr double kMaxProbitSigma = 50.0;
inline constexpr double kProbitResolvedLogLik = 1.92;  // chi-square(1) 95 % quantile / 2
struct ProbitFit {
  double mu = 0.0;
  double sigma = 1.0;
  bool resolved = true;
};
// `test_step` false skips that test (resolved then only says whether the data separate), for
// the many fits of a bootstrap. Failures: UsageError for vectors of different lengths or no trial
// at all. Thread-safety: pure.
ProbitFit FitProbit(const std::vector<double>& u,
                    const std::vector<double>& ones,
                    const std::vector<double>& trials,
                    bool test_step = true);

// Targets.
inline constexpr double kTargetTransitionShiftLsb = 0.15;  // |model T_k - SPICE T_k| (means)
inline constexpr double kTargetTransitionRatioLo = 0.8;    // sigma(T_k) model / SPICE
inline constexpr double kTargetTransitionRatioHi = 1.25;
inline constexpr double kTargetMeanShiftLsb = 0.15;  // pooled error mean, model - SPICE
inline constexpr double kTargetRatioLo = 0.9;        // pooled error sigma, model / SPICE
inline constexpr double kTargetRatioHi = 1.1;
inline constexpr double kTargetLineLsb = 0.1;    // per DAC code: SPICE line - model line
inline constexpr double kTargetSnrDiffDb = 1.0;  // MAC-output SNR, model - SPICE

struct CompareOptions {
  int bootstrap = 1000;     // resamplings of each side's instances
  int permutations = 2000;  // exchanges behind the two-sample test's p-value
  std::uint64_t seed = 1;   // of both (deterministic)
};

// One transition k (the code changes from k - 1 to k) on one side: the mean and the spread of
// T_k over instances, in LSB of the ideal line, each with its interval.
struct TransitionSide {
  Estimate mean_lsb;
  Estimate sigma_lsb;
  bool resolved = true;  // false: the fit on all data separates (sigma not determined)
};

// A transition is decided only when vectors lie within this distance below and above it.
inline constexpr double kCoverageLsb = 0.5;

struct TransitionComparison {
  int k = 0;
  // Decided only when vectors lie within kCoverageLsb below and above the ideal transition
  // (ideal line k): otherwise `coverage` says what is missing and both decisions stay
  // inconclusive.
  bool covered = false;
  std::string coverage;
  TransitionSide spice;
  TransitionSide model;
  Decision shift;        // model mean - SPICE mean, LSB (target +-0.15)
  Decision sigma_ratio;  // model sigma / SPICE sigma (target 0.8 - 1.25)
};

// Error statistics of one side over the pooled vectors. Error = code - ideal code.
struct SideStats {
  int instances = 0;
  long long conversions = 0;
  double error_mean = 0.0;             // pooled
  double error_sigma = 0.0;            // pooled (population)
  double die_mean_mean = 0.0;          // mean over instances of the per-instance error mean
  double die_mean_sigma = 0.0;         // spread over instances of the per-instance error mean
  double die_sigma_mean = 0.0;         // mean over instances of the per-instance error sigma
  std::map<int, long long> histogram;  // error -> count
};

struct PooledComparison {
  int vectors = 0;  // the vectors pooled
  SideStats spice;
  SideStats model;
  Decision mean_shift;   // model error mean - SPICE error mean (target +-0.15 LSB)
  Decision sigma_ratio;  // model error sigma / SPICE error sigma (target 0.9 - 1.1)
  // Two-sample test on the error histograms (errors clamped to -2..2): their chi-square distance
  // between proportions, with a p-value from exchanging whole instances between the sides (every
  // instance converts the same vectors, and one die's errors share its static deviations). A
  // diagnostic: reported, not a target.
  double chi2 = 0.0;
  int chi2_bins = 0;  // bins with a count on either side
  double chi2_p = 1.0;
};

struct CodeComparison {
  std::vector<TransitionComparison> transitions;  // k = 1 .. 2^bits - 1
  PooledComparison pooled;
};

// Compares two code tables over the same vectors: `ideal_lsb[v]` is vector v's ideal line in ADC
// LSB (continuous; ideal code floor(u) clamped to 0 .. 2^bits - 1). Transitions: per k, a probit
// fit of P(code >= k | u) on each side over every vector, with intervals from `bootstrap`
// resamplings of each side's instances. Pooled: the error over the vectors with `pooled[v]`
// (empty: every vector). Failed entries (-1) are skipped. Failures: UsageError for empty tables,
// a row whose length differs from ideal_lsb, a pooled mask of another length, or no conversion
// in the pooled vectors. Thread-safety: pure.
CodeComparison CompareCodes(const std::vector<double>& ideal_lsb,
                            int bits,
                            const CodeTable& spice,
                            const CodeTable& model,
                            const std::vector<bool>& pooled = {},
                            const CompareOptions& options = {});

// The line in front of the ADC at one vector: SPICE's sampled line over the dies against the
// model's mean line, decided in LSB (target +-0.1).
struct LineDecision {
  std::size_t vector = 0;
  int dies = 0;
  double model_v = 0.0;
  Estimate spice_v;   // mean over the dies with its interval
  Decision diff_lsb;  // (SPICE mean - model) / LSB
};

// For each vector in `vectors`: spice_lines[die][vector] (NaN for a failed conversion) against
// model_v[vector]. The model's mean line is exact (no model resampling). Failures: UsageError
// for a die row or model list shorter than a vector index, lsb_v <= 0. Thread-safety: pure.
std::vector<LineDecision> CompareLineVectors(const std::vector<std::size_t>& vectors,
                                             const std::vector<double>& model_v,
                                             const std::vector<std::vector<double>>& spice_lines,
                                             double lsb_v,
                                             const CompareOptions& options = {});

// Multi-bit MAC outputs composed from each side's codes: ideal[o] the exact output o,
// spice[die][o] and model[chip][o] the composed ones (NaN where a code failed).
// signal_variance: the variance of the ideal outputs the SNR is referred to (the layer's, over
// many more outputs than are composed).
struct MacOutputs {
  int boundary = 0;
  std::vector<double> ideal;
  std::vector<std::vector<double>> spice;
  std::vector<std::vector<double>> model;
  double signal_variance = 0.0;
};

struct SnrComparison {
  int boundary = 0;
  int outputs = 0;
  Estimate spice_db;  // 10 log10(signal_variance / mean squared error), interval over dies
  Estimate model_db;  // the same over chips
  Decision diff_db;   // model - SPICE (target +-1 dB)
};

// Failures: UsageError for a row whose length differs from ideal, no instance on a side, or a
// signal variance <= 0. Thread-safety: pure.
SnrComparison CompareSnr(const MacOutputs& outputs, const CompareOptions& options = {});

}  // namespace cimchar::validate
