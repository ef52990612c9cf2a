#include "exporters/model_view.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "exporters/readouts/readouts.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"
#include "mac/random.h"

namespace cimchar::exporters {

namespace {

// Stream tags of the views' draws (mac::StreamSeed's second counter).
constexpr std::uint64_t kChipStream = 1;
constexpr std::uint64_t kCountStream = 2;
constexpr std::uint64_t kPatternStream = 3;
constexpr std::uint64_t kPatternNoiseStream = 4;
constexpr std::uint64_t kReferenceStream = 5;
constexpr std::uint64_t kErrorStream = 6;
constexpr std::uint64_t kNoiselessStream = 7;

// A value linear between the macro's measured DAC codes (as the model interpolates the line's
// sigmas), at ideal fraction x of the DAC's full scale.
double AtFraction(const calib::LineTransfer& line,
                  const std::vector<double>& per_code,
                  int top,
                  double x) {
  const double code = std::clamp(x, 0.0, 1.0) * top;
  const auto& c = line.codes;
  std::size_t hi = 1;
  while (hi + 1 < c.size() && c[hi] < code) {
    ++hi;
  }
  const double t = (code - c[hi - 1]) / static_cast<double>(c[hi] - c[hi - 1]);
  return per_code[hi - 1] + t * (per_code[hi] - per_code[hi - 1]);
}

// An array of `columns` independent chip instances of one column each (weights all 0: only the
// static errors matter to MacRunner::ConvertCode).
mac::MacArray Instances(const calib::Macro& macro,
                        const mac::MacShape& shape,
                        int columns,
                        std::uint64_t seed) {
  const std::vector<std::int32_t> weights(
      static_cast<std::size_t>(shape.rows) * static_cast<std::size_t>(columns), 0);
  return mac::MacArray(shape, macro, weights, shape.rows, columns, seed);
}

// Rows at each DAC code for rows with W = 1 at subword counts `per_subword` (index s).
std::vector<std::int64_t> AtCodes(const mac::MacShape& shape,
                                  const std::vector<std::int64_t>& per_subword) {
  std::vector<std::int64_t> codes(std::size_t{1} << shape.dac_bits, 0);
  const int shift = shape.dac_bits - shape.analog_window;
  for (std::size_t s = 0; s < per_subword.size(); ++s) {
    codes[s << shift] += per_subword[s];
  }
  return codes;
}

struct Moments {
  double mean = 0.0;
  double sigma = 0.0;
};

// Mean and sigma of the value one op is read back as, over every instance of `array`, one
// conversion each.
Moments Convert(const mac::MacRunner& runner,
                const mac::MacArray& array,
                const std::vector<std::int64_t>& codes,
                double units_per_fraction,
                mac::Rng& noise) {
  double sum = 0.0;
  double sum_sq = 0.0;
  const int n = array.Outputs();
  for (int column = 0; column < n; ++column) {
    const double v =
        array.CodeFraction(runner.ConvertCode(0, column, codes, noise)) * units_per_fraction;
    sum += v;
    sum_sq += v * v;
  }
  const double mean = sum / n;
  const double var = n > 1 ? std::max(0.0, (sum_sq - n * mean * mean) / (n - 1)) : 0.0;
  return {mean, std::sqrt(var)};
}

// A random row pattern with the model's default statistics: W and every activation bit 1 with
// probability 1/2. Returns rows per subword and the ideal value u.
std::pair<std::vector<std::int64_t>, std::int64_t> RandomPattern(const mac::MacShape& shape,
                                                                 mac::Rng& rng) {
  std::vector<std::int64_t> per_subword(std::size_t{1} << shape.analog_window, 0);
  std::int64_t u = 0;
  for (int r = 0; r < shape.rows; ++r) {
    const bool w = rng.Below(2) != 0;
    const std::uint32_t s = rng.Below(1u << shape.analog_window);
    if (w) {
      ++per_subword[s];
      u += s;
    }
  }
  return {per_subword, u};
}

// Rows per subword of the pattern that realizes ideal count u: every row W = 1, the subwords
// as equal as possible (u = rows q + r: r rows at q + 1, the others at q).
std::vector<std::int64_t> EvenPattern(const mac::MacShape& shape, std::int64_t u) {
  std::vector<std::int64_t> per_subword(std::size_t{1} << shape.analog_window, 0);
  const std::int64_t q = u / shape.rows;
  const std::int64_t r = u % shape.rows;
  per_subword[static_cast<std::size_t>(q)] += shape.rows - r;
  if (r > 0) {
    per_subword[static_cast<std::size_t>(q + 1)] += r;
  }
  return per_subword;
}

double UnitsPerFraction(const mac::MacShape& shape) {
  const int shift = shape.dac_bits - shape.analog_window;
  return static_cast<double>(shape.rows) * ((1 << shape.dac_bits) - 1) /
         static_cast<double>(1 << shift);
}

}  // namespace

void ValidateViewOptions(const mac::MacShape& shape, const ViewOptions& o) {
  if (o.reference_boundary < 0 || o.reference_boundary > mac::MaxBoundary(shape)) {
    throw UsageError("reference B_D/A = " + std::to_string(o.reference_boundary) +
                     " is outside 0.." + std::to_string(mac::MaxBoundary(shape)) + " for " +
                     std::to_string(shape.activation_bits) + "b x " +
                     std::to_string(shape.weight_bits) + "b operands");
  }
  if (o.reference_vectors < 1 || o.chips < 2 || o.patterns < 1) {
    throw UsageError(
        "the model views need >= 1 reference vector, >= 2 chip instances and >= 1 "
        "pattern (got " +
        std::to_string(o.reference_vectors) + ", " + std::to_string(o.chips) + ", " +
        std::to_string(o.patterns) + ")");
  }
}

double OpTransfer::Rms(const std::vector<double>& values) {
  if (values.empty()) {
    return 0.0;
  }
  double sum = 0.0;
  for (double v : values) {
    sum += v * v;
  }
  return std::sqrt(sum / static_cast<double>(values.size()));
}

OpTransfer OpTransferOf(const calib::Macro& macro, const mac::MacShape& shape) {
  const mac::MacArray array = Instances(macro, shape, 1, 0);
  OpTransfer op;
  op.window_bits = shape.analog_window;
  op.adc_bits = shape.adc_bits;
  op.rows = shape.rows;
  op.full_scale = static_cast<double>(shape.rows) * ((1 << shape.analog_window) - 1);
  op.units_per_fraction = UnitsPerFraction(shape);
  const ReadoutExport& readout = FindReadoutExport(macro.readout);
  if (!readout.shared_thresholds) {
    throw UsageError("the model's op transfer is one transfer shared by every column, but " +
                     readout.per_column);
  }
  const ReadoutThresholds thresholds = readout.shared_thresholds(macro);
  const calib::LineTransfer& line = macro.line;
  const int top = (1 << shape.dac_bits) - 1;
  const double step_v = 1e-4 * (line.code_v.back() - line.code_v.front());
  for (std::size_t k = 0; k < thresholds.threshold_v.size(); ++k) {
    const double t = thresholds.threshold_v[k];
    const double x = array.IdealFraction(t);
    op.transitions.push_back(x * op.units_per_fraction);
    // Volts per op unit of the uniform-code transfer at the transition.
    const double du_dv = (array.IdealFraction(t + step_v) - array.IdealFraction(t - step_v)) *
                         op.units_per_fraction / (2.0 * step_v);
    const double to_units = du_dv > 0.0 ? du_dv : 0.0;
    const double line_static = AtFraction(line, line.code_static_sigma_v, top, x);
    const double line_dynamic = AtFraction(line, line.code_dynamic_sigma_v, top, x);
    const double offset = thresholds.common_sigma_v[k];
    const double own = thresholds.own_sigma_v[k];
    op.line_static_sigma.push_back(line_static * to_units);
    op.comparator_offset_sigma.push_back(offset * to_units);
    op.transition_own_sigma.push_back(own * to_units);
    op.static_sigma.push_back(std::sqrt(line_static * line_static + offset * offset + own * own) *
                              to_units);
    op.dynamic_sigma.push_back(std::hypot(line_dynamic, thresholds.noise_sigma_v) * to_units);
  }
  for (int code = 0; code <= static_cast<int>(thresholds.threshold_v.size()); ++code) {
    op.levels.push_back(array.CodeFraction(code) * op.units_per_fraction);
  }
  mac::RunOptions quiet;
  quiet.switches.dynamic_noise = false;
  quiet.switches.static_noise = false;
  const mac::MacRunner runner(array, quiet);
  mac::Rng unused(0);
  for (std::int64_t u = 0; u <= static_cast<std::int64_t>(op.full_scale); ++u) {
    op.codes_by_count.push_back(
        runner.ConvertCode(0, 0, AtCodes(shape, EvenPattern(shape, u)), unused));
  }
  const std::size_t n = op.transitions.size();
  op.lsb = n >= 2 ? (op.transitions.back() - op.transitions.front()) / static_cast<double>(n - 1)
                  : op.full_scale / 2.0;
  return op;
}

CountTable CountTableOf(const calib::Macro& macro,
                        const mac::MacShape& shape,
                        const ViewOptions& options) {
  ValidateViewOptions(shape, options);
  const mac::MacArray array =
      Instances(macro, shape, options.chips, mac::StreamSeed(options.seed, kChipStream));
  const mac::MacRunner runner(array, mac::RunOptions{});
  const double units = UnitsPerFraction(shape);
  const int levels = 1 << shape.analog_window;
  const std::int64_t full = static_cast<std::int64_t>(shape.rows) * (levels - 1);
  CountTable table;
  table.chips = options.chips;
  table.seed = options.seed;
  for (std::int64_t u = 0; u <= full; ++u) {
    mac::Rng noise(mac::StreamSeed(options.seed, kCountStream, static_cast<std::uint64_t>(u)));
    const Moments m = Convert(runner, array, AtCodes(shape, EvenPattern(shape, u)), units, noise);
    table.mean.push_back(m.mean);
    table.sigma.push_back(m.sigma);
  }
  double mean_sq = 0.0;
  double sigma_sq = 0.0;
  for (int p = 0; p < options.patterns; ++p) {
    mac::Rng rng(mac::StreamSeed(options.seed, kPatternStream, static_cast<std::uint64_t>(p)));
    const auto [per_subword, u] = RandomPattern(shape, rng);
    mac::Rng noise(
        mac::StreamSeed(options.seed, kPatternNoiseStream, static_cast<std::uint64_t>(p)));
    const Moments m = Convert(runner, array, AtCodes(shape, per_subword), units, noise);
    const double dm = m.mean - table.mean[static_cast<std::size_t>(u)];
    const double ds = m.sigma - table.sigma[static_cast<std::size_t>(u)];
    mean_sq += dm * dm;
    sigma_sq += ds * ds;
    table.pattern_mean_max = std::max(table.pattern_mean_max, std::abs(dm));
  }
  table.patterns = options.patterns;
  table.pattern_mean_rms = std::sqrt(mean_sq / options.patterns);
  table.pattern_sigma_rms = std::sqrt(sigma_sq / options.patterns);
  return table;
}

OpError OpErrorOf(const calib::Macro& macro,
                  const mac::MacShape& shape,
                  const ViewOptions& options) {
  ValidateViewOptions(shape, options);
  const mac::MacArray array =
      Instances(macro, shape, options.chips, mac::StreamSeed(options.seed, kChipStream));
  const mac::MacRunner runner(array, mac::RunOptions{});
  const double units = UnitsPerFraction(shape);
  double sum = 0.0;
  double sum_sq = 0.0;
  // One random pattern per chip instance: the error is mostly the quantization of the pattern's
  // count, so it takes many patterns (and as many chips) to pin its spread down.
  mac::Rng rng(mac::StreamSeed(options.seed, kErrorStream));
  const int n = array.Outputs();
  for (int column = 0; column < n; ++column) {
    const auto [per_subword, u] = RandomPattern(shape, rng);
    const double e =
        array.CodeFraction(runner.ConvertCode(0, column, AtCodes(shape, per_subword), rng)) *
            units -
        static_cast<double>(u);
    sum += e;
    sum_sq += e * e;
  }
  OpError out;
  out.ops = n;
  out.mean = sum / n;
  out.sigma = std::sqrt(std::max(0.0, (sum_sq - n * out.mean * out.mean) / (n - 1)));
  return out;
}

std::vector<std::pair<std::int64_t, int>> NoiselessPatternsOf(const calib::Macro& macro,
                                                              const mac::MacShape& shape,
                                                              const ViewOptions& options) {
  ValidateViewOptions(shape, options);
  const mac::MacArray array = Instances(macro, shape, 1, 0);
  mac::RunOptions quiet;
  quiet.switches.dynamic_noise = false;
  quiet.switches.static_noise = false;
  const mac::MacRunner runner(array, quiet);
  mac::Rng rng(mac::StreamSeed(options.seed, kNoiselessStream));
  std::vector<std::pair<std::int64_t, int>> out;
  for (int p = 0; p < options.chips; ++p) {
    const auto [per_subword, u] = RandomPattern(shape, rng);
    out.emplace_back(u, runner.ConvertCode(0, 0, AtCodes(shape, per_subword), rng));
  }
  return out;
}

std::vector<BoundarySplit> SplitsOf(const calib::Macro& macro, const mac::MacShape& shape) {
  const mac::MacArray array = Instances(macro, shape, 1, 0);
  const mac::MacRunner runner(array, mac::RunOptions{});
  std::vector<BoundarySplit> out;
  for (int b = 0; b <= mac::MaxBoundary(shape); ++b) {
    BoundarySplit split{.boundary = b};
    for (int i = 0; i < shape.weight_bits; ++i) {
      for (int j = 0; j < shape.activation_bits; ++j) {
        switch (runner.DomainOf(b, i, j)) {
          case mac::MacRunner::Domain::kDigital:
            ++split.digital;
            break;
          case mac::MacRunner::Domain::kAnalog:
            ++split.analog;
            break;
          case mac::MacRunner::Domain::kDiscarded:
            ++split.discarded;
            break;
        }
      }
    }
    out.push_back(split);
  }
  return out;
}

std::vector<ReferenceRun> ReferenceRunsOf(const calib::Macro& macro,
                                          const mac::MacShape& shape,
                                          const ViewOptions& options) {
  ValidateViewOptions(shape, options);
  const std::uint64_t seed = mac::StreamSeed(options.seed, kReferenceStream);
  const mac::Chips chips = mac::Chips::Random(shape, macro, shape.rows, shape.columns, 1, seed);
  const mac::InputGenerator inputs = mac::UniformInputs(shape.activation_bits);
  std::vector<ReferenceRun> runs;
  for (int b = 0; b <= mac::MaxBoundary(shape); ++b) {
    mac::RunOptions run;
    run.mode = mac::Mode::kHcim;
    run.boundary = b;
    const mac::SnrResult r = mac::EvaluateSnr(
        chips, run, inputs,
        mac::EvalOptions{.samples = options.reference_vectors, .seed = seed, .threads = 1});
    runs.push_back({.boundary = b,
                    .vectors = options.reference_vectors,
                    .seed = seed,
                    .counts = r.counts,
                    .energy = r.energy});
  }
  return runs;
}

}  // namespace cimchar::exporters
