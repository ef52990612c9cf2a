#pragma once

// The behavioral model calibrated from the characterization tables (characterization/README.md
// is the contract: quantity names, units and axes). Reads the HDF5 stores with lut::Store; never
// touches SPICE.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mac/calibration.h"
#include "mac/options.h"

namespace cimchar::lut {
class Store;
}

namespace cimchar::mac {

// Where the model's operating point sits on the tables' grid axes.
struct OperatingPoint {
  std::string corner = "tt";
  double vdd_v = 1.0;
  double temp_c = 27.0;
};

// The stores a calibration reads, one per recipe. An empty path means "not characterized": that
// part stays at DefaultCalibration's value and is listed in LutCalibration::notes.
struct CalibrationSources {
  std::filesystem::path apath;    // apath.ini: apath/line_v, apath/energy_op_j
  std::filesystem::path adc;      // adc.ini: adc/transition_v, adc/comparator_offset_v, ...
  std::filesystem::path digital;  // digital.ini: digital/dmult_energy_j, digital/fa_energy_j
  std::filesystem::path dac;      // dac.ini: dac/energy_j, precharge/energy_row_j
};

// The sources found in a results folder: <dir>/{apath,adc,digital,dac}.h5, the names
// `cimchar characterize` writes by default. A file that does not exist leaves its path empty.
// Failures: UsageError when `dir` is not a folder or holds none of the four. Thread-safety: pure.
CalibrationSources SourcesInFolder(const std::filesystem::path& dir);

// How the tables are turned into model parameters where the contract leaves a choice.
struct LutCalibrationOptions {
  // The characterized line has its own row count (the apath recipe's `apath.rows` key, read
  // from the store's recipe provenance); energy_op_j / rows is the per-row A_MULT energy. Used
  // only when the provenance does not state it; 0 then means "assume shape.rows".
  int apath_rows_fallback = 0;
  // Fraction of full scale at which the (data-dependent) analog-op energy is read: the mean
  // line value of uniform random operands is 0.5 (W) x 0.5 (code) = 0.25.
  double energy_fraction = 0.25;
  // D_MULT output toggle activity: for independent uniform bits W.A is 1 with p = 1/4, so the
  // output changes between cycles with p = 2 (1/4)(3/4) = 0.375.
  double dmult_activity = 0.375;
  // Full-adder activity inside the adder tree and the accumulators (random data: 0.5).
  double fa_activity = 0.5;
  // Replace the shape's ADC input range by the characterized converter's: a least-squares line
  // through the mean transitions gives v_lo and the LSB, mapped to fractions through the mean
  // line transfer. The residuals become adc_transition_offset_lsb. When false the shape's range
  // is kept and the whole deviation of the hardware from it is the offset.
  bool adopt_adc_range = true;
  // Per-die calibration for validation: when set, the static parts (line transfer, ADC
  // transitions, comparator offset) come from this Monte Carlo sample's own records in the apath
  // and adc stores (the die), and every static sigma is zero; dynamic sigmas stay.
  std::optional<std::uint64_t> die_sample;
};

struct LutCalibration {
  Calibration calibration;
  MacShape shape;                  // the input shape, with the ADC range adopted when asked
  std::vector<std::string> notes;  // every choice and every default used, one line each
};

// Builds the model calibration at `point` from the stores in `sources`.
// Failures: UsageError for an operating point outside a table's axes (no extrapolation: the
// message names the file, the axis, the value and the range), an unknown corner, ADC bits of the
// table different from shape.adc_bits, a fraction axis not covering [0, 1], a per-die sample the
// store does not hold; Error for a missing or unreadable file, a missing quantity (naming the
// file and the quantity) or wrong units/axes. Ownership: returns a value. Thread-safety: pure
// (lut::Store::Open serialises HDF5 access).
LutCalibration CalibrationFromStores(const CalibrationSources& sources,
                                     const OperatingPoint& point,
                                     const MacShape& shape,
                                     const LutCalibrationOptions& options = {});

// The same from stores already open (nullptr = not characterized). Failures: as above.
LutCalibration CalibrationFromStores(const lut::Store* apath,
                                     const lut::Store* adc,
                                     const lut::Store* digital,
                                     const lut::Store* dac,
                                     const OperatingPoint& point,
                                     const MacShape& shape,
                                     const LutCalibrationOptions& options = {});

// Energy rules for the blocks the tables do not characterize, in full-adder evaluations of
// digital/fa_energy_j (the adder tree itself uses measure::AdderTreeFullAdders):
//  - accumulate: one ripple add of the accumulator word, a + w + ceil(log2(rows + 1)) cells;
//  - N/Q: the count (ceil(log2(rows + 1)) bits) times a constant and rounded, one adder row of
//    ceil(log2(rows + 1)) cells;
//  - OSE decision: add the column's quantized terms into S and compare S with each threshold:
//    (1 + kOseThresholdCompares) adds of a kOseSaliencyBits-bit word.
inline constexpr int kOseSaliencyBits = 16;
inline constexpr int kOseThresholdCompares = 5;
// Full-adder cells of each rule, for `shape`. Failures: none. Thread-safety: pure.
int AccumulateFullAdders(const MacShape& shape);
int NqFullAdders(const MacShape& shape);
int OseEvalFullAdders();

}  // namespace cimchar::mac

namespace cimchar::mac {

// What a command was asked to calibrate from: a results folder and/or single files (a file
// given overrides the folder's), and the operating point. Nothing given: DefaultCalibration.
struct CalibrationChoice {
  std::filesystem::path lut_dir;
  CalibrationSources files;
  OperatingPoint point;
};

// The calibration `choice` asks for. With no folder and no file: DefaultCalibration (the analytic
// placeholder), said so in the notes. Failures: as CalibrationFromStores and SourcesInFolder.
// Ownership: returns a value. Thread-safety: pure.
LutCalibration ResolveCalibration(const CalibrationChoice& choice,
                                  const MacShape& shape,
                                  const LutCalibrationOptions& options = {});

}  // namespace cimchar::mac
