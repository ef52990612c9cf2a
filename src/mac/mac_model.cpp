#include "mac/mac_model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>

#include "core/error.h"

namespace cimchar::mac {

namespace {

// Linear interpolation through (xs, ys), extrapolating the end segments.
double Lerp(const std::vector<double>& xs, const std::vector<double>& ys, double x) {
  const auto it = std::upper_bound(xs.begin() + 1, xs.end() - 1, x);
  const auto hi = static_cast<std::size_t>(it - xs.begin());
  const std::size_t lo = hi - 1;
  const double t = (x - xs[lo]) / (xs[hi] - xs[lo]);
  return ys[lo] + t * (ys[hi] - ys[lo]);
}

// The shape's geometry must be the macro's: the tables describe one circuit.
void CheckGeometry(const MacShape& shape, const calib::Macro& macro) {
  const calib::Geometry& g = macro.geometry;
  const std::string where =
      macro.sources.empty() ? std::string("the analytic macro")
                            : "the characterized macro (" + macro.sources.front().file.string() +
                                  (macro.sources.size() > 1 ? ", ..." : "") + ")";
  for (const auto& [name, mine, theirs] :
       {std::tuple{"rows", shape.rows, g.rows}, std::tuple{"columns", shape.columns, g.columns},
        std::tuple{"DAC bits", shape.dac_bits, g.dac_bits},
        std::tuple{"analog window", shape.analog_window, g.analog_window},
        std::tuple{"ADC bits", shape.adc_bits, g.adc_bits}}) {
    if (mine != theirs) {
      throw UsageError(std::string("the model's ") + name + " = " + std::to_string(mine) +
                       " differs from " + where + "'s " + std::to_string(theirs) +
                       ": a model simulates the circuit its tables describe");
    }
  }
}

// Rows with W = 1 at each subword s of the n activation planes `act` (MSB last), in one pass over
// the words: counts[s] += popcount of the rows of `w` whose n bits equal s.
// The rows of each value k of the n-bit activation subword whose lowest plane is `act`:
// masks[k * words + word] (k's bits MSB first from plane n - 1). One split serves every column
// and weight bit of a pass that converts the same subword.
inline void SplitByCode(const std::uint64_t* act, int n, int words, std::uint64_t* masks) {
  std::uint64_t m[16];
  for (int word = 0; word < words; ++word) {
    m[0] = ~std::uint64_t{0};
    int cnt = 1;
    for (int b = n - 1; b >= 0; --b) {
      const std::uint64_t p = act[static_cast<std::size_t>(b) * words + word];
      for (int k = cnt - 1; k >= 0; --k) {
        m[2 * k + 1] = m[k] & p;
        m[2 * k] = m[k] & ~p;
      }
      cnt *= 2;
    }
    for (int k = 0; k < cnt; ++k) {
      masks[static_cast<std::size_t>(k) * words + word] = m[k];
    }
  }
}

// counts[k] += the rows of `w` (a weight plane or a row mask) whose subword value is k.
inline void CountByCode(
    const std::uint64_t* w, const std::uint64_t* masks, int n, int words, std::int64_t* counts) {
  for (int k = 0; k < (1 << n); ++k) {
    const std::uint64_t* mk = masks + static_cast<std::size_t>(k) * words;
    int c = 0;
    for (int word = 0; word < words; ++word) {
      c += std::popcount(w[word] & mk[word]);
    }
    counts[k] += c;
  }
}

inline int Popcount(const std::uint64_t* a, const std::uint64_t* b, int words) {
  int n = 0;
  for (int w = 0; w < words; ++w) {
    n += std::popcount(a[w] & b[w]);
  }
  return n;
}

}  // namespace

MacArray::MacArray(const MacShape& shape,
                   const calib::Macro& macro,
                   std::span<const std::int32_t> weights,
                   int length,
                   int outputs,
                   std::uint64_t chip_seed)
    : shape_(shape), macro_(macro), length_(length), outputs_(outputs) {
  ValidateShape(shape_);
  calib::ValidateMacro(macro_);
  CheckGeometry(shape_, macro_);
  if (length < 1 || outputs < 1) {
    throw UsageError("a layer needs a dot-product length and an output count >= 1 (got " +
                     std::to_string(length) + " x " + std::to_string(outputs) + ")");
  }
  const std::size_t expected = static_cast<std::size_t>(length) * static_cast<std::size_t>(outputs);
  if (weights.size() != expected) {
    throw UsageError("expected " + std::to_string(expected) + " weights (" +
                     std::to_string(length) + " x " + std::to_string(outputs) + "), got " +
                     std::to_string(weights.size()));
  }
  const int w = shape_.weight_bits;
  const std::int32_t w_min = shape_.signed_weights ? -(1 << (w - 1)) : 0;
  const std::int32_t w_max = shape_.signed_weights ? (1 << (w - 1)) - 1 : (1 << w) - 1;
  for (std::size_t n = 0; n < weights.size(); ++n) {
    if (weights[n] < w_min || weights[n] > w_max) {
      std::ostringstream msg;
      msg << "weight " << n << " (row " << n / static_cast<std::size_t>(outputs) << ", column "
          << n % static_cast<std::size_t>(outputs) << ") = " << weights[n]
          << " is outside the allowed range " << w_min << ".." << w_max << " of "
          << (shape_.signed_weights ? "signed " : "unsigned ") << w << "-bit weights";
      throw UsageError(msg.str());
    }
  }
  row_tiles_ = (length + shape_.rows - 1) / shape_.rows;
  column_tiles_ = (outputs + shape_.columns - 1) / shape_.columns;
  // A layer shorter than one array leaves its upper rows empty: the words that hold only those
  // rows are never packed nor counted.
  words_ = (std::min(shape_.rows, length_) + 63) / 64;

  weight_planes_.assign(static_cast<std::size_t>(row_tiles_) * outputs * w * words_, 0);
  weight_popcounts_.assign(static_cast<std::size_t>(row_tiles_) * outputs * w, 0);
  const std::uint32_t mask = (1u << w) - 1;
  for (int t = 0; t < row_tiles_; ++t) {
    for (int c = 0; c < outputs; ++c) {
      for (int r = 0; r < shape_.rows; ++r) {
        const int row = t * shape_.rows + r;
        if (row >= length) {
          break;
        }
        const auto bits =
            static_cast<std::uint32_t>(weights[static_cast<std::size_t>(row) * outputs + c]) & mask;
        for (int i = 0; i < w; ++i) {
          if ((bits >> i) & 1u) {
            weight_planes_[PlaneIndex(t, c, i) + static_cast<std::size_t>(r / 64)] |=
                std::uint64_t{1} << (r % 64);
          }
        }
      }
      for (int i = 0; i < w; ++i) {
        const std::uint64_t* plane = WeightPlane(t, c, i);
        int n = 0;
        for (int word = 0; word < words_; ++word) {
          n += std::popcount(plane[word]);
        }
        weight_popcounts_[(static_cast<std::size_t>(t) * outputs + c) * w + i] = n;
      }
    }
  }

  // Converter tables on uniform grids, so the hot loop interpolates in O(1).
  const calib::LineTransfer& line = macro_.line;
  const int top = (1 << shape_.dac_bits) - 1;
  step_v_.resize(static_cast<std::size_t>(top) + 1);
  inverse_full_count_ = 1.0 / (static_cast<double>(shape_.rows) * top);
  for (int d = 0; d <= top; ++d) {
    step_v_[static_cast<std::size_t>(d)] = line.StepV(d, shape_.rows);
  }
  baseline_v_ = line.baseline_v;
  std::vector<double> xs;
  for (int c : line.codes) {
    xs.push_back(static_cast<double>(c) / top);
  }
  for (std::size_t i = 1; i < line.code_v.size(); ++i) {
    if (!(line.code_v[i] > line.code_v[i - 1])) {
      throw UsageError("the macro's line voltage does not increase from DAC code " +
                       std::to_string(line.codes[i - 1]) + " to " + std::to_string(line.codes[i]) +
                       " (" + std::to_string(line.code_v[i - 1]) + " V, " +
                       std::to_string(line.code_v[i]) +
                       " V): the ADC code cannot be read back through it");
    }
  }
  mean_v_.resize(kGrid + 1);
  static_v_.resize(kGrid + 1);
  dynamic_v_.resize(kGrid + 1);
  for (int g = 0; g <= kGrid; ++g) {
    const double x = static_cast<double>(g) / kGrid;
    mean_v_[g] = Lerp(xs, line.code_v, x);
    static_v_[g] = Lerp(xs, line.code_static_sigma_v, x);
    // The line's dynamic noise and the comparator's input-referred noise are independent
    // Gaussians per conversion: one draw of their combined sigma is the same distribution.
    const double line_dynamic = Lerp(xs, line.code_dynamic_sigma_v, x);
    const double comparator = macro_.adc.comparator_noise_sigma_v;
    dynamic_v_[g] = std::sqrt(line_dynamic * line_dynamic + comparator * comparator);
  }
  inverse_v0_ = line.code_v.front();
  inverse_dv_ = (line.code_v.back() - line.code_v.front()) / kGrid;
  inverse_frac_.resize(kGrid + 1);
  for (int g = 0; g <= kGrid; ++g) {
    inverse_frac_[g] = Lerp(line.code_v, xs, inverse_v0_ + g * inverse_dv_);
  }

  const calib::AdcTransfer& adc = macro_.adc;
  const int levels = 1 << shape_.adc_bits;
  const double lsb_v = adc.LsbV();
  transition_extra_sigma_v_.resize(static_cast<std::size_t>(levels) - 1);
  for (int k = 0; k + 1 < levels; ++k) {
    const double total = adc.transition_static_sigma_v[static_cast<std::size_t>(k)];
    const double offset = adc.comparator_offset_sigma_v;
    // The comparator offset moves every transition together; the rest is each transition's own.
    transition_extra_sigma_v_[static_cast<std::size_t>(k)] =
        std::sqrt(std::max(0.0, total * total - offset * offset));
  }
  // Each code is read back at the centre of its mean input interval: between its two mean
  // transitions, half an LSB beyond the first and the last, mapped through the uniform-code
  // transfer.
  code_frac_.resize(levels);
  const std::vector<double>& tv = adc.transition_v;
  for (int code = 0; code < levels; ++code) {
    const double centre = code == 0            ? tv.front() - 0.5 * lsb_v
                          : code == levels - 1 ? tv.back() + 0.5 * lsb_v
                                               : 0.5 * (tv[code - 1] + tv[code]);
    code_frac_[code] = std::clamp(InverseFrac(centre), 0.0, 1.0);
  }

  columns_.resize(static_cast<std::size_t>(row_tiles_) * outputs);
  for (int t = 0; t < row_tiles_; ++t) {
    for (int c = 0; c < outputs; ++c) {
      ColumnStatic& col = columns_[static_cast<std::size_t>(t) * outputs + c];
      Rng rng(StreamSeed(chip_seed, static_cast<std::uint64_t>(t), static_cast<std::uint64_t>(c),
                         0x5747u));
      col.line_z = rng.Normal();
      col.comparator_offset_v = adc.comparator_offset_sigma_v * rng.Normal();
      col.transitions_v = tv;
      for (int k = 0; k + 1 < levels; ++k) {
        col.transitions_v[k] +=
            transition_extra_sigma_v_[static_cast<std::size_t>(k)] * rng.Normal();
      }
    }
  }
}

double MacArray::Interp(const std::vector<double>& table, double frac) const {
  const double pos = frac * kGrid;
  const int index = std::clamp(static_cast<int>(pos), 0, kGrid - 1);
  const double t = pos - index;
  return table[index] + t * (table[index + 1] - table[index]);
}

double MacArray::CodeFraction(int code) const {
  if (code < 0 || static_cast<std::size_t>(code) >= code_frac_.size()) {
    throw UsageError("ADC code " + std::to_string(code) + " is outside 0.." +
                     std::to_string(code_frac_.size() - 1) + " of the macro's " +
                     std::to_string(shape_.adc_bits) + "-bit ADC");
  }
  return code_frac_[static_cast<std::size_t>(code)];
}

double MacArray::InverseFrac(double v) const {
  const double pos = (v - inverse_v0_) / inverse_dv_;
  const int index = std::clamp(static_cast<int>(std::floor(pos)), 0, kGrid - 1);
  const double t = pos - index;
  return inverse_frac_[index] + t * (inverse_frac_[index + 1] - inverse_frac_[index]);
}

namespace {

[[noreturn]] void BadActivation(std::span<const std::int32_t> activations, int bits) {
  for (std::size_t n = 0; n < activations.size(); ++n) {
    if (activations[n] < 0 || activations[n] >= (1 << bits)) {
      throw UsageError("activation " + std::to_string(n) + " = " + std::to_string(activations[n]) +
                       " is outside the allowed range 0.." + std::to_string((1 << bits) - 1) +
                       " of unsigned " + std::to_string(bits) + "-bit activations");
    }
  }
  throw UsageError("activation out of range");
}

void CheckActivationCount(std::span<const std::int32_t> activations, int length) {
  if (activations.size() != static_cast<std::size_t>(length)) {
    throw UsageError("expected " + std::to_string(length) + " activations (the dot-product " +
                     "length), got " + std::to_string(activations.size()));
  }
}

void CheckTileSpan(std::size_t size, int row_tiles, int outputs) {
  if (size != 0 && size != static_cast<std::size_t>(row_tiles) * outputs) {
    throw UsageError("per-tile span has " + std::to_string(size) + " entries; expected " +
                     std::to_string(row_tiles) + " row tiles x " + std::to_string(outputs) +
                     " outputs");
  }
}

}  // namespace

void MacArray::Exact(std::span<const std::int32_t> activations,
                     std::span<std::int64_t> out,
                     std::span<std::int64_t> per_tile) const {
  CheckActivationCount(activations, length_);
  if (out.size() != static_cast<std::size_t>(outputs_)) {
    throw UsageError("output span has " + std::to_string(out.size()) + " entries; expected " +
                     std::to_string(outputs_));
  }
  CheckTileSpan(per_tile.size(), row_tiles_, outputs_);
  std::uint32_t any = 0;
  for (std::int32_t v : activations) {
    any |= static_cast<std::uint32_t>(v);
  }
  if ((any >> shape_.activation_bits) != 0) {
    BadActivation(activations, shape_.activation_bits);
  }
  std::fill(out.begin(), out.end(), 0);
  const std::uint32_t mask = (1u << shape_.weight_bits) - 1;
  const std::uint32_t sign = shape_.signed_weights ? 1u << (shape_.weight_bits - 1) : 0u;
  for (int t = 0; t < row_tiles_; ++t) {
    for (int c = 0; c < outputs_; ++c) {
      std::int64_t sum = 0;
      for (int r = 0; r < shape_.rows && t * shape_.rows + r < length_; ++r) {
        std::int64_t wv = 0;
        for (int i = 0; i < shape_.weight_bits; ++i) {
          if ((WeightPlane(t, c, i)[r / 64] >> (r % 64)) & 1u) {
            wv |= std::int64_t{1} << i;
          }
        }
        if (sign != 0 && (wv & sign) != 0) {
          wv -= static_cast<std::int64_t>(mask) + 1;
        }
        sum += wv * activations[static_cast<std::size_t>(t * shape_.rows + r)];
      }
      out[c] += sum;
      if (!per_tile.empty()) {
        per_tile[static_cast<std::size_t>(t) * outputs_ + c] = sum;
      }
    }
  }
}

void MacArray::PackActivations(std::span<const std::int32_t> activations,
                               std::vector<std::uint64_t>& planes) const {
  CheckActivationCount(activations, length_);
  const int a = shape_.activation_bits;
  planes.assign(static_cast<std::size_t>(row_tiles_) * a * words_, 0);
  std::uint32_t any = 0;
  for (int t = 0; t < row_tiles_; ++t) {
    std::uint64_t* tile = &planes[static_cast<std::size_t>(t) * a * words_];
    const int base = t * shape_.rows;
    const int rows = std::min(shape_.rows, length_ - base);
    int r = 0;
    // Eight rows at a time: bit j of eight bytes gathered into one byte by a multiply.
    for (; r + 8 <= rows; r += 8) {
      std::uint64_t x = 0;
      for (int m = 0; m < 8; ++m) {
        const auto v =
            static_cast<std::uint32_t>(activations[static_cast<std::size_t>(base + r + m)]);
        any |= v;
        x |= static_cast<std::uint64_t>(v & 0xFFu) << (8 * m);
      }
      const int word = r / 64;
      const int shift = r % 64;
      for (int j = 0; j < a; ++j) {
        const std::uint64_t gathered =
            (((x >> j) & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56;
        tile[j * words_ + word] |= gathered << shift;
      }
    }
    for (; r < rows; ++r) {
      const auto v = static_cast<std::uint32_t>(activations[static_cast<std::size_t>(base + r)]);
      any |= v;
      for (int j = 0; j < a; ++j) {
        tile[j * words_ + r / 64] |= static_cast<std::uint64_t>((v >> j) & 1u) << (r % 64);
      }
    }
  }
  if ((any >> a) != 0) {
    BadActivation(activations, a);
  }
}

MacRunner::MacRunner(const MacArray& array, const RunOptions& options)
    : array_(&array), options_(options) {
  const MacShape& shape = array.Shape();
  ValidateRunOptions(shape, options_);
  const int a = shape.activation_bits;
  const int w = shape.weight_bits;
  const int window = shape.analog_window;
  const int max_boundary = MaxBoundary(shape);
  ose_floor_ = options_.mode == Mode::kOsaHcim ? w + a - 1 - options_.ose.orders
                                               : std::numeric_limits<int>::max() / 2;
  plans_.resize(static_cast<std::size_t>(max_boundary) + 1);
  for (int b = 0; b <= max_boundary; ++b) {
    Plan& plan = plans_[b];
    plan.bits.resize(w);
    const int digital_floor = std::min(b, ose_floor_);
    const int discard_floor = std::min(b - window, digital_floor);
    for (int i = 0; i < w; ++i) {
      BitPlan& bp = plan.bits[i];
      bp.digital_lo = std::max(0, digital_floor - i);
      bp.analog_lo = std::max(0, b - window - i);
      bp.analog_hi = std::min(a - 1, digital_floor - 1 - i);
      if (bp.analog_lo > bp.analog_hi) {
        bp.analog_lo = 0;
        bp.analog_hi = -1;
      } else {
        ++plan.analog_ops;
      }
      bp.discard_hi = std::min(a - 1, discard_floor - 1 - i);
      for (int j = 0; j <= bp.discard_hi; ++j) {
        bp.discard_weight += std::ldexp(1.0, j);
      }
      plan.digital_pairs += std::max(0, a - bp.digital_lo);
    }
  }
  row_mask_.assign(static_cast<std::size_t>(array.WordsPerTile()), 0);
  for (int r = 0; r < std::min(shape.rows, 64 * array.WordsPerTile()); ++r) {
    row_mask_[static_cast<std::size_t>(r / 64)] |= std::uint64_t{1} << (r % 64);
  }
  nq_full_scale_ = options_.ose.nq_full_scale > 0 ? options_.ose.nq_full_scale : shape.rows + 1;
  weight_sign_.assign(w, 1.0);
  if (shape.signed_weights) {
    weight_sign_[w - 1] = -1.0;
  }
}

MacRunner::Domain MacRunner::DomainOf(int boundary, int i, int j) const {
  const MacShape& shape = array_->Shape();
  if (boundary < 0 || static_cast<std::size_t>(boundary) >= plans_.size() || i < 0 ||
      i >= shape.weight_bits || j < 0 || j >= shape.activation_bits) {
    throw UsageError("DomainOf: B_D/A " + std::to_string(boundary) + ", weight bit " +
                     std::to_string(i) + ", activation bit " + std::to_string(j) +
                     " is outside B_D/A 0.." + std::to_string(plans_.size() - 1) + ", i 0.." +
                     std::to_string(shape.weight_bits - 1) + ", j 0.." +
                     std::to_string(shape.activation_bits - 1));
  }
  const BitPlan& bp = plans_[static_cast<std::size_t>(boundary)].bits[static_cast<std::size_t>(i)];
  if (j >= bp.digital_lo) {
    return Domain::kDigital;
  }
  if (j >= bp.analog_lo && j <= bp.analog_hi) {
    return Domain::kAnalog;
  }
  return Domain::kDiscarded;
}

int MacRunner::ChooseBoundary(std::int64_t saliency) const {
  const OseOptions& ose = options_.ose;
  for (std::size_t m = 0; m < ose.thresholds.size(); ++m) {
    if (saliency >= ose.thresholds[m]) {
      return ose.candidates[m];
    }
  }
  return ose.candidates.back();
}

std::int64_t MacRunner::TileSaliency(int tile, int column_tile, const std::uint64_t* act) const {
  const MacArray& array = *array_;
  const MacShape& shape = array.shape_;
  const int words = array.words_;
  const int c0 = column_tile * shape.columns;
  const int c1 = std::min(array.outputs_, c0 + shape.columns);
  const int q_bits = options_.ose.quant_bits;
  const std::int64_t q_max = (std::int64_t{1} << q_bits) - 1;
  const std::int64_t full = nq_full_scale_;
  std::int64_t s = 0;
  for (int c = c0; c < c1; ++c) {
    for (int i = 0; i < shape.weight_bits; ++i) {
      const std::uint64_t* wp = array.WeightPlane(tile, c, i);
      for (int j = std::max(0, ose_floor_ - i); j < shape.activation_bits; ++j) {
        const int count = Popcount(wp, act + static_cast<std::size_t>(j) * words, words);
        // N/Q: round(count * 2^q / F), saturated to q bits.
        const std::int64_t q =
            ((static_cast<std::int64_t>(count) << (q_bits + 1)) + full) / (2 * full);
        s += std::min(q, q_max);
      }
    }
  }
  return s;
}

void MacRunner::SaliencyCounts(std::span<const std::int32_t> activations,
                               Workspace& workspace,
                               std::vector<int>& counts) const {
  const MacArray& array = *array_;
  const MacShape& shape = array.shape_;
  if (options_.mode != Mode::kOsaHcim) {
    throw UsageError("saliency counts exist only in OSA-HCIM mode");
  }
  array.PackActivations(activations, workspace.planes);
  const int a = shape.activation_bits;
  const int words = array.words_;
  for (int t = 0; t < array.row_tiles_; ++t) {
    const std::uint64_t* act = &workspace.planes[static_cast<std::size_t>(t) * a * words];
    for (int c = 0; c < array.outputs_; ++c) {
      for (int i = 0; i < shape.weight_bits; ++i) {
        const std::uint64_t* wp = array.WeightPlane(t, c, i);
        for (int j = std::max(0, ose_floor_ - i); j < a; ++j) {
          counts.push_back(Popcount(wp, act + static_cast<std::size_t>(j) * words, words));
        }
      }
    }
  }
}

double MacRunner::LineInput(const MacArray::ColumnStatic& column,
                            double step_v,
                            double x,
                            FastNormal& normal) const {
  const MacArray& array = *array_;
  const ErrorSwitches& sw = options_.switches;
  // One grid lookup serves the static and the dynamic sigma.
  const double pos = x * MacArray::kGrid;
  const int index = std::clamp(static_cast<int>(pos), 0, MacArray::kGrid - 1);
  const double t = pos - index;
  const auto at = [&](const std::vector<double>& table) {
    return table[index] + t * (table[index + 1] - table[index]);
  };
  double v = array.baseline_v_ + step_v;
  if (sw.static_noise) {
    v += column.line_z * at(array.static_v_) + column.comparator_offset_v;
  }
  if (sw.dynamic_noise) {
    v += at(array.dynamic_v_) * normal.Next();
  }
  return v;
}

int MacRunner::Quantize(const MacArray::ColumnStatic& column, double v) const {
  const std::vector<double>& transitions =
      options_.switches.static_noise ? column.transitions_v : array_->macro_.adc.transition_v;
  int code = 0;
  for (double t : transitions) {
    code += v >= t ? 1 : 0;
  }
  return code;
}

double MacRunner::Convert(const MacArray::ColumnStatic& column,
                          int n,
                          const std::int64_t* counts,
                          FastNormal& normal) const {
  const MacArray& array = *array_;
  const MacShape& shape = array.shape_;
  const int shift = shape.dac_bits - n;
  const int top = (1 << shape.dac_bits) - 1;
  // Branch-free over every subword value: most counts are small and their zeros unpredictable.
  const double* step_v = array.step_v_.data();
  double step = 0.0;
  std::int64_t weighted = 0;
  for (int sub = 1; sub < (1 << n); ++sub) {
    step += static_cast<double>(counts[sub]) * step_v[sub << shift];
    weighted += counts[sub] * sub;
  }
  weighted <<= shift;
  const double full = static_cast<double>(shape.rows) * top;
  const double x = static_cast<double>(weighted) * array.inverse_full_count_;
  const double v = LineInput(column, step, x, normal);
  const double frac =
      options_.switches.quantization ? array.code_frac_[Quantize(column, v)] : array.InverseFrac(v);
  // 2^-shift as a product (exact for a power of two), not a division in the hot loop
  constexpr double kInversePow2[] = {1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125};
  return frac * full * kInversePow2[shift];
}

int MacRunner::ConvertCode(int tile,
                           int column,
                           std::span<const std::int64_t> rows_at_code,
                           Rng& noise) const {
  const MacArray& array = *array_;
  const MacShape& shape = array.shape_;
  if (tile < 0 || tile >= array.row_tiles_ || column < 0 || column >= array.outputs_) {
    throw UsageError("ConvertCode: tile " + std::to_string(tile) + ", column " +
                     std::to_string(column) + " is outside the array's " +
                     std::to_string(array.row_tiles_) + " row tiles x " +
                     std::to_string(array.outputs_) + " columns");
  }
  const std::size_t codes = std::size_t{1} << shape.dac_bits;
  if (rows_at_code.size() != codes) {
    throw UsageError("ConvertCode: " + std::to_string(rows_at_code.size()) +
                     " row counts given; a " + std::to_string(shape.dac_bits) + "-bit DAC has " +
                     std::to_string(codes) + " codes");
  }
  std::int64_t rows = 0;
  for (std::int64_t n : rows_at_code) {
    if (n < 0) {
      throw UsageError("ConvertCode: a row count is negative");
    }
    rows += n;
  }
  if (rows > shape.rows) {
    throw UsageError("ConvertCode: " + std::to_string(rows) +
                     " rows with W = 1, but the array has " + std::to_string(shape.rows));
  }
  FastNormal normal(noise);
  const MacArray::ColumnStatic& c =
      array.columns_[static_cast<std::size_t>(tile) * array.outputs_ + column];
  double step = 0.0;
  std::int64_t weighted = 0;
  for (std::size_t d = 1; d < codes; ++d) {
    step += static_cast<double>(rows_at_code[d]) * array.step_v_[d];
    weighted += rows_at_code[d] * static_cast<std::int64_t>(d);
  }
  const double x = static_cast<double>(weighted) / (static_cast<double>(shape.rows) * (codes - 1));
  return Quantize(c, LineInput(c, step, x, normal));
}

void MacRunner::CountDigitalActivity(const Plan& plan,
                                     int tile,
                                     int column,
                                     const int* pair_count,
                                     const double* analog_part,
                                     ActionCounts& counts) const {
  const MacArray& array = *array_;
  const int a = array.shape_.activation_bits;
  const int w = array.shape_.weight_bits;
  const std::size_t at = static_cast<std::size_t>(tile) * array.outputs_ + column;
  // The schedule: activation bits MSB first, each held on GBLB while the weight bits that use
  // it run (DinToggles), the analog results after the digital ones.
  const int acc_bits = array.macro_.energy.accumulator_bits;
  const std::uint64_t mask = (std::uint64_t{1} << acc_bits) - 1;
  std::int64_t acc = 0;
  std::int64_t toggles = 0;
  const auto add = [&](std::int64_t v) {
    const std::int64_t next = acc + v;
    toggles +=
        std::popcount((static_cast<std::uint64_t>(acc) ^ static_cast<std::uint64_t>(next)) & mask);
    acc = next;
  };
  for (int j = a - 1; j >= 0; --j) {
    for (int i = 0; i < w; ++i) {
      if (j < plan.bits[i].digital_lo) {
        continue;
      }
      const int count = pair_count[i * a + j];
      counts.digital_w1_rows += array.weight_popcounts_[at * w + i];
      counts.tree_ones[static_cast<std::size_t>(count)] += 1;
      const std::int64_t v = static_cast<std::int64_t>(count) << (i + j);
      add(weight_sign_[i] < 0 ? -v : v);
    }
  }
  for (int i = 0; i < w; ++i) {
    if (plan.bits[i].analog_hi >= plan.bits[i].analog_lo) {
      add(std::llround(analog_part[i]));
    }
  }
  counts.accumulator_toggles += toggles;
}

std::int64_t MacRunner::DinToggles(const Plan& plan, const std::uint64_t* act) const {
  const MacArray& array = *array_;
  const int a = array.shape_.activation_bits;
  const int words = array.words_;
  int j_lo = a;
  for (const BitPlan& bp : plan.bits) {
    j_lo = std::min(j_lo, bp.digital_lo);
  }
  // GBLB starts a pass idle (every row 0) and takes the activation planes MSB first.
  std::int64_t toggles = 0;
  const std::uint64_t* prev = nullptr;
  for (int j = a - 1; j >= j_lo; --j) {
    const std::uint64_t* plane = act + static_cast<std::size_t>(j) * words;
    for (int word = 0; word < words; ++word) {
      const std::uint64_t before = prev == nullptr ? 0 : prev[word];
      toggles += std::popcount((plane[word] ^ before) & row_mask_[static_cast<std::size_t>(word)]);
    }
    prev = plane;
  }
  return toggles;
}

void MacRunner::Run(std::span<const std::int32_t> activations,
                    Rng& noise,
                    Workspace& workspace,
                    std::span<double> out,
                    ActionCounts* counts,
                    std::span<double> per_tile) const {
  const MacArray& array = *array_;
  const MacShape& shape = array.shape_;
  if (out.size() != static_cast<std::size_t>(array.outputs_)) {
    throw UsageError("output span has " + std::to_string(out.size()) + " entries; expected " +
                     std::to_string(array.outputs_));
  }
  CheckTileSpan(per_tile.size(), array.row_tiles_, array.outputs_);
  array.PackActivations(activations, workspace.planes);
  std::fill(out.begin(), out.end(), 0.0);
  FastNormal normal(noise);
  const int a = shape.activation_bits;
  const int w = shape.weight_bits;
  const int words = array.words_;
  const ErrorSwitches& sw = options_.switches;
  const bool compensate = options_.compensate_discard && sw.discard;
  const double p_one = options_.activation_bit_probability;
  const std::size_t dac_codes = std::size_t{1} << shape.dac_bits;
  if (counts != nullptr) {
    if (counts->boundary_histogram.size() < plans_.size()) {
      counts->boundary_histogram.resize(plans_.size(), 0);
    }
    for (auto* v : {&counts->op_code_rows, &counts->dac_code_rows}) {
      if (v->size() < dac_codes) {
        v->resize(dac_codes, 0);
      }
    }
    if (counts->tree_ones.size() < static_cast<std::size_t>(shape.rows) + 1) {
      counts->tree_ones.resize(static_cast<std::size_t>(shape.rows) + 1, 0);
    }
  }
  // Per column when counting: the digital 1-bit MAC counts [i * a + j] and each weight bit's
  // analog contribution, for the accumulator's activity.
  int pair_count[64] = {};
  double analog_part[8] = {};
  // The row split of each converted activation subword (lowest plane, bits) of the current row
  // tile, made on first use: every column and weight bit converting that subword shares it.
  constexpr int kWindows = 16;
  const std::size_t window_size = std::size_t{16} * static_cast<std::size_t>(words);
  if (workspace.code_masks.size() < kWindows * window_size) {
    workspace.code_masks.resize(kWindows * window_size);
  }
  int window_lo[kWindows];
  int window_n[kWindows];
  int windows = 0;
  const auto masks_of = [&](const std::uint64_t* act, int lo, int n) -> const std::uint64_t* {
    for (int k = 0; k < windows; ++k) {
      if (window_lo[k] == lo && window_n[k] == n) {
        return &workspace.code_masks[static_cast<std::size_t>(k) * window_size];
      }
    }
    if (windows == kWindows) {
      windows = 0;  // more distinct windows than slots (never with 8-bit operands): start over
    }
    std::uint64_t* m = &workspace.code_masks[static_cast<std::size_t>(windows) * window_size];
    SplitByCode(act + static_cast<std::size_t>(lo) * words, n, words, m);
    window_lo[windows] = lo;
    window_n[windows] = n;
    ++windows;
    return m;
  };
  for (int t = 0; t < array.row_tiles_; ++t) {
    const std::uint64_t* act = &workspace.planes[static_cast<std::size_t>(t) * a * words];
    windows = 0;
    for (int ct = 0; ct < array.column_tiles_; ++ct) {
      int boundary = 0;
      if (options_.mode == Mode::kHcim) {
        boundary = options_.boundary;
      } else if (options_.mode == Mode::kOsaHcim) {
        boundary = ChooseBoundary(TileSaliency(t, ct, act));
      }
      const Plan& plan = plans_[boundary];
      const int c0 = ct * shape.columns;
      const int c1 = std::min(array.outputs_, c0 + shape.columns);
      for (int c = c0; c < c1; ++c) {
        const MacArray::ColumnStatic& column =
            array.columns_[static_cast<std::size_t>(t) * array.outputs_ + c];
        std::int64_t digital = 0;
        double analog = 0.0;
        for (int i = 0; i < w; ++i) {
          const std::uint64_t* wp = array.WeightPlane(t, c, i);
          const BitPlan& bp = plan.bits[i];
          std::int64_t d = 0;
          for (int j = bp.digital_lo; j < a; ++j) {
            const int count = Popcount(wp, act + static_cast<std::size_t>(j) * words, words);
            pair_count[i * a + j] = count;
            d += static_cast<std::int64_t>(count) << j;
          }
          analog_part[i] = 0.0;
          if (bp.analog_hi >= bp.analog_lo) {
            const int n = bp.analog_hi - bp.analog_lo + 1;
            std::int64_t sub[16] = {};
            CountByCode(wp, masks_of(act, bp.analog_lo, n), n, words, sub);
            const double value = Convert(column, n, sub, normal);
            analog_part[i] = weight_sign_[i] * value *
                             static_cast<double>(std::int64_t{1} << (i + bp.analog_lo));
            analog += analog_part[i];
            if (counts != nullptr) {
              const int shift = shape.dac_bits - n;
              for (int k = 0; k < (1 << n); ++k) {
                counts->op_code_rows[static_cast<std::size_t>(k << shift)] += sub[k];
              }
            }
          }
          if (bp.discard_hi >= 0) {
            if (!sw.discard) {
              for (int j = 0; j <= bp.discard_hi; ++j) {
                d += static_cast<std::int64_t>(
                         Popcount(wp, act + static_cast<std::size_t>(j) * words, words))
                     << j;
              }
            } else if (compensate) {
              const int wc =
                  array.weight_popcounts_[(static_cast<std::size_t>(t) * array.outputs_ + c) * w +
                                          i];
              analog += weight_sign_[i] * p_one * wc * bp.discard_weight *
                        static_cast<double>(std::int64_t{1} << i);
            }
          }
          digital += weight_sign_[i] < 0 ? -(d << i) : (d << i);
        }
        if (counts != nullptr) {
          CountDigitalActivity(plan, t, c, pair_count, analog_part, *counts);
        }
        const double part = static_cast<double>(digital) + analog;
        out[c] += part;
        if (!per_tile.empty()) {
          per_tile[static_cast<std::size_t>(t) * array.outputs_ + c] = part;
        }
      }
      if (counts != nullptr) {
        const std::int64_t n = c1 - c0;
        counts->array_passes += 1;
        counts->digital_cycles += n * plan.digital_pairs;
        counts->digital_array_cycles += plan.digital_pairs;
        // The digital and the analog cycles of a pass run concurrently (paper Sec. IV-B).
        counts->array_cycles += std::max(plan.digital_pairs, plan.analog_ops);
        counts->din_toggles += DinToggles(plan, act);
        counts->analog_ops += n * plan.analog_ops;
        counts->adc_conversions += n * plan.analog_ops;
        counts->dac_cycles += plan.analog_ops;
        // What each analog cycle's DACs drove: every row's subword of that weight bit's window.
        for (int i = 0; i < w; ++i) {
          const BitPlan& bp = plan.bits[i];
          if (bp.analog_hi < bp.analog_lo) {
            continue;
          }
          const int n = bp.analog_hi - bp.analog_lo + 1;
          std::int64_t sub[16] = {};
          CountByCode(row_mask_.data(), masks_of(act, bp.analog_lo, n), n, words, sub);
          const int shift = shape.dac_bits - n;
          for (int k = 0; k < (1 << n); ++k) {
            counts->dac_code_rows[static_cast<std::size_t>(k << shift)] += sub[k];
          }
        }
        counts->accumulations += n * (plan.digital_pairs + plan.analog_ops);
        if (options_.mode == Mode::kOsaHcim) {
          int ose_pairs = 0;
          for (int i = 0; i < w; ++i) {
            ose_pairs += std::max(0, a - std::max(0, ose_floor_ - i));
          }
          counts->nq_ops += n * ose_pairs;
          counts->ose_evals += 1;
        }
        counts->boundary_histogram[boundary] += 1;
      }
    }
  }
  if (counts != nullptr) {
    counts->input_vectors += 1;
    counts->macs += static_cast<std::int64_t>(array.length_) * array.outputs_;
  }
}

void MacRunner::Saliency(std::span<const std::int32_t> activations,
                         Workspace& workspace,
                         std::span<std::int64_t> saliency,
                         std::span<int> boundary) const {
  const MacArray& array = *array_;
  const std::size_t passes = static_cast<std::size_t>(array.row_tiles_) * array.column_tiles_;
  if (saliency.size() != passes || boundary.size() != passes) {
    throw UsageError("saliency spans need " + std::to_string(passes) +
                     " entries (row tiles x column tiles)");
  }
  array.PackActivations(activations, workspace.planes);
  const int a = array.shape_.activation_bits;
  for (int t = 0; t < array.row_tiles_; ++t) {
    const std::uint64_t* act = &workspace.planes[static_cast<std::size_t>(t) * a * array.words_];
    for (int ct = 0; ct < array.column_tiles_; ++ct) {
      const std::size_t index = static_cast<std::size_t>(t) * array.column_tiles_ + ct;
      if (options_.mode == Mode::kOsaHcim) {
        saliency[index] = TileSaliency(t, ct, act);
        boundary[index] = ChooseBoundary(saliency[index]);
      } else {
        saliency[index] = 0;
        boundary[index] = options_.mode == Mode::kHcim ? options_.boundary : 0;
      }
    }
  }
}

}  // namespace cimchar::mac
