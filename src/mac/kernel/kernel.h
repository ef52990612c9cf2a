#pragma once

// The MAC model's hot loop, in one template (kernel_impl.h) compiled once per instruction set:
// scalar (any CPU), AVX2 and AVX-512. Every path gives identical outputs, codes and counts for
// the same inputs and seeds: the same IEEE operations in the same order per lane, no fused
// multiply-add (the library is built with -ffp-contract=off), noise drawn in a fixed order. The
// path is chosen at run time (isa.h).
//
// The kernel works on eight columns at once (a lane group: up to eight consecutive columns of one
// column tile; a column tile of fewer columns leaves lanes empty). It sees the programmed array
// and the run configuration through the plain views below, which mac::MacArray and
// mac::MacRunner fill; it allocates nothing.

#include <cstddef>
#include <cstdint>

#include "mac/random.h"

namespace cimchar::mac::kernel {

inline constexpr int kLanes = 8;
// Distinct analog windows (lowest activation bit, bit count) cached per row tile; operands of at
// most 8 bits use at most 8 (one per weight bit).
inline constexpr int kWindowSlots = 16;
inline constexpr int kMaxSubwords = 16;  // 2^(largest analog window), the DAC's 4 bits

// Words between two masks of a window (kernel_impl.h): whole lane vectors.
inline std::size_t MaskStride(int words) {
  return (static_cast<std::size_t>(words) + kLanes - 1) / kLanes * kLanes;
}

struct Group {
  int column_tile = 0;
  int first_column = 0;
  int lanes = 0;  // columns in the group, 1..kLanes
};

// A programmed array (mac::MacArray) in the kernel's layout. Static errors per lane: line_z (the
// standard normal scaling the line's static sigma), comparator offset (V), then the ADC
// transitions (V) including their own static deviations.
struct ArrayView {
  int rows = 0;
  int length = 0;
  int outputs = 0;
  int row_tiles = 0;
  int column_tiles = 0;
  int words = 0;  // 64-bit words per bit plane of one row tile
  int activation_bits = 0;
  int weight_bits = 0;
  int dac_bits = 0;
  int adc_levels = 0;
  // 0, or adc_levels when the readout fits each physical column's code values (one weight bit
  // of an output) per B_D/A: `values` holds them, [tile][group][boundary][bit][code][lane] with
  // `value_boundaries` boundaries (MaxBoundary + 1).
  int column_values = 0;
  int value_boundaries = 0;
  const double* values = nullptr;
  int groups = 0;                                // lane groups of one row tile
  const Group* group = nullptr;                  // [groups], column tiles in order
  const std::uint64_t* weight_lanes = nullptr;   // [tile][group][bit][word][lane]
  const std::uint64_t* weight_counts = nullptr;  // [tile][group][bit][lane]: rows with W_i = 1
  const std::int16_t* weights = nullptr;         // [tile][column][row]: the weights' values
  // [tile][group][2 + adc_levels - 1][lane]
  const double* statics = nullptr;
  // The converter, shared by every column.
  const double* step_v = nullptr;  // [2^dac_bits]: the line's step per W = 1 row at each code
  double baseline_v = 0.0;
  // The line's static and dynamic (with the comparator's) sigma of an op whose W = 1 rows' DAC
  // codes sum to n, n = 0 .. rows x largest code, and its line on the uniform-code transfer.
  const double* static_by_count = nullptr;
  const double* dynamic_by_count = nullptr;
  const double* uniform_by_count = nullptr;
  // The uniform-code transfer's measured points: ideal fraction and mean line voltage, padded to
  // 16 entries for register lookups (the DAC has at most 4 bits).
  int knots = 0;
  const double* knot_x = nullptr;
  const double* knot_v = nullptr;
  const double* code_frac = nullptr;        // [adc_levels]
  const double* code_frac16 = nullptr;      // [16]: code_frac padded (converters up to 4 bits)
  const double* transitions_v = nullptr;    // [adc_levels - 1], mean
  const float* normal_table = nullptr;      // FastNormal::Table()
  const std::uint64_t* row_mask = nullptr;  // [words]: the array's rows
  std::int64_t mask_rows = 0;               // rows set in row_mask
};

inline std::size_t StaticsPerGroup(const ArrayView& a) {
  return static_cast<std::size_t>(2 + a.adc_levels - 1) * kLanes;
}

// The first of a physical column's fitted values (ArrayView::values) in lane group `at` (tile x
// groups + group) for weight bit `bit` at B_D/A `boundary`: code k of lane l at [k x kLanes + l].
inline const double* ColumnValues(const ArrayView& a, std::size_t at, int boundary, int bit) {
  return a.values +
         ((at * static_cast<std::size_t>(a.value_boundaries) + static_cast<std::size_t>(boundary)) *
              static_cast<std::size_t>(a.weight_bits) +
          static_cast<std::size_t>(bit)) *
             static_cast<std::size_t>(a.adc_levels) * kLanes;
}

// Where each 1-bit MAC of weight bit i runs at one B_D/A (mac::MacRunner's plan).
struct BitPlan {
  int digital_lo = 0;  // digital j in [digital_lo, a - 1]
  int analog_lo = 0;   // analog j in [analog_lo, analog_hi] when analog_lo <= analog_hi
  int analog_hi = -1;
  int discard_hi = -1;          // discarded j in [0, discard_hi]
  double discard_weight = 0.0;  // sum over discarded j of 2^j
};

// One B_D/A's plan, as the kernel reads it from a RunView.
struct PlanView {
  int boundary = 0;
  const BitPlan* bits = nullptr;  // [weight bits]
  int digital_pairs = 0;
  int analog_ops = 0;
};

// A run configuration (mac::RunOptions resolved against the array).
struct RunView {
  int mode = 0;  // 0 DCIM, 1 HCIM at `boundary`, 2 OSA-HCIM
  int boundary = 0;
  int boundaries = 0;                  // largest B_D/A + 1
  const BitPlan* bits = nullptr;       // [B_D/A][weight bit]
  const int* digital_pairs = nullptr;  // [B_D/A]
  const int* analog_ops = nullptr;     // [B_D/A]
  // OSA-HCIM: the saliency orders k >= ose_floor, the N/Q output of each count 0..rows, the
  // candidates and thresholds.
  int ose_floor = 0;
  const std::int64_t* nq_of_count = nullptr;
  int candidates = 0;
  const int* candidate = nullptr;
  const std::int64_t* threshold = nullptr;  // [candidates - 1]
  int ose_pairs = 0;                        // saliency 1-bit MACs of one column
  int saliency_kind = 0;                    // mac::SaliencyKind: 0 unsigned, 1 signed, 2 magnitude
  bool dynamic_noise = true;
  bool static_noise = true;
  bool quantization = true;
  bool discard = true;
  bool transfer = true;
  bool compensate = false;  // add the expected discarded part
  double p_one = 0.5;
  const double* weight_sign = nullptr;  // [weight bits]: +1, or -1 for a signed MSB plane
  // [tile][group][boundary]: the rows with W = 1 that the digital cycles of the group's columns
  // see at each B_D/A (sum over digital pairs of the plane's row count).
  const std::int64_t* digital_w1_rows = nullptr;
  int accumulator_bits = 0;
};

inline PlanView Plan(const RunView& run, int weight_bits, int boundary) {
  return {boundary, run.bits + static_cast<std::size_t>(boundary) * weight_bits,
          run.digital_pairs[boundary], run.analog_ops[boundary]};
}

// What the macro did, counted per lane where a count is data-dependent; ActionCounts once
// flushed (mac::MacRunner). Sized by the runner.
struct Tally {
  std::int64_t array_passes = 0;
  std::int64_t digital_cycles = 0;
  std::int64_t digital_array_cycles = 0;
  std::int64_t array_cycles = 0;
  std::int64_t analog_ops = 0;
  std::int64_t dac_cycles = 0;
  std::int64_t digital_w1_rows = 0;
  std::int64_t din_toggles = 0;
  std::int64_t nq_ops = 0;
  std::int64_t ose_evals = 0;
  std::int64_t accumulations = 0;
  std::int64_t input_vectors = 0;
  std::int64_t* boundary_histogram = nullptr;  // [boundaries]
  std::uint32_t* tree_ones = nullptr;          // [(rows + 1) x kLanes]: count-major, lane-minor
  std::uint64_t* op_code_rows = nullptr;       // [2^dac_bits x kLanes]
  std::int64_t* dac_code_rows = nullptr;       // [2^dac_bits]
  std::uint64_t accumulator_toggles[kLanes] = {};
};

// One call's input vectors and buffers.
struct Batch {
  const std::int32_t* activations = nullptr;  // [vectors][length]
  std::int64_t vectors = 0;
  Rng* noise = nullptr;        // per-conversion noise, drawn in order over the vectors
  double* out = nullptr;       // [vectors][outputs]
  double* per_tile = nullptr;  // [vectors][row tiles][outputs], or null
  // [row tiles][activation bits][words] and kLanes words of padding (read, never used)
  std::uint64_t* planes = nullptr;
  std::uint64_t* masks = nullptr;     // [kWindowSlots][kMaxSubwords][MaskStride(words)]
  std::int64_t* mask_rows = nullptr;  // [kWindowSlots][kMaxSubwords]
  Tally* tally = nullptr;             // null: nothing counted
  std::uint32_t any_bits = 0;         // out: OR of every activation (the caller checks the range)
  std::int16_t* values = nullptr;     // [length]: one vector's activations (DCIM without counts)
};

// One entry per instruction set; each runs every vector of the batch.
void RunScalar(const ArrayView& array, const RunView& run, Batch& batch);
void RunAvx2(const ArrayView& array, const RunView& run, Batch& batch);
void RunAvx512(const ArrayView& array, const RunView& run, Batch& batch);

// The bit planes of one input vector (`planes`: [row tiles][activation bits][words]); returns the
// OR of the activations.
std::uint32_t Pack(const ArrayView& array, const std::int32_t* activations, std::uint64_t* planes);

// The saliency S of row tile `tile`, column tile `column_tile` for one vector's planes `act` of
// that tile (the scalar path of the kernel's evaluator).
std::int64_t TileSaliencyOne(const ArrayView& array,
                             const RunView& run,
                             int tile,
                             int column_tile,
                             const std::uint64_t* act);

// The ADC code of one conversion on lane `lane` of group `group` of row tile `tile` (the scalar
// path of the kernel's conversion): `rows_at_code[d]` rows hold W = 1 at DAC code d. `noise` is
// drawn only when dynamic noise is on.
int ConvertOne(const ArrayView& array,
               const RunView& run,
               int tile,
               int group,
               int lane,
               const std::int64_t* rows_at_code,
               Rng& noise);

}  // namespace cimchar::mac::kernel
