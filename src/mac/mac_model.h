#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "calib/macro.h"
#include "mac/energy.h"
#include "mac/options.h"
#include "mac/random.h"

namespace cimchar::mac {

// A layer's weights programmed into one simulated chip instance of a characterized macro:
// `length` x `outputs` weights (row-major, weights[r * outputs + c]) tiled over
// ceil(length/rows) x ceil(outputs/columns) arrays and stored as bit planes. The chip seed fixes
// every static (fixed-pattern) error of every physical column; nothing else is random here.
//
// The analog path follows the macro's line transfer (calib::LineTransfer): an analog op of
// weight bit i applies the n analog activation bits of every row through its DAC (the n-bit
// subword s drives DAC code s << (dac_bits - n), the DAC's top bits), and the line settles at
// baseline + sum over rows with W_i = 1 of h(code); the model counts the rows at each code with
// popcounts of the bit planes. A column's static error is one standard normal z per column and
// chip times the line's static sigma at the op's ideal fraction, plus its comparator offset and
// its transitions' own deviations; dynamic noise is drawn per conversion. The ADC code is read
// back as the centre of its input interval mapped through the line's uniform-code transfer
// (a 2^b-entry table per macro, as a digital back end would hold).
class MacArray {
 public:
  // Failures: UsageError for an invalid shape or macro, a shape whose geometry differs from the
  // macro's (naming the field and both values), length/outputs < 1, a weight count other than
  // length*outputs, or a weight outside the range of `weight_bits` (named with its index).
  // Ownership: copies everything it needs. Thread-safety: the object is immutable.
  MacArray(const MacShape& shape,
           const calib::Macro& macro,
           std::span<const std::int32_t> weights,
           int length,
           int outputs,
           std::uint64_t chip_seed);

  const MacShape& Shape() const { return shape_; }
  const calib::Macro& Macro() const { return macro_; }
  int Length() const { return length_; }
  int Outputs() const { return outputs_; }
  int RowTiles() const { return row_tiles_; }
  int ColumnTiles() const { return column_tiles_; }
  int WordsPerTile() const { return words_; }

  // The integer dot products (the ideal output); when `per_tile` is non-empty (size row tiles x
  // outputs) also each row tile's partial sum. Failures: UsageError for a wrong size or an
  // activation outside 0..2^a-1. Ownership: writes `out` (size outputs). Thread-safety: const.
  void Exact(std::span<const std::int32_t> activations,
             std::span<std::int64_t> out,
             std::span<std::int64_t> per_tile = {}) const;

  // Packs activations into bit planes: planes[(tile * a + j) * words + word]. Failures: as Exact.
  // Ownership: resizes and writes `planes`. Thread-safety: const.
  void PackActivations(std::span<const std::int32_t> activations,
                       std::vector<std::uint64_t>& planes) const;

  // The ideal fraction of full scale (sum over rows of W x DAC code, over rows x (2^d - 1)) that
  // ADC code `code` is read back as (the centre of its mean input interval through the line's
  // uniform-code transfer, clamped to [0, 1]): the value every analog op of the model takes.
  // Failures: UsageError for a code outside 0 .. 2^b - 1. Thread-safety: const.
  double CodeFraction(int code) const;
  // The ideal fraction whose mean line voltage on the uniform-code transfer is `line_v` (linear
  // outside the measured codes). Failures: none. Thread-safety: const.
  double IdealFraction(double line_v) const { return InverseFrac(line_v); }

 private:
  friend class MacRunner;
  struct ColumnStatic {
    double line_z = 0.0;                // standard normal scaling the static line sigma
    double comparator_offset_v = 0.0;   // drawn comparator offset
    std::vector<double> transitions_v;  // ADC transitions including static deviations
  };
  std::size_t PlaneIndex(int tile, int column, int bit) const {
    return ((static_cast<std::size_t>(tile) * outputs_ + column) * shape_.weight_bits + bit) *
           words_;
  }
  const std::uint64_t* WeightPlane(int tile, int column, int bit) const {
    return &weight_planes_[PlaneIndex(tile, column, bit)];
  }

  MacShape shape_;
  calib::Macro macro_;
  int length_ = 0;
  int outputs_ = 0;
  int row_tiles_ = 0;
  int column_tiles_ = 0;
  int words_ = 0;
  std::vector<std::uint64_t> weight_planes_;    // [tile][column][bit][word]
  std::vector<std::int32_t> weight_popcounts_;  // [tile][column][bit]
  std::vector<ColumnStatic> columns_;           // [tile][column]
  // Shared converter model derived from the macro.
  static constexpr int kGrid = 1024;
  std::vector<double> step_v_;  // h(code) per DAC code 0 .. 2^d - 1
  double baseline_v_ = 0.0;
  double inverse_full_count_ = 1.0;   // 1 / (rows x largest DAC code)
  std::vector<double> mean_v_;        // uniform-code line voltage on a uniform ideal_frac grid
  std::vector<double> static_v_;      // static sigma on the same grid
  std::vector<double> dynamic_v_;     // dynamic line and comparator noise sigma, same grid
  std::vector<double> inverse_frac_;  // ideal_frac on a uniform mean-voltage grid
  double inverse_v0_ = 0.0;
  double inverse_dv_ = 1.0;
  std::vector<double> transition_extra_sigma_v_;  // per transition, beyond the comparator offset
  std::vector<double> code_frac_;                 // reconstructed ideal_frac per ADC code

  double Interp(const std::vector<double>& table, double frac) const;
  double InverseFrac(double v) const;
};

// A run configuration bound to a programmed array: computes the model output of one input
// vector. Thread-safety: immutable after construction; Run is const and may be called from many
// threads at once, each with its own Rng and Workspace.
class MacRunner {
 public:
  // Failures: UsageError from ValidateRunOptions. Ownership: keeps a reference to `array`, which
  // must outlive the runner. Thread-safety: construct once, share freely.
  MacRunner(const MacArray& array, const RunOptions& options);

  struct Workspace {
    std::vector<std::uint64_t> planes;
    std::vector<std::uint64_t> code_masks;  // rows per activation subword value (Run's cache)
  };

  // The model output of every column for one input vector; `noise` draws the per-conversion
  // noise. Adds what was done to `counts` when non-null (its histogram is sized on first use);
  // when `per_tile` is non-empty (size row tiles x outputs) also writes each row tile's part.
  // Failures: UsageError as MacArray::Exact. Ownership: writes `out` (size outputs).
  // Thread-safety: const; `noise`, `workspace` and `counts` belong to the caller.
  void Run(std::span<const std::int32_t> activations,
           Rng& noise,
           Workspace& workspace,
           std::span<double> out,
           ActionCounts* counts,
           std::span<double> per_tile = {}) const;

  // Saliency S and the chosen B_D/A of each (row tile, column tile) array pass, row-major; for
  // modes other than OSA-HCIM S is 0. Failures: as Run. Thread-safety: as Run.
  void Saliency(std::span<const std::int32_t> activations,
                Workspace& workspace,
                std::span<std::int64_t> saliency,
                std::span<int> boundary) const;

  // The 1-bit MAC counts the saliency evaluator normalizes for one input vector: for every row
  // tile, every column and every (i, j) pair of the s saliency orders, appended to `counts`.
  // Failures: UsageError outside OSA-HCIM mode, or as Run. Thread-safety: as Run.
  void SaliencyCounts(std::span<const std::int32_t> activations,
                      Workspace& workspace,
                      std::vector<int>& counts) const;

  // The ADC code of one analog conversion on column `column` of row tile `tile` when
  // `rows_at_code[d]` rows hold W = 1 at DAC code d (d = 0 .. 2^dac_bits - 1; the other rows W =
  // 0): the line transfer, this column's static errors and, when switched on, per-conversion
  // noise drawn from `noise`, then the column's ADC transitions. It is the path Run takes for
  // every analog op (Run then maps the code back to a value); exposed so the model can be checked
  // against SPICE one conversion at a time. The error switches apply except `quantization`: a
  // code is always quantized.
  // Failures: UsageError for a tile or column outside the array, a count vector of the wrong
  // size, a negative count or more rows than the array has. Thread-safety: const; `noise`
  // belongs to the caller.
  int ConvertCode(int tile,
                  int column,
                  std::span<const std::int64_t> rows_at_code,
                  Rng& noise) const;

  const RunOptions& Options() const { return options_; }

  // Where the 1-bit MAC of weight bit i and activation bit j runs at B_D/A `boundary` (the plan
  // Run follows; in OSA-HCIM the saliency orders are digital whatever the boundary).
  // Failures: UsageError for a boundary, i or j outside the shape's range. Thread-safety: const.
  enum class Domain { kDigital, kAnalog, kDiscarded };
  Domain DomainOf(int boundary, int i, int j) const;

 private:
  struct BitPlan {
    int digital_lo = 0;  // digital j in [digital_lo, a-1]
    int analog_lo = 0;   // analog j in [analog_lo, analog_hi] when analog_lo <= analog_hi
    int analog_hi = -1;
    int discard_hi = -1;          // discarded j in [0, discard_hi]
    double discard_weight = 0.0;  // sum over discarded j of 2^j
  };
  struct Plan {
    std::vector<BitPlan> bits;  // per weight bit i
    int digital_pairs = 0;
    int analog_ops = 0;
  };
  int ChooseBoundary(std::int64_t saliency) const;
  // Adds one column's digital activity in one pass to `counts`: rows with W = 1 and the adder
  // tree's inputs at 1 per digital cycle, the accumulator's register toggles. `pair_count[i * a +
  // j]` holds the digital 1-bit MAC results, `analog_part[i]` each weight bit's analog result.
  void CountDigitalActivity(const Plan& plan,
                            int tile,
                            int column,
                            const int* pair_count,
                            const double* analog_part,
                            ActionCounts& counts) const;
  // GBLB toggles over the rows in one pass of `plan` with activation planes `act`.
  std::int64_t DinToggles(const Plan& plan, const std::uint64_t* act) const;
  std::int64_t TileSaliency(int tile, int column_tile, const std::uint64_t* act) const;
  // The line voltage at the ADC input for an op whose W = 1 rows sum to `step_v` above the
  // baseline at ideal fraction x, with the switched-on errors.
  double LineInput(const MacArray::ColumnStatic& column,
                   double step_v,
                   double x,
                   FastNormal& normal) const;
  // The column's ADC code for line voltage v.
  int Quantize(const MacArray::ColumnStatic& column, double v) const;
  // One analog op of `n` activation bits: `counts[s]` rows with W = 1 hold subword s. Returns
  // the reconstructed value in subword units (sum over rows of W x subword).
  double Convert(const MacArray::ColumnStatic& column,
                 int n,
                 const std::int64_t* counts,
                 FastNormal& normal) const;

  const MacArray* array_;
  RunOptions options_;
  int ose_floor_ = 0;  // k_ose = w + a - 1 - s in OSA-HCIM, otherwise above every order
  std::int64_t nq_full_scale_ = 1;       // F of the N/Q unit (OseOptions::nq_full_scale resolved)
  std::vector<Plan> plans_;              // per B_D/A
  std::vector<double> weight_sign_;      // s_i / 2^i: +1, or -1 for the signed MSB plane
  std::vector<std::uint64_t> row_mask_;  // the array's rows, one bit each
};

}  // namespace cimchar::mac
