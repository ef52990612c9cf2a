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
  const std::uint32_t levels = 1u << activation_bits;
  return [levels](std::int64_t, Rng& rng, std::span<std::int32_t> out) {
    for (auto& v : out) {
      v = static_cast<std::int32_t>(rng.Below(levels));
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
    std::vector<std::int32_t> act(length);
    std::vector<std::int64_t> ideal(outputs);
    std::vector<double> model(outputs);
    MacRunner::Workspace workspace;
    const std::int64_t end = std::min(eval.samples, (block + 1) * kSamplesPerBlock);
    for (std::int64_t n = block * kSamplesPerBlock; n < end; ++n) {
      Rng input_rng(StreamSeed(eval.seed, static_cast<std::uint64_t>(n), 1));
      inputs(n, input_rng, act);
      Rng noise_rng(StreamSeed(eval.seed, static_cast<std::uint64_t>(n), 2));
      array.Exact(act, ideal);
      runner.Run(act, noise_rng, workspace, model, &p.counts);
      for (std::size_t c = 0; c < outputs; ++c) {
        const auto y = static_cast<double>(ideal[c]);
        const double e = model[c] - y;
        p.sum_y += y;
        p.sum_y2 += y * y;
        p.sum_e += e;
        p.sum_e2 += e * e;
      }
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
  r.energy = ComputeEnergy(array.Shape(), array.Calib().energy, r.counts);
  return r;
}

std::vector<BudgetRow> ErrorBudget(const MacArray& array,
                                   const RunOptions& options,
                                   const InputGenerator& inputs,
                                   const EvalOptions& eval) {
  const ErrorSwitches all{};
  const ErrorSwitches none{
      .dynamic_noise = false, .static_noise = false, .quantization = false, .discard = false};
  std::vector<BudgetRow> rows = {
      {"all", all, {}},
      {"no dynamic noise", {false, true, true, true}, {}},
      {"no static noise", {true, false, true, true}, {}},
      {"no quantization", {true, true, false, true}, {}},
      {"no discard", {true, true, true, false}, {}},
      {"dynamic noise only", {true, false, false, false}, {}},
      {"static noise only", {false, true, false, false}, {}},
      {"quantization only", {false, false, true, false}, {}},
      {"discard only", {false, false, false, true}, {}},
      {"none", none, {}},
  };
  for (BudgetRow& row : rows) {
    RunOptions o = options;
    o.switches = row.switches;
    row.result = EvaluateSnr(array, o, inputs, eval);
  }
  return rows;
}

}  // namespace cimchar::mac
