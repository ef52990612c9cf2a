#include "characterize/benches/common.h"

#include <algorithm>
#include <cmath>

#include "calib/schema.h"
#include "core/error.h"
#include "core/paths.h"
#include "measure/waveform.h"
#include "netlist/pdk.h"

namespace cimchar::characterize::benches {
namespace fs = std::filesystem;

double KT(double temp_c) { return kBoltzmann * (temp_c + 273.15); }

double StrongArmNoiseV(double temp_c, double vcm_v, double vth_v, double c_x_f) {
  constexpr double kGamma = 1.0;  // channel thermal-noise factor, short-channel value
  const double v_ov = std::max(vcm_v - vth_v, 0.05);
  return std::sqrt(2.0 * kGamma * KT(temp_c) * v_ov / (vth_v * c_x_f));
}

namespace {

netlist::SearchPath Search(const Recipe& recipe) {
  return netlist::SearchPath{.user_dirs = recipe.netlist_dirs, .project_netlists = true};
}

fs::path FindNetlist(const Recipe& recipe, const std::string& file) {
  for (const auto& dir : recipe.netlist_dirs) {
    if (fs::exists(dir / file)) {
      return dir / file;
    }
  }
  return core::NetlistsDir() / file;  // RenderFile names it when missing
}

}  // namespace

std::string RenderBenchFile(const Recipe& recipe,
                            const std::string& file,
                            const std::string& corner,
                            netlist::Bindings bindings,
                            std::vector<fs::path>& inputs) {
  const netlist::SearchPath search = Search(recipe);
  netlist::BindPdk(recipe.pdk, corner, search, bindings);
  return netlist::RenderFile(FindNetlist(recipe, file), bindings, search, &inputs);
}

std::string RenderBenchText(const Recipe& recipe,
                            const std::string& text,
                            const std::string& origin,
                            const std::string& corner,
                            netlist::Bindings bindings,
                            std::vector<fs::path>& inputs) {
  const netlist::SearchPath search = Search(recipe);
  netlist::BindPdk(recipe.pdk, corner, search, bindings);
  const fs::path base = FindNetlist(recipe, "benches");
  return netlist::RenderText(text, origin, base, bindings, search, &inputs);
}

measure::DeviceModels Models(const Recipe& recipe) {
  return measure::DeviceModels{.nmos = recipe.pdk.nmos, .pmos = recipe.pdk.pmos};
}

double RangedNumber(const Recipe& r,
                    const std::string& key,
                    double fallback,
                    double lo,
                    double hi,
                    const std::string& unit) {
  const double v = BenchNumber(r, key, fallback);
  if (!(v >= lo && v <= hi)) {
    throw UsageError("recipe key '" + r.bench + "." + key + "' = " + netlist::FormatNumber(v) +
                     " is outside [" + netlist::FormatNumber(lo) + ", " +
                     netlist::FormatNumber(hi) + "] " + unit);
  }
  return v;
}

int RangedInt(const Recipe& r, const std::string& key, int fallback, int lo, int hi) {
  const int v = BenchInt(r, key, fallback);
  if (v < lo || v > hi) {
    throw UsageError("recipe key '" + r.bench + "." + key + "' = " + std::to_string(v) +
                     " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return v;
}

measure::SarLogic SarLogicKey(const Recipe& r, const std::string& key) {
  const auto it = r.bench_keys.find(r.bench + "." + key);
  if (it == r.bench_keys.end() || it->second == "transistor") {
    return measure::SarLogic::kTransistor;
  }
  if (it->second == "xspice") {
    return measure::SarLogic::kXspice;
  }
  throw UsageError("recipe key '" + r.bench + "." + key + "' = '" + it->second +
                   "': use 'transistor' (the converter's whole energy) or 'xspice' (faster; its "
                   "SAR logic draws no supply current)");
}

std::span<const double> Vec(const spice::RunResult& run, const std::string& name) {
  auto it = run.vectors.find(name);
  if (it == run.vectors.end() || it->second.empty()) {
    throw Error("vector '" + name + "' is missing from the run");
  }
  return it->second;
}

double DriverEnergy(
    std::span<const double> t, std::span<const double> i, double vdd_v, double t0, double t1) {
  std::vector<double> out(i.size());
  std::transform(i.begin(), i.end(), out.begin(), [](double x) { return std::max(0.0, -x); });
  return vdd_v * measure::Integral(t, out, t0, t1);
}

std::string CodeColumn(std::string_view quantity, int code) {
  return std::string(calib::schema::ColumnOf(quantity)) + "_" + std::to_string(code);
}

std::vector<std::string> Numbered(const std::string& prefix, int count, int first) {
  std::vector<std::string> out;
  for (int k = first; k < first + count; ++k) {
    out.push_back(prefix + std::to_string(k));
  }
  return out;
}

std::string Pwl(const std::vector<std::pair<double, double>>& points) {
  // A point at or before the previous one's time replaces its value (ngspice wants increasing
  // times), so callers may add a step at a time already listed.
  std::vector<std::pair<double, double>> pts;
  for (const auto& p : points) {
    if (!pts.empty() && p.first <= pts.back().first) {
      pts.back().second = p.second;
    } else {
      pts.push_back(p);
    }
  }
  std::string s = "pwl(";
  for (std::size_t k = 0; k < pts.size(); ++k) {
    s += (k ? " " : "") + netlist::FormatNumber(pts[k].first) + " " +
         netlist::FormatNumber(pts[k].second);
  }
  return s + ")";
}

}  // namespace cimchar::characterize::benches
