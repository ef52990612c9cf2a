#include "lut/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace cimchar::lut {

Reduction ReduceSamples(const RunSpec& spec,
                        std::span<const Record> records,
                        const ReduceRequest& request) {
  if (request.columns.empty()) {
    throw UsageError("reduction of '" + request.quantity + "' names no column");
  }
  if (request.inner_axis && !request.column_axis) {
    throw UsageError("reduction of '" + request.quantity +
                     "' has an inner axis but no column axis");
  }
  const std::size_t spanned = (request.column_axis ? request.column_axis->size() : 1) *
                              (request.inner_axis ? request.inner_axis->size() : 1);
  if (request.columns.size() != spanned) {
    throw UsageError("reduction of '" + request.quantity + "' has " +
                     std::to_string(request.columns.size()) +
                     " columns; several columns need column axes spanning that many");
  }
  std::vector<std::size_t> column_index;
  for (const auto& name : request.columns) {
    const auto it = std::find_if(spec.columns.begin(), spec.columns.end(),
                                 [&name](const Column& c) { return c.name == name; });
    if (it == spec.columns.end()) {
      throw UsageError("reduction of '" + request.quantity + "' names the unknown column '" + name +
                       "'");
    }
    column_index.push_back(static_cast<std::size_t>(it - spec.columns.begin()));
  }
  std::vector<const Record*> sorted;
  for (const auto& record : records) {
    if (record.grid_point >= spec.GridPointCount() || record.sample >= spec.samples_per_point) {
      throw UsageError("reduction of '" + request.quantity + "' got a record outside the grid");
    }
    if (record.status == SampleStatus::kOk) {
      if (record.values.size() != spec.columns.size()) {
        throw UsageError("reduction of '" + request.quantity + "' got a record with " +
                         std::to_string(record.values.size()) + " values");
      }
      sorted.push_back(&record);
    }
  }
  std::sort(sorted.begin(), sorted.end(), [](const Record* a, const Record* b) {
    return SampleKey{a->grid_point, a->sample} < SampleKey{b->grid_point, b->sample};
  });

  const uint64_t points = spec.GridPointCount();
  const std::size_t nc = column_index.size();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> mean(points * nc, kNaN);
  std::vector<double> sigma(points * nc, kNaN);
  std::vector<uint64_t> ok(points, 0);
  std::size_t begin = 0;
  while (begin < sorted.size()) {
    const uint64_t g = sorted[begin]->grid_point;
    std::size_t end = begin;
    while (end < sorted.size() && sorted[end]->grid_point == g) {
      ++end;
    }
    const auto n = static_cast<double>(end - begin);
    ok[g] = end - begin;
    for (std::size_t c = 0; c < nc; ++c) {
      double sum = 0.0;
      for (std::size_t i = begin; i < end; ++i) {
        sum += sorted[i]->values[column_index[c]];
      }
      const double m = sum / n;
      mean[g * nc + c] = m;
      if (end - begin >= 2) {
        double squares = 0.0;
        for (std::size_t i = begin; i < end; ++i) {
          const double d = sorted[i]->values[column_index[c]] - m;
          squares += d * d;
        }
        sigma[g * nc + c] = std::sqrt(squares / (n - 1.0));
      }
    }
    begin = end;
  }
  std::vector<Axis> axes = spec.grid;
  if (request.column_axis) {
    axes.push_back(*request.column_axis);
  }
  if (request.inner_axis) {
    axes.push_back(*request.inner_axis);
  }
  const bool mean_missing =
      std::any_of(mean.begin(), mean.end(), [](double v) { return std::isnan(v); });
  const bool sigma_missing =
      std::any_of(sigma.begin(), sigma.end(), [](double v) { return std::isnan(v); });
  return Reduction{
      .mean = Table(request.quantity, request.units, axes, std::move(mean), mean_missing),
      .static_sigma = Table(request.quantity, request.units, axes, std::move(sigma), sigma_missing),
      .ok_samples = std::move(ok)};
}

}  // namespace cimchar::lut
