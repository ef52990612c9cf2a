#include "characterize/bench.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace cimchar::characterize {

std::vector<double> Bench::DynamicSigma(const GridPoint& /*point*/) const {
  return std::vector<double>(Columns().size(), std::numeric_limits<double>::quiet_NaN());
}

std::vector<double> Bench::MeasureRuns(const GridPoint& /*point*/,
                                       const spice::RunResult& /*first*/,
                                       const spice::RunResult& /*second*/) const {
  throw Error("the '" + Name() + "' bench has no second run to measure");
}

std::vector<lut::ReduceRequest> Bench::Quantities() const {
  std::vector<lut::ReduceRequest> out;
  for (const auto& c : Columns()) {
    out.push_back({.quantity = Name() + "/" + c.name, .units = c.units, .columns = {c.name}});
  }
  return out;
}

std::unique_ptr<Bench> MakeBench(const Recipe& recipe) {
  const auto& all = Benches();
  auto it = std::find_if(all.begin(), all.end(),
                         [&](const BenchInfo& b) { return b.name == recipe.bench; });
  if (it == all.end()) {
    std::string known;
    for (const auto& b : all) {
      known += (known.empty() ? "" : ", ") + b.name;
    }
    throw UsageError("unknown bench '" + recipe.bench + "' (known: " + known + ")");
  }
  return it->make(recipe);
}

void CheckBenchKeys(const Recipe& recipe, const std::vector<std::string>& known) {
  for (const auto& [key, value] : recipe.bench_keys) {
    const std::string name = key.substr(recipe.bench.size() + 1);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (const auto& k : known) {
        list += (list.empty() ? "" : ", ") + recipe.bench + "." + k;
      }
      throw UsageError("unknown key '" + key + "' for bench '" + recipe.bench +
                       "' (known: " + (list.empty() ? "none" : list) + ")");
    }
  }
}

std::vector<GridPoint> MakeGrid(const Recipe& recipe, const std::vector<BenchAxis>& axes) {
  std::vector<std::size_t> sizes = {recipe.corners.size(), recipe.vdd_v.size(),
                                    recipe.temp_c.size()};
  for (const auto& a : axes) {
    if (a.values.empty()) {
      throw UsageError("bench axis '" + a.name + "' has no values");
    }
    sizes.push_back(a.values.size());
  }
  std::size_t total = 1;
  for (auto s : sizes) {
    total *= s;
  }
  std::vector<GridPoint> grid;
  grid.reserve(total);
  std::vector<std::size_t> idx(sizes.size(), 0);
  for (std::size_t n = 0; n < total; ++n) {
    GridPoint p;
    p.index = n;
    p.corner = recipe.corners[idx[0]];
    p.vdd_v = recipe.vdd_v[idx[1]];
    p.temp_c = recipe.temp_c[idx[2]];
    for (std::size_t a = 0; a < axes.size(); ++a) {
      p.block.push_back(axes[a].values[idx[3 + a]]);
    }
    grid.push_back(std::move(p));
    for (std::size_t d = sizes.size(); d-- > 0;) {  // last axis fastest
      if (++idx[d] < sizes[d]) {
        break;
      }
      idx[d] = 0;
    }
  }
  return grid;
}

}  // namespace cimchar::characterize
