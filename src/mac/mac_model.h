#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "calib/macro.h"
#include "mac/energy.h"
#include "mac/kernel/isa.h"
#include "mac/kernel/kernel.h"
#include "mac/options.h"
#include "mac/random.h"
#include "mac/readout.h"

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

  // Fits a readout's per-column code values (Readout::FitsColumns: the comparator readouts'
  // digital scale factors) on real data instead of the uniform random operands the constructor
  // fits on: every analog op the input vectors `activations` (row-major, vectors x Length())
  // give each column at each B_D/A of `boundaries` (HCIM's plan: every weight bit's analog
  // window), converted with the column's static errors and noise. A readout with shared values
  // (the SAR) is left as it is. Failures: UsageError for an activation count that is not a
  // whole number (>= 1) of vectors, an activation out of range, a boundary outside 0 ..
  // MaxBoundary, or boundaries without an analog op. Thread-safety: not const; no runner may
  // run on the array meanwhile.
  void FitReadout(std::span<const std::int32_t> activations, std::span<const int> boundaries);

  // The ideal fraction of full scale (sum over rows of W x DAC code, over rows x (2^d - 1)) that
  // ADC code `code` is read back as (the centre of its mean input interval through the line's
  // uniform-code transfer, clamped to [0, 1]): the value every analog op of the model takes.
  // Failures: UsageError for a code outside 0 .. 2^b - 1. Thread-safety: const.
  double CodeFraction(int code) const;
  // The ideal fraction whose mean line voltage on the uniform-code transfer is `line_v` (linear
  // between and beyond the measured codes). Failures: none. Thread-safety: const.
  double IdealFraction(double line_v) const;

 private:
  friend class MacRunner;
  // The kernel's view of this array (pointers into its members). Thread-safety: const.
  kernel::ArrayView View() const;
  // Rows with W_i = 1 of `column` in row tile `tile` that are also set in `plane` (one word per
  // 64 rows).
  int CountRows(int tile, int column, int bit, const std::uint64_t* plane) const;

  MacShape shape_;
  calib::Macro macro_;
  int length_ = 0;
  int outputs_ = 0;
  int row_tiles_ = 0;
  int column_tiles_ = 0;
  int words_ = 0;
  std::uint64_t chip_seed_ = 0;
  // Columns in lane groups of at most kernel::kLanes within a column tile; the weights as bit
  // planes and the static errors per lane (kernel.h gives the layouts).
  std::vector<kernel::Group> groups_;
  std::vector<int> column_group_;             // [column]: its group
  std::vector<std::int16_t> weights_;         // [tile][column][row]: values
  std::vector<std::uint64_t> weight_lanes_;   // [tile][group][bit][word][lane]
  std::vector<std::uint64_t> weight_counts_;  // [tile][group][bit][lane]
  std::vector<double> statics_;               // [tile][group][2 + levels - 1][lane]
  std::vector<std::uint64_t> row_mask_;       // [word]: the array's rows
  // The converter, shared by every column, tabulated so the kernel looks up in O(1).
  std::vector<double> step_v_;  // h(code) per DAC code 0 .. 2^d - 1
  double baseline_v_ = 0.0;
  // Static sigma and dynamic (line and comparator) sigma of an op by the sum of its W = 1 rows'
  // DAC codes, 0 .. rows x (2^d - 1).
  std::vector<double> static_by_count_;
  std::vector<double> dynamic_by_count_;
  std::vector<double> uniform_by_count_;  // the uniform-code transfer's line, same index
  // The uniform-code transfer's measured points (ideal fraction, mean line voltage), padded to 16.
  int knots_ = 0;
  std::vector<double> knot_x_;
  std::vector<double> knot_v_;
  // A readout's per-column values (Readout::FitsColumns), [tile][group][boundary][bit][code]
  // [lane] (kernel::ArrayView::values). ForEachColumn calls `fit(tile, group, lane, rng)` for
  // every column with its calibration stream; FitColumn fits one column on the ops `next_op(n,
  // rows_at_code)` lists (it fills op n's rows with W = 1 at each DAC code and returns true, or
  // false after the last), converted with the column's errors and `rng`'s noise (`nominal`:
  // with neither, the shared values code_frac_); SetColumnValues
  // stores them for one weight bit at one B_D/A.
  using NextOp = std::function<bool(int, std::vector<std::int64_t>&)>;
  void ForEachColumn(const std::function<void(int, int, int, Rng&)>& fit);
  std::vector<double> FitColumn(
      int tile, int group, int lane, Rng& rng, const NextOp& next_op, bool nominal = false) const;
  void SetColumnValues(
      int tile, int group, int lane, int boundary, int bit, const std::vector<double>& values);
  int value_boundaries_ = 0;
  std::vector<double> values_;

  std::shared_ptr<const Readout> readout_;  // the column readout (calib::Macro::readout)
  int column_values_ = 0;                   // kernel::ArrayView::column_values
  std::vector<double> code_frac_;           // reconstructed ideal_frac per code
  std::vector<double> code_frac16_;         // the same padded to 16 entries (kernel::ArrayView)
  // Sets code_frac_ and code_frac16_.
  void SetCodeFractions(std::vector<double> fractions);
};

// A run configuration bound to a programmed array: computes the model output of one input
// vector. Thread-safety: immutable after construction; Run is const and may be called from many
// threads at once, each with its own Rng and Workspace.
class MacRunner {
 public:
  // Failures: UsageError from ValidateRunOptions, or for an instruction set (options.isa) this
  // CPU cannot run. Ownership: keeps a reference to `array`, which must outlive the runner.
  // Thread-safety: construct once, share freely.
  MacRunner(const MacArray& array, const RunOptions& options);

  // One thread's buffers; reused across calls so the hot loop allocates nothing.
  struct Workspace {
    std::vector<std::uint64_t> planes;
    std::vector<std::uint64_t> masks;  // rows per activation subword value of each analog window
    std::vector<std::int64_t> mask_rows;
    std::vector<std::int16_t> values;
    // Counts of the current call, per lane where data-dependent (kernel::Tally), before they are
    // added to the caller's ActionCounts.
    std::vector<std::uint32_t> tree_ones;
    std::vector<std::uint64_t> op_code_rows;
    std::vector<std::int64_t> dac_code_rows;
    std::vector<std::int64_t> boundary_histogram;
  };

  // The model output of every column for one input vector; `noise` draws the per-conversion
  // noise. Adds what was done to `counts` when non-null (its histograms are sized on first use);
  // when `per_tile` is non-empty (size row tiles x outputs) also writes each row tile's part.
  // Failures: UsageError as MacArray::Exact. Ownership: writes `out` (size outputs).
  // Thread-safety: const; `noise`, `workspace` and `counts` belong to the caller.
  void Run(std::span<const std::int32_t> activations,
           Rng& noise,
           Workspace& workspace,
           std::span<double> out,
           ActionCounts* counts,
           std::span<double> per_tile = {}) const;

  // Run over `activations.size() / Length()` input vectors (row-major), the same as calling Run
  // on each in order with the same `noise`, only faster: out is vectors x outputs, per_tile
  // (optional) vectors x row tiles x outputs. Failures: UsageError for sizes that do not match or
  // an activation outside 0..2^a-1 (then `out` and `counts` are unspecified).
  // Thread-safety: as Run.
  void RunBatch(std::span<const std::int32_t> activations,
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
  // The instruction set the kernel runs on (never kAuto). Failures: none.
  Isa KernelIsa() const { return isa_; }

  // Where the 1-bit MAC of weight bit i and activation bit j runs at B_D/A `boundary` (the plan
  // Run follows; in OSA-HCIM the saliency orders are digital whatever the boundary).
  // Failures: UsageError for a boundary, i or j outside the shape's range. Thread-safety: const.
  enum class Domain { kDigital, kAnalog, kDiscarded };
  Domain DomainOf(int boundary, int i, int j) const;

 private:
  // The kernel's view of this configuration. Thread-safety: const.
  kernel::RunView View() const;
  int ChooseBoundary(std::int64_t saliency) const;
  std::int64_t TileSaliency(int tile, int column_tile, const std::uint64_t* act) const;

  const MacArray* array_;
  RunOptions options_;
  Isa isa_ = Isa::kScalar;
  int ose_floor_ = 0;  // k_ose = w + a - 1 - s in OSA-HCIM, otherwise above every order
  int ose_pairs_ = 0;  // saliency 1-bit MACs of one column
  std::int64_t nq_full_scale_ = 1;         // F of the N/Q unit (OseOptions::nq_full_scale resolved)
  std::vector<std::int64_t> nq_of_count_;  // N/Q output of each 1-bit MAC count 0..rows
  std::vector<kernel::BitPlan> bits_;      // [B_D/A][weight bit]
  std::vector<int> digital_pairs_;         // [B_D/A]
  std::vector<int> analog_ops_;            // [B_D/A]
  std::vector<double> weight_sign_;        // s_i: +1, or -1 for the signed MSB plane
  std::vector<std::int64_t> digital_w1_rows_;  // [tile][group][B_D/A]
};

}  // namespace cimchar::mac
