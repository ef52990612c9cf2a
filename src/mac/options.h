#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "calib/macro.h"
#include "mac/kernel/isa.h"

namespace cimchar::mac {

// What the model simulates: the macro's geometry (calib::Geometry, from the characterized
// macro: rows, columns, DAC and ADC bits, analog window) and the operands mapped onto it. Nothing
// here is hard-wired; the defaults are the OSA-HCIM macro (64b x 144 rows, 8 hybrid MAC units,
// 3-bit SAR ADC, a 4-order analog window driven by a 4-bit DAC) with 8b x 8b operands.
struct MacShape : calib::Geometry {
  int activation_bits = 8;      // a: unsigned activations, 1..8
  int weight_bits = 8;          // w: 1..8
  bool signed_weights = false;  // two's complement weights when true

  // The geometry part. Failures: none.
  const calib::Geometry& geometry() const { return *this; }
};

// Checks every field of `shape`. Failures: UsageError naming the field, its value and the allowed
// range. Thread-safety: pure.
void ValidateShape(const MacShape& shape);

// Largest output order k = i + j plus one: B_D/A = MaxBoundary(shape) leaves nothing digital.
// Failures: none. Thread-safety: pure.
inline int MaxBoundary(const MacShape& shape) {
  return shape.activation_bits + shape.weight_bits - 1;
}

enum class Mode {
  kDcim,     // every order digital: exact
  kHcim,     // fixed B_D/A
  kOsaHcim,  // B_D/A per input vector and array tile from the saliency evaluator
};

// Parses "dcim", "hcim" or "osa-hcim". Failures: UsageError naming the value. Thread-safety: pure.
Mode ParseMode(const std::string& text);
// The lowercase name ParseMode accepts. Failures: none. Thread-safety: pure.
std::string ModeName(Mode mode);

// Ideal switches for the error budget: turning a source off removes exactly that error.
struct ErrorSwitches {
  bool dynamic_noise = true;  // per-conversion line noise and comparator noise
  bool static_noise = true;   // per-chip fixed-pattern line error, comparator offset, ADC INL
  bool quantization = true;   // false: infinite ADC resolution and no clipping
  bool discard = true;        // false: orders below B_D/A-W are computed exactly instead
  // The line's transfer error: an op's line is the sum of its rows' per-code steps (the DAC and
  // line nonlinearity), read back through the uniform-code transfer, which does not undo it when
  // the rows hold different codes. false: the line sits on the uniform-code transfer at the op's
  // ideal fraction, so the read-back is exact.
  bool transfer = true;
};

// How the saliency evaluator sums the N/Q outputs q of a column's saliency 1-bit MACs (the paper
// does not say how signed weights enter):
//   kUnsigned   every q adds (the sign plane's too, so a small negative weight counts like a
//               large positive one);
//   kSigned     the sign plane's q subtract and a column counts only when its sum is positive
//               (the high-order partial sum of the output, as Precision Gating gates on: a
//               negative one is likely cut by the ReLU);
//   kMagnitude  the sign plane's q subtract and a column counts by the magnitude of its sum.
// With unsigned weights the three are the same.
enum class SaliencyKind { kUnsigned, kSigned, kMagnitude };

// Parses "unsigned", "signed" or "magnitude". Failures: UsageError naming the value.
SaliencyKind ParseSaliencyKind(const std::string& text);
// The name ParseSaliencyKind accepts. Failures: none.
std::string SaliencyKindName(SaliencyKind kind);

// The on-the-fly saliency evaluator (paper Sec. V-A) and its thresholds.
struct OseOptions {
  // s: the s highest output orders (k = w+a-2 down to w+a-1-s, every (i, j) pair in them) are
  // computed digitally first; their 1-bit MACs feed the evaluator and are reused in the result.
  int orders = 2;
  SaliencyKind saliency = SaliencyKind::kUnsigned;
  // N/Q unit: each 1-bit MAC count c (0..rows) becomes min(round(c 2^q / F), 2^q-1), F the
  // full scale below.
  int quant_bits = 3;
  // F, the count the N/Q unit maps to the top of its q-bit range. The paper normalizes by the
  // range of the data: high-order activation bits are rare in real feature maps, so their counts
  // are far below `rows`; SaliencyFullScale (thresholds.h) sets F per layer from calibration
  // data. 0 means rows + 1, the whole count range 0..rows (no data-dependent normalization).
  int nq_full_scale = 0;
  // Candidates B[0..b-1], strictly increasing: B[0] is the most precise (most digital).
  std::vector<int> candidates = {5, 6, 7, 8, 9, 10};
  // Thresholds T[0..b-2], non-increasing: the first m with S >= T[m] selects B[m], else B[b-1].
  // High saliency therefore selects a small B_D/A, i.e. more digital orders.
  std::vector<std::int64_t> thresholds = {};
};

// What to run for one configuration.
struct RunOptions {
  Mode mode = Mode::kHcim;
  int boundary = 8;  // B_D/A for kHcim; ignored otherwise
  OseOptions ose = {};
  ErrorSwitches switches = {};
  // Adds p * sum over discarded (i, j) of s_i 2^j popcount(W_i) to each output, the expected
  // value of the discarded part when every activation bit is 1 with probability p.
  bool compensate_discard = false;
  double activation_bit_probability = 0.5;
  // The instruction set the model's kernel runs on: results are identical on every one.
  Isa isa = Isa::kAuto;
};

// Checks `options` against `shape`. Failures: UsageError naming the value and the allowed range
// (boundary outside 0..a+w-1, candidates not increasing, wrong threshold count, ...).
// Thread-safety: pure.
void ValidateRunOptions(const MacShape& shape, const RunOptions& options);

}  // namespace cimchar::mac
