#pragma once

// Validation of the table-calibrated behavioral model against ngspice on Monte Carlo dies the
// tables were not built from. The SPICE side is a characterization run of the `column` bench
// (characterization/column.ini: the whole column — cells read onto LBL, one DAC per row, A_MULT,
// the line, the SAR ADC — converting fixed input vectors on every die), run through the same
// render -> mismatch -> worker-pool pipeline as every table. The model side is the characterized
// macro read from the tables (calib::ReadMacro) at the column run's operating point, converting
// the same vectors on many simulated chip instances. The two are compared as distributions.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "calib/macro.h"

namespace cimchar::validate {

// Codes of one side: codes[instance][vector] (instance = SPICE die or model chip); -1 = failed.
using CodeTable = std::vector<std::vector<int>>;

// Error statistics of one side over the vectors it converted. Error = code - ideal code.
struct SideStats {
  int instances = 0;
  long long conversions = 0;
  double error_mean = 0.0;      // pooled
  double error_sigma = 0.0;     // pooled (population)
  double die_mean_mean = 0.0;   // mean over instances of the per-instance error mean
  double die_mean_sigma = 0.0;  // spread over instances of the per-instance error mean
  double die_sigma_mean = 0.0;  // mean over instances of the per-instance error sigma
  double snr_db = 0.0;          // 10 log10(Var(u) / E[(code + 1/2 - u)^2]), u ideal in LSB
  double snr_lo_db = 0.0;       // 95 % interval (bootstrap over instances)
  double snr_hi_db = 0.0;
  std::map<int, long long> histogram;  // error -> count
};

struct Comparison {
  SideStats spice;
  SideStats model;
  double sigma_ratio = 0.0;  // model.error_sigma / spice.error_sigma
  double snr_diff_db = 0.0;  // model - SPICE
  double chi2 = 0.0;         // chi-square distance between the pooled error histograms' proportions
  int chi2_dof = 0;          // bins with a count on either side, minus one
  double chi2_p = 1.0;       // permutation p-value (whole instances exchanged between the sides)
};

// Targets: pooled error sigma ratio within 0.9 - 1.1, SNR within 1 dB, the two-sample test not
// rejecting at 1 %.
inline constexpr double kTargetRatioLo = 0.9;
inline constexpr double kTargetRatioHi = 1.1;
inline constexpr double kTargetSnrDiffDb = 1.0;
inline constexpr double kTargetP = 0.01;
inline constexpr int kPermutations = 2000;  // exchanges behind the two-sample p-value

// Compares two code tables over the same vectors: `ideal_lsb[v]` is vector v's ideal value in
// ADC LSB (continuous), its ideal code floor(u) clamped to 0 .. 2^bits - 1. Failed entries (-1)
// are skipped. The SNR intervals come from `bootstrap` resamplings of each side's instances and
// the histogram test's p-value from 2000 permutations (deterministic, seeded by `seed`). Failures:
// UsageError for empty tables or a row whose length differs from ideal_lsb. Thread-safety: pure.
Comparison CompareCodes(const std::vector<double>& ideal_lsb,
                        int bits,
                        const CodeTable& spice,
                        const CodeTable& model,
                        int bootstrap = 1000,
                        std::uint64_t seed = 1);

// True when `c` meets the three targets. Failures: none.
bool MeetsTargets(const Comparison& c);

// The model's codes for the column vectors: one row per chip instance (chip seeds first_chip ..
// first_chip + chips - 1), dynamic noise off (ngspice has no device noise in transient
// analysis), vectors given as the rows holding W = 1 at each DAC code.
// Failures: as mac::MacArray / MacRunner::ConvertCode. Thread-safety: pure.
CodeTable ModelCodes(const calib::Macro& macro,
                     const std::vector<std::vector<std::int64_t>>& rows_at_code,
                     int chips,
                     std::uint64_t first_chip);

// The ideal value of a vector in ADC LSB: the ideal fraction x = sum(W code) / (rows (2^d - 1))
// placed on the converter's window through the macro's uniform-code line transfer.
// Failures: none. Thread-safety: pure.
double IdealLsb(const calib::Macro& macro, const std::vector<std::int64_t>& rows_at_code);

// The line voltage in front of the ADC, per vector: what SPICE sampled on each die against the
// mean the model builds from the line table (baseline plus one step per row with W = 1). A
// diagnostic beside the code comparison: it tells a line that is off from a converter that is.
struct LineComparison {
  std::vector<double> model_v;        // per vector: baseline_v + sum over rows of h(code)
  std::vector<double> spice_mean_v;   // mean over the dies that converted it (NaN: none did)
  std::vector<double> spice_sigma_v;  // their spread (sample sigma; 0 with one die)
  std::vector<int> spice_dies;        // how many dies converted it
  int vectors_compared = 0;           // vectors with at least one die
  double diff_mean_v = 0.0;           // mean over those vectors of spice_mean_v - model_v
  double diff_min_v = 0.0;
  double diff_max_v = 0.0;
  double spice_sigma_mean_v = 0.0;  // mean over them of spice_sigma_v
};

// Compares `spice_lines[die][vector]` (volts; NaN for a failed conversion) with the model's mean
// line of each vector, given as the rows holding W = 1 at each DAC code. Failures: UsageError for
// a die row whose length differs from rows_at_code, or a count vector longer than the DAC's
// codes. Thread-safety: pure.
LineComparison CompareLines(const calib::LineTransfer& line,
                            int rows,
                            const std::vector<std::vector<std::int64_t>>& rows_at_code,
                            const std::vector<std::vector<double>>& spice_lines);

struct ValidateOptions {
  std::filesystem::path lut_dir;  // the tables (apath.h5, adc.h5, ...) the model is read from
  std::filesystem::path recipe;   // the column recipe; empty: characterization/column.ini
  std::string profile = "quick";
  std::map<std::string, std::string> overrides;  // recipe keys from the command line
  std::filesystem::path out_dir = "results/validation";
  // A complete column run to compare with instead of running one (e.g. one merged from shards
  // run elsewhere, or made by an earlier build): its recipe must be the one given here.
  std::filesystem::path spice_file;
  int jobs = 1;
  bool resume = false;
  bool progress = true;
  int chips = 200;               // model chip instances
  std::uint64_t first_chip = 1;  // their chip seeds
};

struct ValidationReport {
  ValidateOptions options;
  calib::OperatingPoint point;
  std::filesystem::path spice_file;  // the column run (HDF5)
  std::uint64_t spice_seed = 0;      // master seed of its dies
  int dies = 0;
  int vectors = 0;
  int failed_dies = 0;
  std::vector<double> ideal_lsb;
  double lsb_v = 0.0;  // the model ADC's LSB, volts
  CodeTable spice;
  CodeTable model;
  Comparison comparison;
  LineComparison lines;
  std::vector<std::string> notes;
  bool root = true;      // false on the other ranks of an mpirun (they report nothing)
  double spice_s = 0.0;  // wall time of the column run (0 when reused)
  double total_s = 0.0;
};

// Runs (or reuses, when a complete file of the same recipe and cimchar commit exists) the column
// characterization into options.out_dir/column.h5 - or takes options.spice_file as it is -, reads
// the macro from the tables at its operating point and compares. Failures: UsageError for a column
// recipe that sweeps more than one operating point, tables whose geometry (rows, DAC or ADC bits)
// differs from the column's, or dies that are the tables' own (the same master seed), a spice_file
// that is incomplete or of another recipe; errors of the characterization and of the reader. Not
// thread-safe (the characterization installs signal handlers).
ValidationReport RunValidation(const ValidateOptions& options);

// The report: method, both sides' statistics with the targets and PASS/MISS lines, timing.
void PrintReport(std::ostream& out, const ValidationReport& report);

// Per-vector CSV: instance side, instance, vector, ideal_lsb, code.
void WriteCodesCsv(const std::filesystem::path& file, const ValidationReport& report);

// Per-vector CSV of the line comparison: vector, ideal_lsb, model_line_v, spice_mean_line_v,
// spice_sigma_line_v, spice_dies.
void WriteLinesCsv(const std::filesystem::path& file, const ValidationReport& report);

}  // namespace cimchar::validate
