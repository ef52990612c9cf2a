#pragma once

// Validation of the behavioral MAC model against SPICE for one Monte Carlo chip instance: the
// whole analog column (rows x A_MULT -> charge-sharing line -> SAR ADC) runs in ngspice with the
// die's device deviations, the model runs on the same inputs calibrated for the same die, and
// the two codes are compared vector by vector.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "mac/calibration.h"
#include "variation/mismatch.h"

namespace cimchar::validate {

struct ValidateOptions {
  int vectors = 200;              // random input vectors
  std::uint64_t die = 0;          // Monte Carlo sample index = the chip instance
  std::uint64_t seed = 20240601;  // master seed of the mismatch draws
  std::uint64_t input_seed = 1;   // seed of the random input vectors
  double vdd_v = 1.0;             // supply; also the DAC full scale on GBL
  double temp_c = 27.0;           // temperature
  std::string corner = "tt";      // process corner (a section of the PDK library)
  int rows = 144;                 // rows on the line
  int jobs = 2;                   // ngspice worker processes
  int vectors_per_job = 25;
  // The column transient's output step, also its largest internal step unless
  // column_max_step_s is set. At 5e-11 s the comparator in the column deck made wrong decisions
  // with tens of mV of overdrive (a code 4 for a line 30 mV above the top transition) that
  // vanish at 2e-11 s, the step the ADC bench and the standalone ADC deck use.
  double column_step_s = 2e-11;
  double column_max_step_s = 0.0;  // its largest internal step; 0: column_step_s       //
                                   // conversions per transient
  int dac_bits = 4;                // activation code width (GBL levels code / (2^bits - 1))
  int adc_bits = 3;                // SAR ADC resolution
  // ADC range [0, this] as a fraction of the line full scale; 0: where VREF = VDD/2 puts it (the
  // ADC bench's operating point; about 0.69 for 144 rows at 1.0 V). The converter misbehaves far
  // from it (validate.cpp, kVrefOfVdd).
  double adc_range_hi_frac = 0.0;
  variation::MismatchOptions mismatch;  // Pelgrom coefficients, as characterization uses them
  // Optional: a results folder with the characterized tables (apath.h5, adc.h5, ...); when set,
  // the model is also calibrated from the tables (this die's records) and compared too.
  std::filesystem::path lut_dir;
  // Progress lines ("calibrating the die's ADC ..."), e.g. to stderr; may be empty.
  std::function<void(const std::string&)> progress;
};

// One input vector's outcome.
struct VectorResult {
  int index = 0;
  double ideal_frac = 0.0;  // sum over rows of W * code / (2^dac_bits - 1), divided by rows
  int ideal_code = 0;       // ideal_frac through the ideal ADC (floor quantizer on the range)
  int spice_code = -1;      // -1: the SPICE run failed
  int model_code = -1;
  int lut_model_code = -1;    // model calibrated from the tables (-1 when no --lut)
  double spice_line_v = 0.0;  // line voltage when the ADC's sampling switch opens
};

// Agreement figures of one model against SPICE over the vectors SPICE converted.
struct Agreement {
  int compared = 0;
  int identical = 0;
  double identical_fraction = 0.0;
  double mean_error_spice = 0.0;  // codes: code - ideal code
  double mean_error_model = 0.0;
  double sigma_error_spice = 0.0;  // population standard deviation of code - ideal code
  double sigma_error_model = 0.0;
  // sigma_error_model / sigma_error_spice; when SPICE's sigma is 0 it is 1 if the model's is 0
  // too and +infinity otherwise (ratio_defined_by_convention says so).
  double sigma_ratio = 0.0;
  bool ratio_defined_by_convention = false;
};

struct ValidationReport {
  ValidateOptions options;
  double line_full_scale_design_v = 0.0;  // hand-computed line full scale (row_cap.sp)
  double adc_range_hi_frac = 0.0;         // the ADC range's top, fraction of that full scale
  double vref_v = 0.0;
  double vcmp_v = 0.0;
  double lsb_design_v = 0.0;
  std::vector<mac::LinePoint> line;   // the die's line transfer (SPICE)
  std::vector<double> transitions_v;  // the die's ADC transitions (SPICE), 1 .. 2^b - 1
  mac::Calibration calibration;       // what the model ran with
  std::vector<VectorResult> vectors;
  Agreement model;
  Agreement lut_model;  // compared == 0 without lut_dir
  int failed_jobs = 0;
  double calibration_s = 0.0;  // wall time of the die calibration
  double vectors_s = 0.0;      // wall time of the vector transients
  double total_s = 0.0;
  std::vector<std::string> notes;  // method and choices, one line each
};

// Targets of the model issue: identical codes and the ratio of the error sigmas.
inline constexpr double kTargetIdentical = 0.95;
inline constexpr double kTargetRatioLo = 0.9;
inline constexpr double kTargetRatioHi = 1.1;

// Runs the validation. Forks `jobs` ngspice worker processes first (call it before this process
// initialises ngspice). Failures: UsageError for out-of-range options (named), Error when the
// die calibration fails in SPICE (a failed vector transient is counted, not thrown).
// Ownership: returns a value. Thread-safety: one call at a time per process.
ValidationReport RunValidation(const ValidateOptions& options);

// The summary: method, calibration, agreement with lines containing "identical codes" and
// "sigma ratio", the targets and PASS/MISS, and the run time. Failures: none.
void PrintReport(std::ostream& out, const ValidationReport& report);

// Per-vector CSV: vector, ideal_frac, ideal_code, spice_code, model_code, spice_line_v
// (+ lut_model_code with tables). Failures: Error when the file cannot be written.
void WriteVectorsCsv(const std::filesystem::path& file, const ValidationReport& report);

// True when `a` meets both targets.
bool MeetsTargets(const Agreement& a);

}  // namespace cimchar::validate
