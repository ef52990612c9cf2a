#include "mac/thresholds.h"

#include <algorithm>
#include <memory>
#include <string>

#include "core/error.h"

namespace cimchar::mac {

std::vector<int> AssignCandidates(std::span<const std::int64_t> saliency,
                                  std::span<const std::int64_t> thresholds,
                                  std::size_t used) {
  std::vector<int> choice(saliency.size(), static_cast<int>(used));
  for (std::size_t p = 0; p < saliency.size(); ++p) {
    for (std::size_t m = 0; m < used; ++m) {
      if (saliency[p] >= thresholds[m]) {
        choice[p] = static_cast<int>(m);
        break;
      }
    }
  }
  return choice;
}

ThresholdResult FindThresholds(std::span<const std::int64_t> saliency,
                               int candidates,
                               std::span<const double> constraints,
                               const LossFn& loss) {
  if (candidates < 2) {
    throw UsageError("the threshold search needs at least 2 B_D/A candidates, got " +
                     std::to_string(candidates));
  }
  if (constraints.size() != static_cast<std::size_t>(candidates - 1)) {
    throw UsageError("expected " + std::to_string(candidates - 1) + " loss constraints for " +
                     std::to_string(candidates) + " candidates, got " +
                     std::to_string(constraints.size()));
  }
  for (std::size_t i = 0; i < constraints.size(); ++i) {
    if (!(constraints[i] >= 0.0) || (i > 0 && constraints[i] < constraints[i - 1])) {
      throw UsageError("loss constraints must be >= 0 and non-decreasing (constraint " +
                       std::to_string(i) + " = " + std::to_string(constraints[i]) + ")");
    }
  }
  if (saliency.empty()) {
    throw UsageError("the threshold search needs a non-empty calibration set");
  }
  std::vector<std::int64_t> values(saliency.begin(), saliency.end());
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  values.push_back(values.back() + 1);  // nobody reaches it: every pass at the next candidate

  ThresholdResult result;
  result.thresholds.assign(constraints.size(), values.back());
  std::size_t upper = values.size() - 1;  // T[i] <= T[i-1]
  for (std::size_t i = 0; i < constraints.size(); ++i) {
    auto loss_at = [&](std::size_t index) {
      result.thresholds[i] = values[index];
      return loss(AssignCandidates(saliency, result.thresholds, i + 1));
    };
    std::size_t lo = 0;
    double lo_loss = loss_at(0);
    if (lo_loss > constraints[i]) {
      result.thresholds[i] = values[0];
      result.losses.push_back(lo_loss);
      result.met.push_back(false);
      upper = 0;
      continue;
    }
    // Invariant: loss(lo) <= L; answer in [lo, hi].
    std::size_t hi = upper;
    double hi_loss = hi == lo ? lo_loss : loss_at(hi);
    if (hi_loss <= constraints[i]) {
      lo = hi;
      lo_loss = hi_loss;
    }
    while (hi > lo + 1) {
      const std::size_t mid = lo + (hi - lo) / 2;
      const double mid_loss = loss_at(mid);
      if (mid_loss <= constraints[i]) {
        lo = mid;
        lo_loss = mid_loss;
      } else {
        hi = mid;
      }
    }
    result.thresholds[i] = values[lo];
    result.losses.push_back(lo_loss);
    result.met.push_back(true);
    upper = lo;
  }
  return result;
}

int SaliencyFullScale(const MacArray& array,
                      const RunOptions& options,
                      const InputGenerator& inputs,
                      const EvalOptions& eval,
                      double percentile) {
  if (eval.samples < 1) {
    throw UsageError("sample count = " + std::to_string(eval.samples) + " must be >= 1");
  }
  if (!(percentile > 0.0 && percentile <= 100.0)) {
    throw UsageError("N/Q full-scale percentile " + std::to_string(percentile) +
                     " is outside (0, 100]");
  }
  RunOptions probe = options;
  probe.mode = Mode::kOsaHcim;
  probe.ose.thresholds.assign(probe.ose.candidates.size() - 1, 0);
  const MacRunner runner(array, probe);
  // histogram[c] = how often count c (0..rows) was seen, per block, added in block order.
  const auto bins = static_cast<std::size_t>(array.Shape().rows) + 1;
  const std::int64_t blocks = (eval.samples + kSamplesPerBlock - 1) / kSamplesPerBlock;
  std::vector<std::vector<std::int64_t>> histograms(static_cast<std::size_t>(blocks));
  ParallelBlocks(blocks, eval.threads, [&](std::int64_t block) {
    std::vector<std::int64_t>& h = histograms[static_cast<std::size_t>(block)];
    h.assign(bins, 0);
    std::vector<std::int32_t> act(static_cast<std::size_t>(array.Length()));
    std::vector<int> counts;
    MacRunner::Workspace workspace;
    const std::int64_t end = std::min(eval.samples, (block + 1) * kSamplesPerBlock);
    for (std::int64_t n = block * kSamplesPerBlock; n < end; ++n) {
      Rng input_rng(StreamSeed(eval.seed, static_cast<std::uint64_t>(n), 1));
      inputs(n, input_rng, act);
      counts.clear();
      runner.SaliencyCounts(act, workspace, counts);
      for (int c : counts) {
        ++h[static_cast<std::size_t>(c)];
      }
    }
  });
  std::vector<std::int64_t> total(bins, 0);
  for (const auto& h : histograms) {
    for (std::size_t c = 0; c < bins; ++c) {
      total[c] += h[c];
    }
  }
  std::int64_t nonzero = 0;
  for (std::size_t c = 1; c < bins; ++c) {
    nonzero += total[c];
  }
  if (nonzero == 0) {
    return array.Shape().rows + 1;
  }
  // The smallest count at or below which `percentile` % of the non-zero counts lie.
  const double target = percentile / 100.0 * static_cast<double>(nonzero);
  std::int64_t seen = 0;
  for (std::size_t c = 1; c < bins; ++c) {
    seen += total[c];
    if (static_cast<double>(seen) >= target) {
      return static_cast<int>(c);
    }
  }
  return static_cast<int>(bins - 1);
}

LossData MakeRelativeMseLoss(const MacArray& array,
                             const RunOptions& options,
                             const InputGenerator& inputs,
                             const EvalOptions& eval) {
  if (eval.samples < 1) {
    throw UsageError("sample count = " + std::to_string(eval.samples) + " must be >= 1");
  }
  RunOptions probe = options;
  probe.mode = Mode::kOsaHcim;
  probe.ose.thresholds.assign(probe.ose.candidates.size() - 1, 0);
  ValidateRunOptions(array.Shape(), probe);
  const std::vector<int> candidates = options.ose.candidates;
  const MacRunner saliency_runner(array, probe);
  std::vector<MacRunner> runners;
  for (int b : candidates) {
    RunOptions forced = probe;
    forced.ose.candidates = {b};
    forced.ose.thresholds = {};
    runners.emplace_back(array, forced);
  }
  const auto samples = static_cast<std::size_t>(eval.samples);
  const auto row_tiles = static_cast<std::size_t>(array.RowTiles());
  const auto column_tiles = static_cast<std::size_t>(array.ColumnTiles());
  const auto outputs = static_cast<std::size_t>(array.Outputs());
  const std::size_t b = candidates.size();
  const std::size_t passes_per_sample = row_tiles * column_tiles;
  auto saliency = std::vector<std::int64_t>(samples * passes_per_sample);
  // errors[((n * row_tiles + t) * b + m) * outputs + c]
  auto errors = std::make_shared<std::vector<double>>(samples * row_tiles * b * outputs);
  auto ideal_sq = std::make_shared<double>(0.0);
  std::vector<double> ideal_block((samples + kSamplesPerBlock - 1) / kSamplesPerBlock, 0.0);
  const std::int64_t blocks = static_cast<std::int64_t>(ideal_block.size());
  const int columns = array.Shape().columns;
  ParallelBlocks(blocks, eval.threads, [&](std::int64_t block) {
    const auto length = static_cast<std::size_t>(array.Length());
    const auto first = static_cast<std::size_t>(block) * kSamplesPerBlock;
    const std::size_t count = std::min<std::size_t>(samples, first + kSamplesPerBlock) - first;
    std::vector<std::int32_t> act(count * length);
    std::vector<std::int64_t> ideal(outputs);
    std::vector<std::int64_t> ideal_tiles(count * row_tiles * outputs);
    std::vector<double> model(count * outputs), model_tiles(count * row_tiles * outputs);
    std::vector<int> chosen(passes_per_sample);
    MacRunner::Workspace workspace;
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t n = first + k;
      const auto a = std::span(act).subspan(k * length, length);
      Rng input_rng(StreamSeed(eval.seed, n, 1));
      inputs(static_cast<std::int64_t>(n), input_rng, a);
      array.Exact(a, ideal,
                  std::span(ideal_tiles).subspan(k * row_tiles * outputs, row_tiles * outputs));
      for (std::int64_t y : ideal) {
        ideal_block[static_cast<std::size_t>(block)] +=
            static_cast<double>(y) * static_cast<double>(y);
      }
      saliency_runner.Saliency(
          a, workspace, std::span(saliency).subspan(n * passes_per_sample, passes_per_sample),
          chosen);
    }
    for (std::size_t m = 0; m < b; ++m) {
      // One noise stream per block and candidate, drawn in sample order.
      Rng noise_rng(StreamSeed(eval.seed, static_cast<std::uint64_t>(block), 2, m));
      runners[m].RunBatch(act, noise_rng, workspace, model, nullptr, model_tiles);
      for (std::size_t k = 0; k < count; ++k) {
        const std::size_t n = first + k;
        for (std::size_t t = 0; t < row_tiles; ++t) {
          for (std::size_t c = 0; c < outputs; ++c) {
            const std::size_t at = (k * row_tiles + t) * outputs + c;
            (*errors)[((n * row_tiles + t) * b + m) * outputs + c] =
                model_tiles[at] - static_cast<double>(ideal_tiles[at]);
          }
        }
      }
    }
  });
  for (double v : ideal_block) {
    *ideal_sq += v;
  }
  LossData data;
  data.saliency = saliency;
  data.loss = [errors, ideal_sq, samples, row_tiles, column_tiles, outputs, b,
               columns](std::span<const int> choice) {
    if (choice.size() != samples * row_tiles * column_tiles) {
      throw UsageError("loss: choice vector has " + std::to_string(choice.size()) +
                       " entries; expected " + std::to_string(samples * row_tiles * column_tiles));
    }
    double sum = 0.0;
    for (std::size_t n = 0; n < samples; ++n) {
      for (std::size_t c = 0; c < outputs; ++c) {
        const std::size_t ct = c / static_cast<std::size_t>(columns);
        double e = 0.0;
        for (std::size_t t = 0; t < row_tiles; ++t) {
          const auto m = static_cast<std::size_t>(choice[(n * row_tiles + t) * column_tiles + ct]);
          e += (*errors)[((n * row_tiles + t) * b + m) * outputs + c];
        }
        sum += e * e;
      }
    }
    return *ideal_sq > 0.0 ? sum / *ideal_sq : sum;
  };
  data.pass_cost = [errors, ideal_sq, row_tiles, column_tiles, outputs, b, columns](
                       std::size_t m, std::span<const std::size_t> passes) {
    if (m + 1 >= b) {
      throw UsageError("pass cost: candidate pair " + std::to_string(m) + " -> " +
                       std::to_string(m + 1) + " is outside the " + std::to_string(b) +
                       " candidates");
    }
    std::vector<double> cost;
    cost.reserve(passes.size());
    const auto width = static_cast<std::size_t>(columns);
    for (std::size_t p : passes) {
      const std::size_t n = p / (row_tiles * column_tiles);
      const std::size_t t = p / column_tiles % row_tiles;
      const std::size_t ct = p % column_tiles;
      double delta = 0.0;
      for (std::size_t c = ct * width; c < std::min(outputs, (ct + 1) * width); ++c) {
        double e = 0.0;
        for (std::size_t u = 0; u < row_tiles; ++u) {
          e += (*errors)[((n * row_tiles + u) * b + m) * outputs + c];
        }
        const double moved = e - (*errors)[((n * row_tiles + t) * b + m) * outputs + c] +
                             (*errors)[((n * row_tiles + t) * b + m + 1) * outputs + c];
        delta += moved * moved - e * e;
      }
      cost.push_back(*ideal_sq > 0.0 ? delta / *ideal_sq : delta);
    }
    return cost;
  };
  return data;
}

}  // namespace cimchar::mac
