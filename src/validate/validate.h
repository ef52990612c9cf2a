#pragma once

// Validation of the table-calibrated behavioral model against ngspice on Monte Carlo dies the
// tables were not built from. The SPICE side is a characterization run of the `column` bench
// (characterization/column.ini: the whole column — cells read onto LBL, one DAC per row, A_MULT,
// the line, the SAR ADC — converting the vectors of the recipe's sets on every die, vectors.h),
// run through the same render -> mismatch -> worker-pool pipeline as every table. The model side
// is the characterized macro read from the tables (calib::ReadMacro) at the column run's
// operating point, converting the same vectors on many simulated chip instances. The two are
// compared as distributions and decided on intervals (statistics.h).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "calib/macro.h"
#include "lut/store.h"
#include "validate/statistics.h"
#include "validate/vectors.h"

namespace cimchar::validate {

// The model's codes for the column vectors: one row per chip instance (chip seeds first_chip ..
// first_chip + chips - 1), dynamic noise off (ngspice has no device noise in transient
// analysis), vectors given as the rows holding W = 1 at each DAC code.
// Failures: as mac::MacArray / MacRunner::ConvertCode. Thread-safety: pure.
CodeTable ModelCodes(const calib::Macro& macro,
                     const std::vector<std::vector<std::int64_t>>& rows_at_code,
                     int chips,
                     std::uint64_t first_chip);

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
  // The layer whose real operands the network set converts (a layer file, LoadLayer's formats);
  // needed when the recipe's sets include it.
  std::filesystem::path layer_file;
  // A complete column run to compare with instead of running one (e.g. one merged from shards
  // run elsewhere, or made by an earlier build): its recipe must be the one given here.
  std::filesystem::path spice_file;
  // Not whole: run only this shard of the column's dies into out_dir/column.shardKofN.h5 and
  // compare nothing (cimchar merge joins the shards; --spice compares with the merged run).
  lut::Shard shard;
  int jobs = 1;
  bool resume = false;
  bool progress = true;
  int chips = 1000;              // model chip instances
  std::uint64_t first_chip = 1;  // their chip seeds
  CompareOptions compare;        // bootstrap and permutation counts, their seed
};

struct ValidationReport {
  ValidateOptions options;
  calib::OperatingPoint point;
  std::filesystem::path spice_file;  // the column run (HDF5)
  std::uint64_t spice_seed = 0;      // master seed of its dies
  bool compared = true;              // false for a shard run (nothing compared)
  int dies = 0;
  int failed_dies = 0;
  Vectors vectors;  // the sets' vectors (ideal lines, labels, MAC outputs)
  int adc_bits = 0;
  double lsb_v = 0.0;  // the model ADC's LSB, volts
  CodeTable spice;
  CodeTable model;
  CodeComparison codes;
  std::vector<LineDecision> line_codes;  // the codes set's vectors
  std::vector<SnrComparison> snr;        // per boundary of the network set
  LineComparison lines;                  // every vector (diagnostic)
  Verdict verdict = Verdict::kInconclusive;
  std::vector<std::string> notes;
  bool root = true;      // false on the other ranks of an mpirun (they report nothing)
  double spice_s = 0.0;  // wall time of the column run (0 when reused)
  double total_s = 0.0;
};

// MISS when any decision misses, else INCONCLUSIVE when any is inconclusive, else PASS.
// Failures: none. Thread-safety: pure.
Verdict Overall(const CodeComparison& codes,
                const std::vector<LineDecision>& line_codes,
                const std::vector<SnrComparison>& snr);

// Runs (or reuses, when a complete file of the same recipe and cimchar commit exists) the column
// characterization into options.out_dir/column.h5 - or takes options.spice_file as it is -, reads
// the macro from the tables at its operating point, builds the vector sets, and compares.
// Failures: UsageError for a column recipe that sweeps more than one operating point, tables
// whose geometry (rows, DAC or ADC bits) differs from the column's, dies that are the tables' own
// (the same master seed), a recipe that sets column.ops itself, a network set without a layer, a
// spice_file that is incomplete or of another recipe (or of other vectors: other tables give
// other sweep vectors); errors of the characterization and of the reader. Not thread-safe (the
// characterization installs signal handlers).
ValidationReport RunValidation(const ValidateOptions& options);

// The report: method, the per-transition, pooled, per-code line and SNR decisions with their
// intervals and targets, what is not covered, timing.
void PrintReport(std::ostream& out, const ValidationReport& report);

// Per-vector CSV: instance side, instance, vector, set, label, ideal_lsb, code.
void WriteCodesCsv(const std::filesystem::path& file, const ValidationReport& report);

// Per-vector CSV of the line comparison: vector, set, label, ideal_lsb, model_line_v,
// spice_mean_line_v, spice_sigma_line_v, spice_dies.
void WriteLinesCsv(const std::filesystem::path& file, const ValidationReport& report);

}  // namespace cimchar::validate
