#include "mac/mac_model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>

#include "core/error.h"

namespace cimchar::mac {

namespace {

// Linear interpolation through (xs, ys), extrapolating the end segments (the kernel's
// InverseFrac runs the same operations).
double Lerp(std::span<const double> xs, std::span<const double> ys, double x) {
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

}  // namespace

MacArray::MacArray(const MacShape& shape,
                   const calib::Macro& macro,
                   std::span<const std::int32_t> weights,
                   int length,
                   int outputs,
                   std::uint64_t chip_seed)
    : shape_(shape), macro_(macro), length_(length), outputs_(outputs), chip_seed_(chip_seed) {
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
  row_mask_.assign(static_cast<std::size_t>(words_), 0);
  for (int r = 0; r < std::min(shape_.rows, 64 * words_); ++r) {
    row_mask_[static_cast<std::size_t>(r / 64)] |= std::uint64_t{1} << (r % 64);
  }

  // Lane groups: at most kernel::kLanes columns, never across a column tile.
  column_group_.resize(static_cast<std::size_t>(outputs));
  for (int ct = 0; ct < column_tiles_; ++ct) {
    const int c1 = std::min(outputs, (ct + 1) * shape_.columns);
    for (int c0 = ct * shape_.columns; c0 < c1; c0 += kernel::kLanes) {
      const int lanes = std::min(kernel::kLanes, c1 - c0);
      for (int c = c0; c < c0 + lanes; ++c) {
        column_group_[static_cast<std::size_t>(c)] = static_cast<int>(groups_.size());
      }
      groups_.push_back({.column_tile = ct, .first_column = c0, .lanes = lanes});
    }
  }
  const std::size_t groups = groups_.size();
  constexpr auto kL = static_cast<std::size_t>(kernel::kLanes);
  const auto ws = static_cast<std::size_t>(words_);
  weights_.assign(static_cast<std::size_t>(row_tiles_) * outputs * shape_.rows, 0);
  weight_lanes_.assign(static_cast<std::size_t>(row_tiles_) * groups * w * ws * kL, 0);
  weight_counts_.assign(static_cast<std::size_t>(row_tiles_) * groups * w * kL, 0);
  const std::uint32_t mask = (1u << w) - 1;
  for (int t = 0; t < row_tiles_; ++t) {
    for (int c = 0; c < outputs; ++c) {
      const auto g = static_cast<std::size_t>(column_group_[static_cast<std::size_t>(c)]);
      const auto lane = static_cast<std::size_t>(c - groups_[g].first_column);
      std::uint64_t* planes = &weight_lanes_[(t * groups + g) * w * ws * kL];
      std::uint64_t* counts = &weight_counts_[(t * groups + g) * w * kL];
      for (int r = 0; r < shape_.rows; ++r) {
        const int row = t * shape_.rows + r;
        if (row >= length) {
          break;
        }
        const std::int32_t v = weights[static_cast<std::size_t>(row) * outputs + c];
        weights_[(static_cast<std::size_t>(t) * outputs + c) * shape_.rows + r] =
            static_cast<std::int16_t>(v);
        const auto bits = static_cast<std::uint32_t>(v) & mask;
        for (int i = 0; i < w; ++i) {
          if ((bits >> i) & 1u) {
            planes[(static_cast<std::size_t>(i) * ws + static_cast<std::size_t>(r / 64)) * kL +
                   lane] |= std::uint64_t{1} << (r % 64);
            counts[static_cast<std::size_t>(i) * kL + lane] += 1;
          }
        }
      }
    }
  }

  // Converter tables on uniform grids, so the hot loop interpolates in O(1).
  const calib::LineTransfer& line = macro_.line;
  const int top = (1 << shape_.dac_bits) - 1;
  step_v_.resize(static_cast<std::size_t>(top) + 1);
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
  readout_ = MakeReadout(macro_);
  // Sigmas per op, by the sum n of its W = 1 rows' DAC codes (ideal fraction n / (rows x top)).
  const int full_count = shape_.rows * top;
  static_by_count_.resize(static_cast<std::size_t>(full_count) + 1);
  dynamic_by_count_.resize(static_cast<std::size_t>(full_count) + 1);
  for (int n = 0; n <= full_count; ++n) {
    const double x = static_cast<double>(n) / full_count;
    static_by_count_[static_cast<std::size_t>(n)] = Lerp(xs, line.code_static_sigma_v, x);
    // The line's dynamic noise and the converter's input-referred noise are independent
    // Gaussians per conversion: one draw of their combined sigma is the same distribution.
    const double line_dynamic = Lerp(xs, line.code_dynamic_sigma_v, x);
    const double converter = readout_->NoiseSigmaV();
    dynamic_by_count_[static_cast<std::size_t>(n)] =
        std::sqrt(line_dynamic * line_dynamic + converter * converter);
  }
  // The uniform-code transfer's points (ideal fraction, mean line), padded to 16 for the kernel.
  if (line.codes.size() > 16) {
    throw UsageError("the macro's line has " + std::to_string(line.codes.size()) +
                     " measured DAC codes; the model reads at most 16 (a 4-bit DAC)");
  }
  knot_x_.assign(16, xs.back());
  knot_v_.assign(16, line.code_v.back());
  std::copy(xs.begin(), xs.end(), knot_x_.begin());
  std::copy(line.code_v.begin(), line.code_v.end(), knot_v_.begin());
  knots_ = static_cast<int>(xs.size());
  uniform_by_count_.resize(static_cast<std::size_t>(full_count) + 1);
  for (int n = 0; n <= full_count; ++n) {
    uniform_by_count_[static_cast<std::size_t>(n)] =
        Lerp(xs, line.code_v, static_cast<double>(n) / full_count);
  }

  // The readout's per-code tables, once per chip: the kernel compares and looks up.
  const int levels = readout_->Levels();
  SetCodeFractions(readout_->CodeFractions([this](double v) { return IdealFraction(v); }));

  // Static errors per column: one stream per (chip, row tile, column).
  column_values_ = readout_->FitsColumns() ? levels : 0;
  const std::size_t per_group = (2 + static_cast<std::size_t>(levels) - 1) * kL;
  statics_.assign(static_cast<std::size_t>(row_tiles_) * groups * per_group, 0.0);
  const std::vector<double>& tv = readout_->ThresholdsV();
  double offset_v = 0.0;
  std::vector<double> thresholds_v(static_cast<std::size_t>(levels) - 1);
  for (int t = 0; t < row_tiles_; ++t) {
    for (std::size_t g = 0; g < groups; ++g) {
      double* st = &statics_[(t * groups + g) * per_group];
      for (int l = 0; l < kernel::kLanes; ++l) {
        const int c = groups_[g].first_column + l;
        const auto lane = static_cast<std::size_t>(l);
        for (int k = 0; k + 1 < levels; ++k) {
          st[(2 + static_cast<std::size_t>(k)) * kL + lane] = tv[static_cast<std::size_t>(k)];
        }
        if (l >= groups_[g].lanes) {
          continue;  // an empty lane: no column, no error
        }
        Rng rng(StreamSeed(chip_seed, static_cast<std::uint64_t>(t), static_cast<std::uint64_t>(c),
                           0x5747u));
        st[lane] = rng.Normal();  // line_z
        readout_->DrawColumn(rng, offset_v, thresholds_v);
        st[kL + lane] = offset_v;
        for (int k = 0; k + 1 < levels; ++k) {
          st[(2 + static_cast<std::size_t>(k)) * kL + lane] =
              thresholds_v[static_cast<std::size_t>(k)];
        }
      }
    }
  }
  if (column_values_ != 0) {
    // Every physical column's values, fitted on calibration ops of uniform random operands (W ~
    // Bernoulli(1/2), a uniform DAC code per row) until FitReadout fits them on real ones.
    constexpr int kCalibrationOps = 256;
    const auto top = static_cast<std::uint32_t>((1 << shape_.dac_bits) - 1);
    value_boundaries_ = MaxBoundary(shape_) + 1;
    values_.assign(static_cast<std::size_t>(row_tiles_) * groups * value_boundaries_ *
                       shape_.weight_bits * levels * kL,
                   0.0);
    const auto uniform_ops = [&](Rng& rng, int count) {
      return [&rng, count, top, this](int n, std::vector<std::int64_t>& rows_at_code) {
        if (n >= count) {
          return false;
        }
        std::fill(rows_at_code.begin(), rows_at_code.end(), 0);
        for (int r = 0; r < shape_.rows; ++r) {
          if (rng.Below(2) == 1) {
            ++rows_at_code[rng.Below(top + 1)];
          }
        }
        return true;
      };
    };
    // The shared values: a nominal column's (no static error, no noise) on many ops. The kernel
    // reads them when static errors are off (an error budget's "alone" runs), where a column's
    // own values, fitted to its offsets, would correct errors that are not there.
    Rng nominal(StreamSeed(0x90e1u, 0));  // the macro's, the same on every chip
    SetCodeFractions(FitColumn(0, 0, 0, nominal, uniform_ops(nominal, 16 * kCalibrationOps), true));
    ForEachColumn([&](int t, int g, int l, Rng& rng) {
      const std::vector<double> v = FitColumn(t, g, l, rng, uniform_ops(rng, kCalibrationOps));
      for (int b = 0; b < value_boundaries_; ++b) {
        for (int i = 0; i < shape_.weight_bits; ++i) {
          SetColumnValues(t, g, l, b, i, v);
        }
      }
    });
  }
}

void MacArray::SetCodeFractions(std::vector<double> fractions) {
  code_frac_ = std::move(fractions);
  code_frac16_.assign(16, 0.0);
  std::copy_n(code_frac_.begin(), std::min<std::size_t>(16, code_frac_.size()),
              code_frac16_.begin());
}

void MacArray::ForEachColumn(const std::function<void(int, int, int, Rng&)>& fit) {
  for (int t = 0; t < row_tiles_; ++t) {
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      for (int l = 0; l < groups_[g].lanes; ++l) {
        const int c = groups_[g].first_column + l;
        Rng rng(StreamSeed(chip_seed_, static_cast<std::uint64_t>(t), static_cast<std::uint64_t>(c),
                           0xca1bu));
        fit(t, static_cast<int>(g), l, rng);
      }
    }
  }
}

std::vector<double> MacArray::FitColumn(
    int tile, int group, int lane, Rng& rng, const NextOp& next_op, bool nominal) const {
  const int top = (1 << shape_.dac_bits) - 1;
  const double full = static_cast<double>(shape_.rows) * top;
  kernel::RunView run;  // every error on, as the model runs; nominal: no static error, no noise
  run.static_noise = !nominal;
  run.dynamic_noise = !nominal;
  std::vector<std::int64_t> rows_at_code(static_cast<std::size_t>(top) + 1);
  std::vector<int> codes;
  std::vector<double> ideal;
  for (int n = 0; next_op(n, rows_at_code); ++n) {
    std::int64_t sum = 0;
    for (int d = 1; d <= top; ++d) {
      sum += d * rows_at_code[static_cast<std::size_t>(d)];
    }
    codes.push_back(kernel::ConvertOne(View(), run, tile, group, lane, rows_at_code.data(), rng));
    ideal.push_back(static_cast<double>(sum) / full);
  }
  return readout_->FitColumn(codes, ideal, code_frac_);
}

void MacArray::SetColumnValues(
    int tile, int group, int lane, int boundary, int bit, const std::vector<double>& values) {
  const std::size_t at =
      static_cast<std::size_t>(tile) * groups_.size() + static_cast<std::size_t>(group);
  const double* first = kernel::ColumnValues(View(), at, boundary, bit);
  double* out = values_.data() + (first - values_.data());
  for (std::size_t k = 0; k < values.size(); ++k) {
    out[k * kernel::kLanes + static_cast<std::size_t>(lane)] = values[k];
  }
}

kernel::ArrayView MacArray::View() const {
  return {.rows = shape_.rows,
          .length = length_,
          .outputs = outputs_,
          .row_tiles = row_tiles_,
          .column_tiles = column_tiles_,
          .words = words_,
          .activation_bits = shape_.activation_bits,
          .weight_bits = shape_.weight_bits,
          .dac_bits = shape_.dac_bits,
          .adc_levels = readout_->Levels(),
          .column_values = column_values_,
          .value_boundaries = value_boundaries_,
          .values = values_.data(),
          .groups = static_cast<int>(groups_.size()),
          .group = groups_.data(),
          .weight_lanes = weight_lanes_.data(),
          .weight_counts = weight_counts_.data(),
          .weights = weights_.data(),
          .statics = statics_.data(),
          .step_v = step_v_.data(),
          .baseline_v = baseline_v_,
          .static_by_count = static_by_count_.data(),
          .dynamic_by_count = dynamic_by_count_.data(),
          .uniform_by_count = uniform_by_count_.data(),
          .knots = knots_,
          .knot_x = knot_x_.data(),
          .knot_v = knot_v_.data(),
          .code_frac = code_frac_.data(),
          .code_frac16 = code_frac16_.data(),
          .transitions_v = readout_->ThresholdsV().data(),
          .normal_table = FastNormal::Table().data(),
          .row_mask = row_mask_.data(),
          .mask_rows = std::min(shape_.rows, 64 * words_)};
}

int MacArray::CountRows(int tile, int column, int bit, const std::uint64_t* plane) const {
  constexpr auto kL = static_cast<std::size_t>(kernel::kLanes);
  const auto g = static_cast<std::size_t>(column_group_[static_cast<std::size_t>(column)]);
  const auto lane = static_cast<std::size_t>(column - groups_[g].first_column);
  const auto ws = static_cast<std::size_t>(words_);
  const std::uint64_t* planes =
      &weight_lanes_[((tile * groups_.size() + g) * static_cast<std::size_t>(shape_.weight_bits) +
                      static_cast<std::size_t>(bit)) *
                     ws * kL];
  int n = 0;
  for (std::size_t word = 0; word < ws; ++word) {
    n += std::popcount(planes[word * kL + lane] & plane[word]);
  }
  return n;
}

double MacArray::CodeFraction(int code) const {
  if (code < 0 || static_cast<std::size_t>(code) >= code_frac_.size()) {
    throw UsageError("ADC code " + std::to_string(code) + " is outside 0.." +
                     std::to_string(code_frac_.size() - 1) + " of the macro's " +
                     std::to_string(shape_.adc_bits) + "-bit ADC");
  }
  return code_frac_[static_cast<std::size_t>(code)];
}

double MacArray::IdealFraction(double v) const {
  const auto n = static_cast<std::size_t>(knots_);
  return Lerp(std::span(knot_v_).first(n), std::span(knot_x_).first(n), v);
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

// Throws BadActivation's error when an activation of vector `v` of `vectors` is out of range.
void CheckActivationRange(std::span<const std::int32_t> activations,
                          int bits,
                          std::size_t v,
                          std::size_t vectors) {
  for (std::int32_t x : activations) {
    if (x < 0 || x >= (1 << bits)) {
      try {
        BadActivation(activations, bits);
      } catch (const UsageError& e) {
        if (vectors == 1) {
          throw;
        }
        throw UsageError("input vector " + std::to_string(v) + ": " + e.what());
      }
    }
  }
}

// The activation bits [lo, hi] of weight bit i's analog op at B_D/A `boundary` when the orders
// from `digital_floor` up are digital (the boundary, or lower in OSA-HCIM): the analog window's
// orders below the digital ones; lo > hi when the bit has no analog op.
std::pair<int, int> AnalogBits(const MacShape& shape, int boundary, int digital_floor, int i) {
  return {std::max(0, boundary - shape.analog_window - i),
          std::min(shape.activation_bits - 1, digital_floor - 1 - i)};
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
  for (int t = 0; t < row_tiles_; ++t) {
    const int rows = std::min(shape_.rows, length_ - t * shape_.rows);
    const std::int32_t* act = activations.data() + static_cast<std::size_t>(t) * shape_.rows;
    for (int c = 0; c < outputs_; ++c) {
      const std::int16_t* wc =
          &weights_[(static_cast<std::size_t>(t) * outputs_ + c) * shape_.rows];
      // |w x a| < 2^15 and a tile holds at most 4096 rows (calib::ValidateGeometry): no overflow.
      std::int32_t sum = 0;
      for (int r = 0; r < rows; ++r) {
        sum += wc[r] * act[r];
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
  planes.resize(static_cast<std::size_t>(row_tiles_) * shape_.activation_bits * words_);
  const std::uint32_t any = kernel::Pack(View(), activations.data(), planes.data());
  if ((any >> shape_.activation_bits) != 0) {
    BadActivation(activations, shape_.activation_bits);
  }
}

void MacArray::FitReadout(std::span<const std::int32_t> activations,
                          std::span<const int> boundaries) {
  if (column_values_ == 0) {
    return;  // a readout with shared values (the SAR): nothing is fitted
  }
  if (activations.empty() || activations.size() % static_cast<std::size_t>(length_) != 0) {
    throw UsageError("readout calibration: " + std::to_string(activations.size()) +
                     " activations are not a whole number (>= 1) of input vectors of length " +
                     std::to_string(length_));
  }
  const std::size_t vectors = activations.size() / static_cast<std::size_t>(length_);
  for (std::size_t v = 0; v < vectors; ++v) {
    CheckActivationRange(activations.subspan(v * length_, static_cast<std::size_t>(length_)),
                         shape_.activation_bits, v, vectors);
  }
  // Every weight bit's analog window at each boundary (HCIM's plan): (weight bit, lowest
  // activation bit, bits).
  struct Op {
    int boundary, bit, lo, n;
  };
  std::vector<Op> ops;
  for (int b : boundaries) {
    if (b < 0 || b > MaxBoundary(shape_)) {
      throw UsageError("readout calibration: B_D/A " + std::to_string(b) + " is outside 0.." +
                       std::to_string(MaxBoundary(shape_)));
    }
    for (int i = 0; i < shape_.weight_bits; ++i) {
      const auto [lo, hi] = AnalogBits(shape_, b, b, i);
      if (lo <= hi) {
        ops.push_back({b, i, lo, hi - lo + 1});
      }
    }
  }
  if (ops.empty()) {
    throw UsageError("readout calibration: no analog op at the B_D/A given");
  }
  // Each physical column (weight bit i of an output) at each boundary on its own ops.
  ForEachColumn([&](int t, int g, int l, Rng& rng) {
    const int c = groups_[static_cast<std::size_t>(g)].first_column + l;
    const int first = t * shape_.rows;
    const int rows = std::min(shape_.rows, length_ - first);
    const std::int16_t* w = &weights_[(static_cast<std::size_t>(t) * outputs_ + c) * shape_.rows];
    for (const Op& op : ops) {
      const int mask = (1 << op.n) - 1;
      const int shift = shape_.dac_bits - op.n;
      const std::vector<double> v =
          FitColumn(t, g, l, rng, [&](int n, std::vector<std::int64_t>& rows_at_code) {
            if (static_cast<std::size_t>(n) >= vectors) {
              return false;
            }
            std::fill(rows_at_code.begin(), rows_at_code.end(), 0);
            const std::int32_t* x =
                activations.data() + static_cast<std::size_t>(n) * length_ + first;
            for (int r = 0; r < rows; ++r) {
              if (((static_cast<std::uint16_t>(w[r]) >> op.bit) & 1u) != 0) {
                ++rows_at_code[static_cast<std::size_t>(((x[r] >> op.lo) & mask) << shift)];
              }
            }
            return true;
          });
      SetColumnValues(t, g, l, op.boundary, op.bit, v);
    }
  });
}

MacRunner::MacRunner(const MacArray& array, const RunOptions& options)
    : array_(&array), options_(options) {
  const MacShape& shape = array.Shape();
  ValidateRunOptions(shape, options_);
  isa_ = ResolveIsa(options_.isa);
  const int a = shape.activation_bits;
  const int w = shape.weight_bits;
  const int boundaries = MaxBoundary(shape) + 1;
  ose_floor_ = options_.mode == Mode::kOsaHcim ? w + a - 1 - options_.ose.orders
                                               : std::numeric_limits<int>::max() / 2;
  bits_.assign(static_cast<std::size_t>(boundaries) * w, {});
  digital_pairs_.assign(static_cast<std::size_t>(boundaries), 0);
  analog_ops_.assign(static_cast<std::size_t>(boundaries), 0);
  for (int b = 0; b < boundaries; ++b) {
    const int digital_floor = std::min(b, ose_floor_);
    const int discard_floor = std::min(b - shape.analog_window, digital_floor);
    for (int i = 0; i < w; ++i) {
      kernel::BitPlan& bp = bits_[static_cast<std::size_t>(b) * w + i];
      bp.digital_lo = std::max(0, digital_floor - i);
      std::tie(bp.analog_lo, bp.analog_hi) = AnalogBits(shape, b, digital_floor, i);
      if (bp.analog_lo > bp.analog_hi) {
        bp.analog_lo = 0;
        bp.analog_hi = -1;
      } else {
        ++analog_ops_[b];
      }
      bp.discard_hi = std::min(a - 1, discard_floor - 1 - i);
      for (int j = 0; j <= bp.discard_hi; ++j) {
        bp.discard_weight += std::ldexp(1.0, j);
      }
      digital_pairs_[b] += std::max(0, a - bp.digital_lo);
    }
  }
  nq_full_scale_ = options_.ose.nq_full_scale > 0 ? options_.ose.nq_full_scale : shape.rows + 1;
  nq_of_count_.resize(static_cast<std::size_t>(shape.rows) + 1);
  const int q_bits = options_.ose.quant_bits;
  const std::int64_t q_max = (std::int64_t{1} << q_bits) - 1;
  for (int count = 0; count <= shape.rows; ++count) {
    // N/Q: round(count * 2^q / F), saturated to q bits.
    const std::int64_t q = ((static_cast<std::int64_t>(count) << (q_bits + 1)) + nq_full_scale_) /
                           (2 * nq_full_scale_);
    nq_of_count_[static_cast<std::size_t>(count)] = std::min(q, q_max);
  }
  ose_pairs_ = 0;
  if (options_.mode == Mode::kOsaHcim) {
    for (int i = 0; i < w; ++i) {
      ose_pairs_ += std::max(0, a - std::max(0, ose_floor_ - i));
    }
  }
  weight_sign_.assign(static_cast<std::size_t>(w), 1.0);
  if (shape.signed_weights) {
    weight_sign_[static_cast<std::size_t>(w) - 1] = -1.0;
  }
  // The rows with W = 1 the digital cycles of each lane group see at each B_D/A.
  const std::size_t groups = array.groups_.size();
  constexpr auto kL = static_cast<std::size_t>(kernel::kLanes);
  digital_w1_rows_.assign(static_cast<std::size_t>(array.row_tiles_) * groups * boundaries, 0);
  for (int t = 0; t < array.row_tiles_; ++t) {
    for (std::size_t g = 0; g < groups; ++g) {
      const std::uint64_t* counts = &array.weight_counts_[(t * groups + g) * w * kL];
      for (int b = 0; b < boundaries; ++b) {
        std::int64_t rows = 0;
        for (int i = 0; i < w; ++i) {
          const int pairs = a - bits_[static_cast<std::size_t>(b) * w + i].digital_lo;
          for (std::size_t l = 0; l < kL; ++l) {
            rows += static_cast<std::int64_t>(counts[static_cast<std::size_t>(i) * kL + l]) * pairs;
          }
        }
        digital_w1_rows_[(t * groups + g) * boundaries + static_cast<std::size_t>(b)] = rows;
      }
    }
  }
}

kernel::RunView MacRunner::View() const {
  const ErrorSwitches& sw = options_.switches;
  const int mode = options_.mode == Mode::kDcim ? 0 : options_.mode == Mode::kHcim ? 1 : 2;
  return {.mode = mode,
          .boundary = options_.mode == Mode::kHcim ? options_.boundary : 0,
          .boundaries = static_cast<int>(digital_pairs_.size()),
          .bits = bits_.data(),
          .digital_pairs = digital_pairs_.data(),
          .analog_ops = analog_ops_.data(),
          .ose_floor = ose_floor_,
          .nq_of_count = nq_of_count_.data(),
          .candidates = static_cast<int>(options_.ose.candidates.size()),
          .candidate = options_.ose.candidates.data(),
          .threshold = options_.ose.thresholds.data(),
          .ose_pairs = ose_pairs_,
          .saliency_kind = static_cast<int>(options_.ose.saliency),
          .dynamic_noise = sw.dynamic_noise,
          .static_noise = sw.static_noise,
          .quantization = sw.quantization,
          .discard = sw.discard,
          .transfer = sw.transfer,
          .compensate = options_.compensate_discard && sw.discard,
          .p_one = options_.activation_bit_probability,
          .weight_sign = weight_sign_.data(),
          .digital_w1_rows = digital_w1_rows_.data(),
          .accumulator_bits = array_->macro_.energy.accumulator_bits};
}

MacRunner::Domain MacRunner::DomainOf(int boundary, int i, int j) const {
  const MacShape& shape = array_->Shape();
  if (boundary < 0 || static_cast<std::size_t>(boundary) >= digital_pairs_.size() || i < 0 ||
      i >= shape.weight_bits || j < 0 || j >= shape.activation_bits) {
    throw UsageError("DomainOf: B_D/A " + std::to_string(boundary) + ", weight bit " +
                     std::to_string(i) + ", activation bit " + std::to_string(j) +
                     " is outside B_D/A 0.." + std::to_string(digital_pairs_.size() - 1) +
                     ", i 0.." + std::to_string(shape.weight_bits - 1) + ", j 0.." +
                     std::to_string(shape.activation_bits - 1));
  }
  const kernel::BitPlan& bp =
      bits_[static_cast<std::size_t>(boundary) * shape.weight_bits + static_cast<std::size_t>(i)];
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
  return kernel::TileSaliencyOne(array_->View(), View(), tile, column_tile, act);
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
        for (int j = std::max(0, ose_floor_ - i); j < a; ++j) {
          counts.push_back(array.CountRows(t, c, i, act + static_cast<std::size_t>(j) * words));
        }
      }
    }
  }
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
  const int g = array.column_group_[static_cast<std::size_t>(column)];
  const int lane = column - array.groups_[static_cast<std::size_t>(g)].first_column;
  kernel::RunView run = View();
  run.quantization = true;
  return kernel::ConvertOne(array.View(), run, tile, g, lane, rows_at_code.data(), noise);
}

void MacRunner::Run(std::span<const std::int32_t> activations,
                    Rng& noise,
                    Workspace& workspace,
                    std::span<double> out,
                    ActionCounts* counts,
                    std::span<double> per_tile) const {
  CheckActivationCount(activations, array_->length_);
  RunBatch(activations, noise, workspace, out, counts, per_tile);
}

void MacRunner::RunBatch(std::span<const std::int32_t> activations,
                         Rng& noise,
                         Workspace& workspace,
                         std::span<double> out,
                         ActionCounts* counts,
                         std::span<double> per_tile) const {
  const MacArray& array = *array_;
  const MacShape& shape = array.shape_;
  const auto length = static_cast<std::size_t>(array.length_);
  const auto outputs = static_cast<std::size_t>(array.outputs_);
  const std::size_t vectors = activations.size() / length;
  if (activations.size() != vectors * length) {
    throw UsageError(std::to_string(activations.size()) +
                     " activations are not a whole number of input vectors of length " +
                     std::to_string(length));
  }
  if (out.size() != vectors * outputs) {
    throw UsageError("output span has " + std::to_string(out.size()) + " entries; expected " +
                     std::to_string(vectors * outputs) + " (" + std::to_string(vectors) +
                     " vectors x " + std::to_string(outputs) + " outputs)");
  }
  if (!per_tile.empty() && per_tile.size() != vectors * array.row_tiles_ * outputs) {
    throw UsageError("per-tile span has " + std::to_string(per_tile.size()) +
                     " entries; expected " + std::to_string(array.row_tiles_) + " row tiles x " +
                     std::to_string(outputs) + " outputs" +
                     (vectors > 1 ? " x " + std::to_string(vectors) + " vectors" : ""));
  }
  const kernel::ArrayView view = array.View();
  const kernel::RunView run = View();
  const std::size_t words = static_cast<std::size_t>(array.words_);
  const std::size_t dac_codes = std::size_t{1} << shape.dac_bits;
  const std::size_t boundaries = digital_pairs_.size();
  workspace.planes.resize(
      static_cast<std::size_t>(array.row_tiles_) * shape.activation_bits * words + kernel::kLanes);
  workspace.masks.resize(kernel::kWindowSlots * kernel::kMaxSubwords *
                         kernel::MaskStride(array.words_));
  workspace.mask_rows.resize(kernel::kWindowSlots * kernel::kMaxSubwords);
  workspace.values.resize(length);
  kernel::Tally tally;
  if (counts != nullptr) {
    constexpr auto kL = static_cast<std::size_t>(kernel::kLanes);
    workspace.tree_ones.assign((static_cast<std::size_t>(shape.rows) + 1) * kL, 0);
    workspace.op_code_rows.assign(dac_codes * kL, 0);
    workspace.dac_code_rows.assign(dac_codes, 0);
    workspace.boundary_histogram.assign(boundaries, 0);
    tally.tree_ones = workspace.tree_ones.data();
    tally.op_code_rows = workspace.op_code_rows.data();
    tally.dac_code_rows = workspace.dac_code_rows.data();
    tally.boundary_histogram = workspace.boundary_histogram.data();
  }
  kernel::Batch batch{.activations = activations.data(),
                      .vectors = static_cast<std::int64_t>(vectors),
                      .noise = &noise,
                      .out = out.data(),
                      .per_tile = per_tile.empty() ? nullptr : per_tile.data(),
                      .planes = workspace.planes.data(),
                      .masks = workspace.masks.data(),
                      .mask_rows = workspace.mask_rows.data(),
                      .tally = counts != nullptr ? &tally : nullptr,
                      .values = workspace.values.data()};
  switch (isa_) {
    case Isa::kAvx512:
      kernel::RunAvx512(view, run, batch);
      break;
    case Isa::kAvx2:
      kernel::RunAvx2(view, run, batch);
      break;
    default:
      kernel::RunScalar(view, run, batch);
      break;
  }
  if ((batch.any_bits >> shape.activation_bits) != 0) {
    for (std::size_t v = 0; v < vectors; ++v) {
      CheckActivationRange(activations.subspan(v * length, length), shape.activation_bits, v,
                           vectors);
    }
  }
  if (counts == nullptr) {
    return;
  }
  // The lanes' counts into the caller's ActionCounts.
  constexpr auto kL = static_cast<std::size_t>(kernel::kLanes);
  ActionCounts& c = *counts;
  for (auto* v : {&c.op_code_rows, &c.dac_code_rows}) {
    if (v->size() < dac_codes) {
      v->resize(dac_codes, 0);
    }
  }
  if (c.tree_ones.size() < static_cast<std::size_t>(shape.rows) + 1) {
    c.tree_ones.resize(static_cast<std::size_t>(shape.rows) + 1, 0);
  }
  if (c.boundary_histogram.size() < boundaries) {
    c.boundary_histogram.resize(boundaries, 0);
  }
  c.input_vectors += tally.input_vectors;
  c.macs += tally.input_vectors * array.length_ * array.outputs_;
  c.array_passes += tally.array_passes;
  c.digital_cycles += tally.digital_cycles;
  c.digital_array_cycles += tally.digital_array_cycles;
  c.array_cycles += tally.array_cycles;
  c.analog_ops += tally.analog_ops;
  c.adc_conversions += tally.analog_ops;
  c.dac_cycles += tally.dac_cycles;
  c.digital_w1_rows += tally.digital_w1_rows;
  c.din_toggles += tally.din_toggles;
  c.nq_ops += tally.nq_ops;
  c.ose_evals += tally.ose_evals;
  c.accumulations += tally.accumulations;
  for (std::size_t l = 0; l < kL; ++l) {
    c.accumulator_toggles += static_cast<std::int64_t>(tally.accumulator_toggles[l]);
  }
  for (std::size_t n = 0; n <= static_cast<std::size_t>(shape.rows); ++n) {
    std::int64_t sum = 0;
    for (std::size_t l = 0; l < kL; ++l) {
      sum += workspace.tree_ones[n * kL + l];
    }
    c.tree_ones[n] += sum;
  }
  for (std::size_t d = 0; d < dac_codes; ++d) {
    std::int64_t sum = 0;
    for (std::size_t l = 0; l < kL; ++l) {
      sum += static_cast<std::int64_t>(workspace.op_code_rows[d * kL + l]);
    }
    c.op_code_rows[d] += sum;
    c.dac_code_rows[d] += workspace.dac_code_rows[d];
  }
  for (std::size_t b = 0; b < boundaries; ++b) {
    c.boundary_histogram[b] += workspace.boundary_histogram[b];
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
