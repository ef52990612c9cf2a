// The MAC kernel's body, written once over a lane backend `L` (lanes_scalar.h, lanes_avx2.h,
// lanes_avx512.h) and compiled once per instruction set by kernel_<isa>.cpp, which includes every
// header this file needs first (so that no library code is compiled for the wider instruction
// set) and then this file. Everything here has internal linkage: each instruction set gets its
// own copy. No #pragma once: each including file is a different translation unit.
//
// Semantics (mac::MacRunner::Run is the documented interface): for every input vector, row tile
// and column tile, the B_D/A (fixed, or chosen from the saliency of the tile's columns), then per
// weight bit i the digital 1-bit MACs (exact popcounts), one analog conversion of the analog
// window (rows with W_i = 1 counted per activation subword, the line's step summed in subword
// order, static and dynamic errors, the column's ADC transitions, the code read back), and the
// discarded orders (dropped, kept exact, or replaced by their expectation).

namespace {

using cimchar::mac::kernel::ArrayView;
using cimchar::mac::kernel::Batch;
using cimchar::mac::kernel::BitPlan;
using cimchar::mac::kernel::Group;
using cimchar::mac::kernel::kLanes;
using cimchar::mac::kernel::kMaxSubwords;
using cimchar::mac::kernel::kWindowSlots;
using cimchar::mac::kernel::MaskStride;
using cimchar::mac::kernel::PlanView;
using cimchar::mac::kernel::RunView;
using cimchar::mac::kernel::Tally;

// Bit planes of one input vector for every row tile: planes[(tile * a + j) * words + word].
// Returns the OR of the activations (bits above a are ignored here and refused by the caller).
template <class L>
inline std::uint32_t PackVector(const ArrayView& A,
                                const std::int32_t* activations,
                                std::uint64_t* planes) {
  const int a = A.activation_bits;
  const int words = A.words;
  std::uint32_t any = 0;
  for (int t = 0; t < A.row_tiles; ++t) {
    std::uint64_t* tile = planes + static_cast<std::size_t>(t) * a * words;
    const int base = t * A.rows;
    const int rows = A.length - base < A.rows ? A.length - base : A.rows;
    for (int word = 0; word < words; ++word) {
      const int n = rows - 64 * word;
      any |= L::PackRows(activations + base + 64 * word, n < 0 ? 0 : (n > 64 ? 64 : n), a,
                         tile + word, static_cast<std::size_t>(words));
    }
  }
  return any;
}

// The analog windows (lowest activation bit, bit count) of one row tile seen so far, each with
// the rows of every subword value (masks) and, when counting, their row counts.
struct WindowCache {
  int lo[kWindowSlots];
  int n[kWindowSlots];
  int used = 0;
};

inline int Popcount64(std::uint64_t x) { return __builtin_popcountll(x); }

// The masks of one window: masks[k * kMaskStride + word], the rows whose n-bit activation
// subword starting at bit `lo` equals k (bit b of k from plane lo + b), split plane by plane with
// eight words per lane vector; when `count_rows`, rows[k] their row counts within the array's
// rows.
template <class L>
inline int WindowSlot(const ArrayView& A,
                      const std::uint64_t* act,
                      int lo,
                      int n,
                      bool count_rows,
                      WindowCache& cache,
                      Batch& b) {
  for (int k = 0; k < cache.used; ++k) {
    if (cache.lo[k] == lo && cache.n[k] == n) {
      return k;
    }
  }
  if (cache.used == kWindowSlots) {
    cache.used = 0;  // more distinct windows than slots (never with 8-bit operands): start over
  }
  const int slot = cache.used++;
  cache.lo[slot] = lo;
  cache.n[slot] = n;
  const int words = A.words;
  const std::size_t stride = MaskStride(words);
  std::uint64_t* masks = b.masks + static_cast<std::size_t>(slot) * kMaxSubwords * stride;
  const std::uint64_t* planes = act + static_cast<std::size_t>(lo) * words;
  for (int w0 = 0; w0 < words; w0 += kLanes) {
    typename L::U m[kMaxSubwords];
    m[0] = L::SetU(~std::uint64_t{0});
    int cnt = 1;
    for (int bit = n - 1; bit >= 0; --bit) {
      // Reads up to kLanes words from w0: the planes buffer is padded for it (kernel.h).
      const typename L::U p = L::LoadU(planes + static_cast<std::size_t>(bit) * words + w0);
      for (int k = cnt - 1; k >= 0; --k) {
        m[2 * k + 1] = L::And(m[k], p);
        m[2 * k] = L::AndNot(m[k], p);
      }
      cnt *= 2;
    }
    for (int k = 0; k < cnt; ++k) {
      L::StoreU(masks + static_cast<std::size_t>(k) * stride + static_cast<std::size_t>(w0), m[k]);
    }
  }
  if (count_rows) {
    // Rows past the layer's length hold activation 0, so every subword but 0 counts only rows of
    // the array; subword 0 takes the rest of the array's rows (row_mask).
    std::int64_t* rows = b.mask_rows + static_cast<std::size_t>(slot) * kMaxSubwords;
    std::int64_t others = 0;
    for (int k = 1; k < (1 << n); ++k) {
      typename L::U c = L::Popcount(L::LoadU(masks + static_cast<std::size_t>(k) * stride));
      for (int w0 = kLanes; w0 < words; w0 += kLanes) {
        c = L::Add(c, L::Popcount(L::LoadU(masks + static_cast<std::size_t>(k) * stride +
                                           static_cast<std::size_t>(w0))));
      }
      rows[k] = static_cast<std::int64_t>(L::SumLanes(c));
      others += rows[k];
    }
    rows[0] = A.mask_rows - others;
  }
  return slot;
}

// Rows with W = 1 (lanes of `w`: [word][lane]) that are also set in `plane` ([word]), per lane.
template <class L>
inline typename L::U CountRows(const std::uint64_t* w, const std::uint64_t* plane, int words) {
  typename L::U c = L::Popcount(L::And(L::LoadU(w), L::SetU(plane[0])));
  for (int word = 1; word < words; ++word) {
    c = L::Add(c, L::Popcount(L::And(L::LoadU(w + static_cast<std::size_t>(word) * kLanes),
                                     L::SetU(plane[word]))));
  }
  return c;
}

// Eight standard normals from two draws of the noise stream: lane l takes the top 14 bits of the
// (l mod 4)-th 16-bit chunk, most significant first, of draw l / 4 (as mac::FastNormal does).
template <class L>
inline typename L::D Normals(const ArrayView& A, cimchar::mac::Rng& rng) {
  constexpr int kBits = cimchar::mac::FastNormal::kTableBits;
  constexpr std::uint64_t kMask = (std::uint64_t{1} << kBits) - 1;
  const std::uint64_t x0 = rng.Next();
  const std::uint64_t x1 = rng.Next();
  alignas(64) std::uint64_t index[kLanes];
  for (int l = 0; l < 4; ++l) {
    const int shift = 64 - kBits - 16 * l;
    index[l] = (x0 >> shift) & kMask;
    index[4 + l] = (x1 >> shift) & kMask;
  }
  return L::GatherF(A.normal_table, L::LoadU(index));
}

// The ideal fraction whose mean line voltage is v (mac::MacArray::IdealFraction): linear between
// the transfer's measured points, the end segments extended, in the scalar Lerp's operations.
template <class L>
inline typename L::D InverseFrac(const ArrayView& A, typename L::D v) {
  typename L::U hi = L::SetU(1);
  for (int m = 1; m + 1 < A.knots; ++m) {
    hi = L::AddIf(hi, L::GeD(v, L::SetD(A.knot_v[m])));
  }
  const typename L::U lo = L::Sub(hi, L::SetU(1));
  const typename L::D v0 = L::Lookup16(A.knot_v, lo);
  const typename L::D x0 = L::Lookup16(A.knot_x, lo);
  const typename L::D t = L::DivD(L::SubD(v, v0), L::SubD(L::Lookup16(A.knot_v, hi), v0));
  return L::AddD(x0, L::MulD(t, L::SubD(L::Lookup16(A.knot_x, hi), x0)));
}

// One conversion per lane: the line at baseline + `step` with the switched-on errors of the
// lanes' columns (`statics`) and noise `z`, their sigmas those of the op's code sum `weighted`
// (an exact integer), quantized by the columns' transitions. Returns the codes; `frac` receives
// the ideal fraction each is read back as: the shared value of the code, or with fitted values
// (ArrayView::column_values, static errors on) the lane's own from `values` (ColumnValues).
template <class L>
inline typename L::U Convert(const ArrayView& A,
                             const RunView& R,
                             const double* statics,
                             const double* values,
                             typename L::D step,
                             typename L::D weighted,
                             typename L::D z,
                             typename L::D& frac) {
  using D = typename L::D;
  using U = typename L::U;
  const U index = L::ToInt(weighted);
  D v = R.transfer ? L::AddD(L::SetD(A.baseline_v), step) : L::GatherD(A.uniform_by_count, index);
  if (R.static_noise) {
    const D sigma = L::GatherD(A.static_by_count, index);
    v = L::AddD(v, L::AddD(L::MulD(L::LoadD(statics), sigma), L::LoadD(statics + kLanes)));
  }
  if (R.dynamic_noise) {
    v = L::AddD(v, L::MulD(L::GatherD(A.dynamic_by_count, index), z));
  }
  U code = L::ZeroU();
  for (int k = 0; k + 1 < A.adc_levels; ++k) {
    const D tk = R.static_noise ? L::LoadD(statics + static_cast<std::size_t>(2 + k) * kLanes)
                                : L::SetD(A.transitions_v[k]);
    code = L::AddIf(code, L::GeD(v, tk));
  }
  frac = !R.quantization      ? InverseFrac<L>(A, v)
         : A.adc_levels <= 16 ? L::Lookup16(A.code_frac16, code)
                              : L::GatherD(A.code_frac, code);
  if (values != nullptr && R.quantization) {
    // The column's own value of its code: values[code][lane].
    static_assert(kLanes == 8, "the lane index is code x 8 + lane");
    alignas(64) static constexpr std::uint64_t kLaneIndex[kLanes] = {0, 1, 2, 3, 4, 5, 6, 7};
    frac = L::GatherD(values, L::Add(L::Shl(code, 3), L::LoadU(kLaneIndex)));
  }
  return code;
}

// Rounds half away from zero (std::llround) lanes below 2^31 in magnitude.
template <class L>
inline typename L::U RoundHalfAway(typename L::D x) {
  const typename L::U whole = L::ToInt(x);
  const typename L::D rest = L::SubD(x, L::ToDouble(whole));
  return L::SubIf(L::AddIf(whole, L::GeD(rest, L::SetD(0.5))), L::LeD(rest, L::SetD(-0.5)));
}

// Partial sums of the line's step (PassGroup and ConvertOne).
constexpr int kStepParts = 4;

// The 2^-shift factors of the subword's place in the DAC code (a product, not a division).
constexpr double kInversePow2[] = {1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125};

// One pass of lane group `g` of row tile `tile` at plan `plan`: writes each lane's part of the
// output to `part` and, when `tally` is set, what the columns did.
template <class L>
inline void PassGroup(const ArrayView& A,
                      const RunView& R,
                      const PlanView& plan,
                      int tile,
                      int g,
                      const std::uint64_t* act,
                      WindowCache& cache,
                      Batch& b,
                      double* part) {
  using D = typename L::D;
  using U = typename L::U;
  const int a = A.activation_bits;
  const int w = A.weight_bits;
  const int words = A.words;
  const Group& group = A.group[g];
  const std::size_t at = static_cast<std::size_t>(tile) * A.groups + static_cast<std::size_t>(g);
  const std::uint64_t* weights = A.weight_lanes + at * w * words * kLanes;
  const std::uint64_t* weight_counts = A.weight_counts + at * w * kLanes;
  const double* statics = A.statics + at * cimchar::mac::kernel::StaticsPerGroup(A);
  Tally* tally = b.tally;
  const int top = (1 << A.dac_bits) - 1;
  const double full = static_cast<double>(A.rows) * top;

  U pair[64];        // digital 1-bit MAC counts [i * a + j], kept for the accumulator's activity
  D analog_part[8];  // each weight bit's analog result
  U op_rows[kMaxSubwords];  // rows with W = 1 at each DAC code over this pass's analog ops
  // The noise of every analog op, drawn first (in weight-bit order) so the table lookups overlap.
  D normals[8];
  for (int i = 0; i < w; ++i) {
    const BitPlan& bp = plan.bits[i];
    normals[i] =
        R.dynamic_noise && bp.analog_hi >= bp.analog_lo ? Normals<L>(A, *b.noise) : L::ZeroD();
  }
  if (tally != nullptr) {
    for (int d = 0; d < (1 << A.dac_bits); ++d) {
      op_rows[d] = L::ZeroU();
    }
  }
  alignas(64) std::uint64_t lanes_tmp[kLanes];
  U digital = L::ZeroU();
  D analog = L::ZeroD();
  for (int i = 0; i < w; ++i) {
    const BitPlan& bp = plan.bits[i];
    const std::uint64_t* wi = weights + static_cast<std::size_t>(i) * words * kLanes;
    U d = L::ZeroU();
    for (int j = bp.digital_lo; j < a; ++j) {
      const U c = CountRows<L>(wi, act + static_cast<std::size_t>(j) * words, words);
      d = L::Add(d, L::Shl(c, j));
      if (tally != nullptr) {
        pair[i * a + j] = c;
        L::StoreU(lanes_tmp, c);
        for (int l = 0; l < group.lanes; ++l) {
          tally->tree_ones[lanes_tmp[l] * kLanes + static_cast<std::uint64_t>(l)] += 1;
        }
      }
    }
    analog_part[i] = L::ZeroD();
    if (bp.analog_hi >= bp.analog_lo) {
      const int n = bp.analog_hi - bp.analog_lo + 1;
      const int shift = A.dac_bits - n;
      const int slot = WindowSlot<L>(A, act, bp.analog_lo, n, tally != nullptr, cache, b);
      const std::size_t stride = cimchar::mac::kernel::MaskStride(words);
      const std::uint64_t* masks = b.masks + static_cast<std::size_t>(slot) * kMaxSubwords * stride;
      // The line's step summed in four partial sums by DAC code mod 4 (kStepParts), each in
      // increasing code order, then (p0 + p1) + (p2 + p3): a fixed order every path and
      // ConvertOne share, with shorter dependency chains than one running sum. Subword 0 adds
      // nothing. The weighted count is an exact integer in any order.
      D part[kStepParts] = {L::ZeroD(), L::ZeroD(), L::ZeroD(), L::ZeroD()};
      D weighted = L::ZeroD();
      U counted = L::ZeroU();
      const auto add = [&](int sub, D& into) {
        const int code = sub << shift;
        const U c = CountRows<L>(wi, masks + static_cast<std::size_t>(sub) * stride, words);
        const D cd = L::ToDouble(c);
        into = L::AddD(into, L::MulD(cd, L::SetD(A.step_v[code])));
        weighted = L::AddD(weighted, L::MulD(cd, L::SetD(static_cast<double>(code))));
        if (tally != nullptr) {
          op_rows[code] = L::Add(op_rows[code], c);
          counted = L::Add(counted, c);
        }
      };
      if (shift == 0) {
        // code = sub: four at a time into the four partial sums (the common 4-bit window).
        for (int base = 0; base < (1 << n); base += kStepParts) {
          if (base > 0) {
            add(base, part[0]);
          }
          add(base + 1, part[1]);
          add(base + 2, part[2]);
          add(base + 3, part[3]);
        }
      } else {
        for (int sub = 1; sub < (1 << n); ++sub) {
          add(sub, part[(sub << shift) % kStepParts]);
        }
      }
      if (tally != nullptr) {  // code 0: the other rows with W = 1
        op_rows[0] =
            L::Add(op_rows[0],
                   L::Sub(L::LoadU(weight_counts + static_cast<std::size_t>(i) * kLanes), counted));
      }
      const D step = L::AddD(L::AddD(part[0], part[1]), L::AddD(part[2], part[3]));
      const D z = normals[i];
      D frac;
      Convert<L>(
          A, R, statics,
          A.column_values != 0 && R.static_noise ? ColumnValues(A, at, plan.boundary, i) : nullptr,
          step, weighted, z, frac);
      // frac x full in subword units, placed at order i + lo with its sign: the power-of-two
      // factors are exact, so one product rounds as frac x full alone does.
      analog_part[i] =
          L::MulD(frac, L::SetD(full * R.weight_sign[i] * kInversePow2[shift] *
                                static_cast<double>(std::int64_t{1} << (i + bp.analog_lo))));
      analog = L::AddD(analog, analog_part[i]);
    }
    if (bp.discard_hi >= 0) {
      if (!R.discard) {
        for (int j = 0; j <= bp.discard_hi; ++j) {
          d = L::Add(d,
                     L::Shl(CountRows<L>(wi, act + static_cast<std::size_t>(j) * words, words), j));
        }
      } else if (R.compensate) {
        const D wc = L::ToDouble(L::LoadU(weight_counts + static_cast<std::size_t>(i) * kLanes));
        analog = L::AddD(analog, L::MulD(L::MulD(L::MulD(L::SetD(R.weight_sign[i] * R.p_one), wc),
                                                 L::SetD(bp.discard_weight)),
                                         L::SetD(static_cast<double>(std::int64_t{1} << i))));
      }
    }
    d = L::Shl(d, i);
    digital = R.weight_sign[i] < 0 ? L::Sub(digital, d) : L::Add(digital, d);
  }
  L::StoreD(part, L::AddD(L::ToDouble(digital), analog));

  if (tally != nullptr) {
    for (int d = 0; d < (1 << A.dac_bits); ++d) {
      std::uint64_t* rows = tally->op_code_rows + static_cast<std::size_t>(d) * kLanes;
      L::StoreU(rows, L::Add(L::LoadU(rows), op_rows[d]));
    }
    // The accumulator's register toggles: activation bits MSB first, each weight bit that uses
    // it, then the analog results (the schedule of mac::MacRunner's energy model).
    const U mask = L::SetU((std::uint64_t{1} << R.accumulator_bits) - 1);  // 2 .. 62 bits
    U acc = L::ZeroU();
    U toggles = L::ZeroU();
    const auto add = [&](U v) {
      const U next = L::Add(acc, v);
      toggles = L::Add(toggles, L::Popcount(L::And(L::Xor(acc, next), mask)));
      acc = next;
    };
    for (int j = a - 1; j >= 0; --j) {
      for (int i = 0; i < w; ++i) {
        if (j < plan.bits[i].digital_lo) {
          continue;
        }
        const U v = L::Shl(pair[i * a + j], i + j);
        add(R.weight_sign[i] < 0 ? L::Sub(L::ZeroU(), v) : v);
      }
    }
    for (int i = 0; i < w; ++i) {
      if (plan.bits[i].analog_hi >= plan.bits[i].analog_lo) {
        add(RoundHalfAway<L>(analog_part[i]));
      }
    }
    L::StoreU(lanes_tmp, toggles);
    for (int l = 0; l < group.lanes; ++l) {
      tally->accumulator_toggles[l] += lanes_tmp[l];
    }
  }
}

// The saliency S of row tile `tile`, column tile `ct`: the N/Q outputs of the saliency orders'
// 1-bit MACs summed over the tile's columns as RunView::saliency_kind says (mac::SaliencyKind).
template <class L>
inline std::int64_t TileSaliency(
    const ArrayView& A, const RunView& R, int tile, int ct, const std::uint64_t* act) {
  const int a = A.activation_bits;
  const int w = A.weight_bits;
  const int words = A.words;
  alignas(64) std::uint64_t counts[kLanes];
  std::int64_t s = 0;
  for (int g = 0; g < A.groups; ++g) {
    const Group& group = A.group[g];
    if (group.column_tile != ct) {
      continue;
    }
    const std::size_t at = static_cast<std::size_t>(tile) * A.groups + static_cast<std::size_t>(g);
    const std::uint64_t* weights = A.weight_lanes + at * w * words * kLanes;
    std::int64_t column[kLanes] = {};  // each column's sum, the sign plane's subtracted
    for (int i = 0; i < w; ++i) {
      const std::uint64_t* wi = weights + static_cast<std::size_t>(i) * words * kLanes;
      const bool negative = R.saliency_kind != 0 && R.weight_sign[i] < 0;
      for (int j = R.ose_floor - i > 0 ? R.ose_floor - i : 0; j < a; ++j) {
        L::StoreU(counts, CountRows<L>(wi, act + static_cast<std::size_t>(j) * words, words));
        for (int l = 0; l < group.lanes; ++l) {
          const std::int64_t q = R.nq_of_count[counts[l]];
          column[l] += negative ? -q : q;
        }
      }
    }
    for (int l = 0; l < group.lanes; ++l) {
      const std::int64_t c = column[l];
      s += R.saliency_kind == 1 ? (c > 0 ? c : 0) : R.saliency_kind == 2 ? (c < 0 ? -c : c) : c;
    }
  }
  return s;
}

inline int ChooseBoundary(const RunView& R, std::int64_t saliency) {
  for (int m = 0; m + 1 < R.candidates; ++m) {
    if (saliency >= R.threshold[m]) {
      return R.candidate[m];
    }
  }
  return R.candidate[R.candidates - 1];
}

// GBLB toggles over the rows in one pass of `plan`: idle (every row 0), then the activation
// planes MSB first down to the lowest digital one.
inline std::int64_t DinToggles(const ArrayView& A, const PlanView& plan, const std::uint64_t* act) {
  const int a = A.activation_bits;
  const int words = A.words;
  int j_lo = a;
  for (int i = 0; i < A.weight_bits; ++i) {
    j_lo = plan.bits[i].digital_lo < j_lo ? plan.bits[i].digital_lo : j_lo;
  }
  std::int64_t toggles = 0;
  const std::uint64_t* prev = nullptr;
  for (int j = a - 1; j >= j_lo; --j) {
    const std::uint64_t* plane = act + static_cast<std::size_t>(j) * words;
    for (int word = 0; word < words; ++word) {
      const std::uint64_t before = prev == nullptr ? 0 : prev[word];
      toggles += Popcount64((plane[word] ^ before) & A.row_mask[word]);
    }
    prev = plane;
  }
  return toggles;
}

// DCIM with nothing counted: every order is digital and exact, so each output is the integer dot
// product itself (16-bit operands, 32-bit sums per row tile: |w x a| < 2^15, at most 4096 rows).
inline void DotBatch(const ArrayView& A, Batch& b) {
  b.any_bits = 0;
  for (std::int64_t v = 0; v < b.vectors; ++v) {
    const std::int32_t* act = b.activations + v * A.length;
    std::uint32_t any = 0;
    for (int r = 0; r < A.length; ++r) {
      any |= static_cast<std::uint32_t>(act[r]);
      b.values[r] = static_cast<std::int16_t>(act[r] & 0xFF);
    }
    b.any_bits |= any;
    double* out = b.out + v * A.outputs;
    double* per_tile = b.per_tile == nullptr ? nullptr : b.per_tile + v * A.row_tiles * A.outputs;
    for (int c = 0; c < A.outputs; ++c) {
      out[c] = 0.0;
    }
    for (int t = 0; t < A.row_tiles; ++t) {
      const int rows = A.length - t * A.rows < A.rows ? A.length - t * A.rows : A.rows;
      const std::int16_t* a = b.values + static_cast<std::ptrdiff_t>(t) * A.rows;
      for (int c = 0; c < A.outputs; ++c) {
        const std::int16_t* w =
            A.weights + (static_cast<std::size_t>(t) * A.outputs + static_cast<std::size_t>(c)) *
                            static_cast<std::size_t>(A.rows);
        std::int32_t sum = 0;
        for (int r = 0; r < rows; ++r) {
          sum += static_cast<std::int32_t>(w[r]) * static_cast<std::int32_t>(a[r]);
        }
        out[c] += static_cast<double>(sum);
        if (per_tile != nullptr) {
          per_tile[t * A.outputs + c] = static_cast<double>(sum);
        }
      }
    }
  }
}

template <class L>
void RunBatchImpl(const ArrayView& A, const RunView& R, Batch& b) {
  if (R.mode == 0 && b.tally == nullptr) {
    DotBatch(A, b);
    return;
  }
  const int a = A.activation_bits;
  const int words = A.words;
  Tally* tally = b.tally;
  alignas(64) double part[kLanes];
  b.any_bits = 0;
  for (std::int64_t v = 0; v < b.vectors; ++v) {
    b.any_bits |= PackVector<L>(A, b.activations + v * A.length, b.planes);
    double* out = b.out + v * A.outputs;
    for (int c = 0; c < A.outputs; ++c) {
      out[c] = 0.0;
    }
    double* per_tile = b.per_tile == nullptr ? nullptr : b.per_tile + v * A.row_tiles * A.outputs;
    for (int t = 0; t < A.row_tiles; ++t) {
      const std::uint64_t* act = b.planes + static_cast<std::size_t>(t) * a * words;
      WindowCache cache;
      int g = 0;
      for (int ct = 0; ct < A.column_tiles; ++ct) {
        int boundary = 0;
        if (R.mode == 1) {
          boundary = R.boundary;
        } else if (R.mode == 2) {
          boundary = ChooseBoundary(R, TileSaliency<L>(A, R, t, ct, act));
        }
        const PlanView plan = cimchar::mac::kernel::Plan(R, A.weight_bits, boundary);
        int columns = 0;
        for (; g < A.groups && A.group[g].column_tile == ct; ++g) {
          const Group& group = A.group[g];
          PassGroup<L>(A, R, plan, t, g, act, cache, b, part);
          for (int l = 0; l < group.lanes; ++l) {
            out[group.first_column + l] += part[l];
            if (per_tile != nullptr) {
              per_tile[t * A.outputs + group.first_column + l] = part[l];
            }
          }
          columns += group.lanes;
          if (tally != nullptr) {
            tally->digital_w1_rows +=
                R.digital_w1_rows[(static_cast<std::size_t>(t) * A.groups + g) * R.boundaries +
                                  boundary];
          }
        }
        if (tally != nullptr) {
          const std::int64_t n = columns;
          tally->array_passes += 1;
          tally->digital_cycles += n * plan.digital_pairs;
          tally->digital_array_cycles += plan.digital_pairs;
          // The digital and the analog cycles of a pass run concurrently (paper Sec. IV-B).
          tally->array_cycles +=
              plan.digital_pairs > plan.analog_ops ? plan.digital_pairs : plan.analog_ops;
          tally->din_toggles += DinToggles(A, plan, act);
          tally->analog_ops += n * plan.analog_ops;
          tally->dac_cycles += plan.analog_ops;
          // What each analog cycle's DACs drove: every row's subword of that weight bit's window.
          for (int i = 0; i < A.weight_bits; ++i) {
            const BitPlan& bp = plan.bits[i];
            if (bp.analog_hi < bp.analog_lo) {
              continue;
            }
            const int n_bits = bp.analog_hi - bp.analog_lo + 1;
            const int slot = WindowSlot<L>(A, act, bp.analog_lo, n_bits, true, cache, b);
            const std::int64_t* rows = b.mask_rows + static_cast<std::size_t>(slot) * kMaxSubwords;
            const int shift = A.dac_bits - n_bits;
            if (shift == 0 && n_bits == 4) {
              for (int v = 0; v < 2; ++v) {
                auto* into = reinterpret_cast<std::uint64_t*>(tally->dac_code_rows) + 8 * v;
                L::StoreU(into,
                          L::Add(L::LoadU(into),
                                 L::LoadU(reinterpret_cast<const std::uint64_t*>(rows) + 8 * v)));
              }
            } else {
              for (int k = 0; k < (1 << n_bits); ++k) {
                tally->dac_code_rows[k << shift] += rows[k];
              }
            }
          }
          tally->accumulations += n * (plan.digital_pairs + plan.analog_ops);
          if (R.mode == 2) {
            tally->nq_ops += n * R.ose_pairs;
            tally->ose_evals += 1;
          }
          tally->boundary_histogram[boundary] += 1;
        }
      }
    }
    if (tally != nullptr) {
      tally->input_vectors += 1;
    }
  }
}

}  // namespace
