#include "mac/evaluate.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

#include "core/error.h"

namespace cimchar::mac {

namespace {

void CheckBits(int activation_bits) {
  if (activation_bits < 1 || activation_bits > 8) {
    throw UsageError("activation bits = " + std::to_string(activation_bits) +
                     " is outside the allowed range 1..8");
  }
}

double Db(double signal, double noise) {
  if (noise <= 0.0) {
    return std::numeric_limits<double>::infinity();
  }
  return 10.0 * std::log10(signal / noise);
}

struct Partial {
  double sum_y = 0.0;
  double sum_y2 = 0.0;
  double sum_e = 0.0;
  double sum_e2 = 0.0;
  ActionCounts counts;
};

}  // namespace

InputGenerator UniformInputs(int activation_bits) {
  CheckBits(activation_bits);
  const std::uint64_t mask = (std::uint64_t{1} << activation_bits) - 1;
  return [mask](std::int64_t, Rng& rng, std::span<std::int32_t> out) {
    // Eight activations per draw: the low a bits of each byte (uniform, as 2^a divides 256).
    std::uint64_t bits = 0;
    for (std::size_t n = 0; n < out.size(); ++n) {
      if (n % 8 == 0) {
        bits = rng.Next();
      }
      out[n] = static_cast<std::int32_t>(bits & mask);
      bits >>= 8;
    }
  };
}

InputGenerator ScaledInputs(int activation_bits) {
  CheckBits(activation_bits);
  return [activation_bits](std::int64_t, Rng& rng, std::span<std::int32_t> out) {
    const double peak = std::exp2(activation_bits * (0.5 + 0.5 * rng.Uniform()));
    const auto levels = static_cast<std::uint32_t>(std::max(1.0, std::floor(peak)));
    const double zero_fraction = 0.2 + 0.6 * rng.Uniform();
    for (auto& v : out) {
      v = rng.Uniform() < zero_fraction ? 0 : static_cast<std::int32_t>(rng.Below(levels));
    }
  };
}

InputGenerator DataInputs(std::shared_ptr<const std::vector<std::int32_t>> data,
                          int length,
                          int activation_bits) {
  CheckBits(activation_bits);
  if (data == nullptr || length < 1 || data->empty() ||
      data->size() % static_cast<std::size_t>(length) != 0) {
    throw UsageError("an input data set needs a whole number (>= 1) of vectors of length " +
                     std::to_string(length) + "; got " +
                     std::to_string(data == nullptr ? 0 : data->size()) + " activations");
  }
  const std::int32_t top = (1 << activation_bits) - 1;
  for (std::size_t n = 0; n < data->size(); ++n) {
    const std::int32_t v = (*data)[n];
    if (v < 0 || v > top) {
      throw UsageError("input vector " + std::to_string(n / static_cast<std::size_t>(length)) +
                       ", position " + std::to_string(n % static_cast<std::size_t>(length)) +
                       ": activation " + std::to_string(v) + " is outside 0.." +
                       std::to_string(top) + " of unsigned " + std::to_string(activation_bits) +
                       "-bit activations");
    }
  }
  const auto vectors = static_cast<std::int64_t>(data->size() / static_cast<std::size_t>(length));
  return [data = std::move(data), length, vectors](std::int64_t sample, Rng&,
                                                   std::span<std::int32_t> out) {
    if (out.size() != static_cast<std::size_t>(length)) {
      throw UsageError("input data set has vectors of length " + std::to_string(length) +
                       "; the layer expects " + std::to_string(out.size()));
    }
    const auto row = static_cast<std::size_t>(sample % vectors) * static_cast<std::size_t>(length);
    std::copy(data->begin() + static_cast<std::ptrdiff_t>(row),
              data->begin() + static_cast<std::ptrdiff_t>(row + out.size()), out.begin());
  };
}

std::vector<std::int32_t> RandomWeights(const MacShape& shape,
                                        int length,
                                        int outputs,
                                        std::uint64_t seed) {
  ValidateShape(shape);
  if (length < 1 || outputs < 1) {
    throw UsageError("random weights need length and outputs >= 1");
  }
  Rng rng(StreamSeed(seed, 0x3E16u));
  const std::uint32_t levels = 1u << shape.weight_bits;
  const std::int32_t offset = shape.signed_weights ? 1 << (shape.weight_bits - 1) : 0;
  std::vector<std::int32_t> w(static_cast<std::size_t>(length) * outputs);
  for (auto& v : w) {
    v = static_cast<std::int32_t>(rng.Below(levels)) - offset;
  }
  return w;
}

void ParallelBlocks(std::int64_t blocks, int threads, const std::function<void(std::int64_t)>& fn) {
  if (threads < 1) {
    throw UsageError("thread count = " + std::to_string(threads) + " must be >= 1");
  }
  if (threads == 1 || blocks <= 1) {
    for (std::int64_t b = 0; b < blocks; ++b) {
      fn(b);
    }
    return;
  }
  std::atomic<std::int64_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  {
    std::vector<std::jthread> pool;
    const auto n = static_cast<int>(std::min<std::int64_t>(threads, blocks));
    for (int t = 0; t < n; ++t) {
      pool.emplace_back([&] {
        for (;;) {
          const std::int64_t b = next.fetch_add(1);
          if (b >= blocks) {
            return;
          }
          try {
            fn(b);
          } catch (...) {
            std::lock_guard lock(error_mutex);
            if (!error) {
              error = std::current_exception();
            }
            next.store(blocks);
            return;
          }
        }
      });
    }
  }
  if (error) {
    std::rethrow_exception(error);
  }
}

SnrResult EvaluateSnr(const MacArray& array,
                      const RunOptions& options,
                      const InputGenerator& inputs,
                      const EvalOptions& eval) {
  if (eval.samples < 1) {
    throw UsageError("sample count = " + std::to_string(eval.samples) + " must be >= 1");
  }
  const MacRunner runner(array, options);
  const std::int64_t blocks = (eval.samples + kSamplesPerBlock - 1) / kSamplesPerBlock;
  std::vector<Partial> partials(static_cast<std::size_t>(blocks));
  const auto length = static_cast<std::size_t>(array.Length());
  const auto outputs = static_cast<std::size_t>(array.Outputs());
  ParallelBlocks(blocks, eval.threads, [&](std::int64_t block) {
    Partial& p = partials[static_cast<std::size_t>(block)];
    const std::int64_t first = block * kSamplesPerBlock;
    const auto count =
        static_cast<std::size_t>(std::min(eval.samples, first + kSamplesPerBlock) - first);
    std::vector<std::int32_t> act(count * length);
    std::vector<std::int64_t> ideal(count * outputs);
    std::vector<double> model(count * outputs);
    for (std::size_t k = 0; k < count; ++k) {
      const std::int64_t n = first + static_cast<std::int64_t>(k);
      Rng input_rng(StreamSeed(eval.seed, static_cast<std::uint64_t>(n), 1));
      inputs(n, input_rng, std::span(act).subspan(k * length, length));
      array.Exact(std::span(act).subspan(k * length, length),
                  std::span(ideal).subspan(k * outputs, outputs));
    }
    // One noise stream per block, drawn in sample order.
    Rng noise_rng(StreamSeed(eval.seed, static_cast<std::uint64_t>(block), 2));
    MacRunner::Workspace workspace;
    runner.RunBatch(act, noise_rng, workspace, model, &p.counts);
    for (std::size_t v = 0; v < count * outputs; ++v) {
      const auto y = static_cast<double>(ideal[v]);
      const double e = model[v] - y;
      p.sum_y += y;
      p.sum_y2 += y * y;
      p.sum_e += e;
      p.sum_e2 += e * e;
    }
  });
  Partial total;
  for (const Partial& p : partials) {
    total.sum_y += p.sum_y;
    total.sum_y2 += p.sum_y2;
    total.sum_e += p.sum_e;
    total.sum_e2 += p.sum_e2;
    total.counts += p.counts;
  }
  SnrResult r;
  r.samples = eval.samples;
  r.values = eval.samples * static_cast<std::int64_t>(outputs);
  const auto n = static_cast<double>(r.values);
  r.mean_ideal = total.sum_y / n;
  r.var_ideal = std::max(0.0, total.sum_y2 / n - r.mean_ideal * r.mean_ideal);
  r.mean_error = total.sum_e / n;
  r.mse = total.sum_e2 / n;
  r.error_var = std::max(0.0, r.mse - r.mean_error * r.mean_error);
  r.snr_db = Db(r.var_ideal, r.mse);
  r.snr_offset_removed_db = Db(r.var_ideal, r.error_var);
  r.counts = std::move(total.counts);
  r.energy = ComputeEnergy(array.Shape(), array.Macro(), r.counts);
  return r;
}

namespace {

// `count` arrays, array k made by make(first_seed + k). Failures: UsageError for count < 1 and as
// make.
template <class Make>
std::vector<MacArray> ChipArrays(int count, std::uint64_t first_seed, const Make& make) {
  if (count < 1) {
    throw UsageError("chip instances = " + std::to_string(count) + " must be >= 1");
  }
  std::vector<MacArray> arrays;
  arrays.reserve(static_cast<std::size_t>(count));
  for (int k = 0; k < count; ++k) {
    arrays.push_back(make(first_seed + static_cast<std::uint64_t>(k)));
  }
  return arrays;
}

}  // namespace

Chips Chips::Random(const MacShape& shape,
                    const calib::Macro& macro,
                    int length,
                    int outputs,
                    int count,
                    std::uint64_t first_seed) {
  return Chips(ChipArrays(count, first_seed, [&](std::uint64_t seed) {
    return MacArray(shape, macro, RandomWeights(shape, length, outputs, seed), length, outputs,
                    seed);
  }));
}

Chips Chips::Programmed(const MacShape& shape,
                        const calib::Macro& macro,
                        std::span<const std::int32_t> weights,
                        int length,
                        int outputs,
                        int count,
                        std::uint64_t first_seed) {
  return Chips(ChipArrays(count, first_seed, [&](std::uint64_t seed) {
    return MacArray(shape, macro, weights, length, outputs, seed);
  }));
}

Chips::Chips(std::vector<MacArray> arrays) : arrays_(std::move(arrays)) {
  if (arrays_.empty()) {
    throw UsageError("no chip instance to evaluate");
  }
}

SnrResult EvaluateSnr(const Chips& chips,
                      const RunOptions& options,
                      const InputGenerator& inputs,
                      const EvalOptions& eval) {
  if (eval.samples < chips.Count()) {
    throw UsageError("sample count = " + std::to_string(eval.samples) + " is below the " +
                     std::to_string(chips.Count()) +
                     " chip instances: give at least one vector per chip");
  }
  struct Moments {
    double n = 0, y = 0, y2 = 0, e = 0, e2 = 0;
  };
  std::vector<Moments> per_chip;
  SnrResult r;
  const std::int64_t per = (eval.samples + chips.Count() - 1) / chips.Count();
  for (int k = 0; k < chips.Count(); ++k) {
    EvalOptions e = eval;
    e.seed = eval.seed + static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ULL;
    e.samples = std::min(per, eval.samples - per * k);
    if (e.samples < 1) {
      break;
    }
    const SnrResult c = EvaluateSnr(chips[k], options, inputs, e);
    const auto n = static_cast<double>(c.values);
    per_chip.push_back({n, n * c.mean_ideal, n * (c.var_ideal + c.mean_ideal * c.mean_ideal),
                        n * c.mean_error, n * c.mse});
    r.samples += c.samples;
    r.values += c.values;
    r.counts += c.counts;
  }
  const auto pooled = [&](const std::vector<std::size_t>& pick, double& snr, double& snr_off,
                          SnrResult* out) {
    Moments m;
    for (std::size_t i : pick) {
      m.n += per_chip[i].n;
      m.y += per_chip[i].y;
      m.y2 += per_chip[i].y2;
      m.e += per_chip[i].e;
      m.e2 += per_chip[i].e2;
    }
    const double mean_y = m.y / m.n;
    const double var_y = std::max(0.0, m.y2 / m.n - mean_y * mean_y);
    const double mean_e = m.e / m.n;
    const double mse = m.e2 / m.n;
    const double var_e = std::max(0.0, mse - mean_e * mean_e);
    snr = Db(var_y, mse);
    snr_off = Db(var_y, var_e);
    if (out != nullptr) {
      out->mean_ideal = mean_y;
      out->var_ideal = var_y;
      out->mean_error = mean_e;
      out->mse = mse;
      out->error_var = var_e;
    }
  };
  std::vector<std::size_t> all(per_chip.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = i;
  }
  pooled(all, r.snr_db, r.snr_offset_removed_db, &r);
  r.chips = static_cast<int>(per_chip.size());
  if (r.chips > 1) {
    constexpr int kBootstrap = 400;
    Rng rng(StreamSeed(eval.seed, 0xB007u, 3));
    std::vector<double> snr, off;
    std::vector<std::size_t> pick(per_chip.size());
    for (int b = 0; b < kBootstrap; ++b) {
      for (auto& i : pick) {
        i = rng.Below(static_cast<std::uint32_t>(per_chip.size()));
      }
      double s = 0.0, o = 0.0;
      pooled(pick, s, o, nullptr);
      snr.push_back(s);
      off.push_back(o);
    }
    const auto interval = [](std::vector<double>& v, double& lo, double& hi) {
      std::sort(v.begin(), v.end());
      lo = v[static_cast<std::size_t>(0.025 * static_cast<double>(v.size()))];
      hi = v[std::min(v.size() - 1,
                      static_cast<std::size_t>(0.975 * static_cast<double>(v.size())))];
    };
    interval(snr, r.snr_lo_db, r.snr_hi_db);
    interval(off, r.snr_offset_removed_lo_db, r.snr_offset_removed_hi_db);
  }
  r.energy = ComputeEnergy(chips.front().Shape(), chips.front().Macro(), r.counts);
  return r;
}

std::vector<BudgetRow> ErrorBudget(const Chips& chips,
                                   const RunOptions& options,
                                   const InputGenerator& inputs,
                                   const EvalOptions& eval) {
  // Each source off in turn, then each alone (every other off, the line's transfer error too).
  const auto only = [](bool dynamic, bool stat, bool quant, bool discard, bool transfer) {
    return ErrorSwitches{.dynamic_noise = dynamic,
                         .static_noise = stat,
                         .quantization = quant,
                         .discard = discard,
                         .transfer = transfer};
  };
  std::vector<BudgetRow> rows = {
      {"all", ErrorSwitches{}, {}},
      {"no dynamic noise", only(false, true, true, true, true), {}},
      {"no static noise", only(true, false, true, true, true), {}},
      {"no quantization", only(true, true, false, true, true), {}},
      {"no discard", only(true, true, true, false, true), {}},
      {"no transfer error", only(true, true, true, true, false), {}},
      {"dynamic noise only", only(true, false, false, false, false), {}},
      {"static noise only", only(false, true, false, false, false), {}},
      {"quantization only", only(false, false, true, false, false), {}},
      {"discard only", only(false, false, false, true, false), {}},
      {"transfer error only", only(false, false, false, false, true), {}},
      {"none", only(false, false, false, false, false), {}},
  };
  for (BudgetRow& row : rows) {
    RunOptions o = options;
    o.switches = row.switches;
    row.result = EvaluateSnr(chips, o, inputs, eval);
  }
  return rows;
}

}  // namespace cimchar::mac
