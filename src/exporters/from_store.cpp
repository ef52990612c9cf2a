#include "exporters/from_store.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string_view>

#include "core/error.h"
#include "lut/axis.h"
#include "lut/table.h"

namespace cimchar::exporters {

namespace {

constexpr double kKelvinAtZeroCelsius = 273.15;
// Quadrature of a standard normal die-to-die deviation: z in [-kZMax, kZMax] in kZSteps steps.
constexpr double kZMax = 8.0;
constexpr int kZSteps = 320;

std::string Describe(double value, const std::string& units) {
  return lut::FormatNumber(value) + (units.empty() ? "" : " " + units);
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Output statistics of an ADC at input v from independent Gaussian transitions: the static
// (die-to-die) and dynamic (per-conversion) variances of the code, and its mean.
struct CodeMoments {
  double mean = 0.0;
  double static_var = 0.0;
  double dynamic_var = 0.0;
};
CodeMoments Moments(double v,
                    const std::vector<double>& t,
                    const std::vector<double>& s,
                    const std::vector<double>& d) {
  CodeMoments m;
  for (std::size_t k = 0; k < t.size(); ++k) {
    // q(x): probability that one conversion of a die whose transition sits at x reads >= k+1.
    auto q = [&](double x) {
      if (d[k] > 0.0) {
        return NormalCdf((v - x) / d[k]);
      }
      return v >= x ? 1.0 : 0.0;
    };
    double e1 = 0.0;
    double e2 = 0.0;
    double e_dyn = 0.0;
    if (s[k] > 0.0) {
      double weight_sum = 0.0;
      for (int i = 0; i <= kZSteps; ++i) {
        const double z = -kZMax + 2.0 * kZMax * i / kZSteps;
        const double w = std::exp(-0.5 * z * z);
        const double p = q(t[k] + s[k] * z);
        e1 += w * p;
        e2 += w * p * p;
        e_dyn += w * p * (1.0 - p);
        weight_sum += w;
      }
      e1 /= weight_sum;
      e2 /= weight_sum;
      e_dyn /= weight_sum;
    } else {
      e1 = q(t[k]);
      e2 = e1 * e1;
      e_dyn = e1 * (1.0 - e1);
    }
    m.mean += e1;
    m.static_var += std::max(0.0, e2 - e1 * e1);
    m.dynamic_var += e_dyn;
  }
  return m;
}

// The ADC model of the macro: transitions, per-code statistics, window and linearity.
AdcModel AdcOf(const calib::Macro& macro) {
  const calib::AdcTransfer& a = macro.adc;
  AdcModel adc;
  adc.bits = macro.geometry.adc_bits;
  adc.input_low_v = a.LowV();
  adc.input_high_v = a.HighV();
  adc.transition_mean_v = a.transition_v;
  adc.transition_static_sigma_v = a.transition_static_sigma_v;
  adc.comparator_offset_sigma_v = a.comparator_offset_sigma_v;
  adc.comparator_noise_sigma_v = a.comparator_noise_sigma_v;
  const double lsb = a.LsbV();
  const auto n = static_cast<int>(a.transition_v.size());
  const std::vector<double>& t = a.transition_v;
  const std::vector<double>& s = a.transition_static_sigma_v;
  const std::vector<double>& d = a.transition_dynamic_sigma_v;
  for (int code = 0; code <= n; ++code) {
    const double v = adc.input_low_v + (code + 0.5) * lsb;
    const CodeMoments m = Moments(v, t, s, d);
    double s2 = 0.0;
    double d2 = 0.0;
    int bounds = 0;
    for (const int k : {code - 1, code}) {
      if (k >= 0 && k < n) {
        s2 += s[k] * s[k];
        d2 += d[k] * d[k];
        ++bounds;
      }
    }
    adc.codes.push_back({.code = code,
                         .mean_lsb = m.mean,
                         .static_sigma_lsb = std::sqrt(m.static_var),
                         .dynamic_sigma_lsb = std::sqrt(m.dynamic_var),
                         .mean_v = v,
                         .static_sigma_v = std::sqrt(s2 / bounds),
                         .dynamic_sigma_v = std::sqrt(d2 / bounds)});
  }
  if (n >= 3) {
    const DnlInlPlot lin = LinearityFromTransitions(t);
    adc.dnl_lsb = lin.dnl_lsb;
    adc.inl_lsb = lin.inl_lsb;
  }
  return adc;
}

// The analog chain in front of the ADC as a straight line over the MAC units inside the ADC
// window (the uniform-code transfer: every row W = 1 at one code), with its spreads in LSB.
void AnalogOf(const calib::Macro& macro, ExportModel& model) {
  const calib::LineTransfer& l = macro.line;
  const int top = (1 << macro.geometry.dac_bits) - 1;
  const double full_mac = static_cast<double>(macro.geometry.rows) * top;
  const double lsb_v = macro.adc.LsbV();
  AnalogPathModel& a = model.analog;
  std::vector<std::size_t> used;
  for (std::size_t i = 0; i < l.codes.size(); ++i) {
    if (l.code_v[i] <= macro.adc.HighV() + lsb_v) {
      used.push_back(i);
    }
  }
  if (used.size() < 2) {
    used = {0, l.codes.size() - 1};
  }
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i : used) {
    const double x = static_cast<double>(l.codes[i]) / top * full_mac;
    sx += x;
    sy += l.code_v[i];
    sxx += x * x;
    sxy += x * l.code_v[i];
  }
  const double n = static_cast<double>(used.size());
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const double intercept = (sy - slope * sx) / n;
  a.transfer_gain_v = slope;
  a.transfer_offset_v = intercept;
  double s2 = 0.0, d2 = 0.0, worst = 0.0;
  for (std::size_t i : used) {
    const double x = static_cast<double>(l.codes[i]) / top * full_mac;
    s2 += l.code_static_sigma_v[i] * l.code_static_sigma_v[i];
    d2 += l.code_dynamic_sigma_v[i] * l.code_dynamic_sigma_v[i];
    worst = std::max(worst, std::abs(l.code_v[i] - (intercept + slope * x)));
  }
  a.static_sigma_v = std::sqrt(s2 / n);
  a.dynamic_sigma_v = std::sqrt(d2 / n);
  a.static_sigma_lsb = a.static_sigma_v / lsb_v;
  a.dynamic_sigma_lsb = a.dynamic_sigma_v / lsb_v;
  a.max_nonlinearity_lsb = worst / lsb_v;
  const double small =
      (l.code_v[1] - l.code_v[0]) / (static_cast<double>(l.codes[1] - l.codes[0]) / top);
  const double top_frac =
      std::clamp((macro.adc.HighV() - l.code_v[0]) / (l.code_v.back() - l.code_v[0]), 0.0, 1.0);
  if (small > 0.0 && top_frac > 0.0) {
    // The uniform-code transfer at the top of the ADC window against its first segment's slope.
    double y = l.code_v.back();
    for (std::size_t i = 1; i < l.codes.size(); ++i) {
      const double x0 = static_cast<double>(l.codes[i - 1]) / top;
      const double x1 = static_cast<double>(l.codes[i]) / top;
      if (top_frac <= x1) {
        y = l.code_v[i - 1] + (top_frac - x0) / (x1 - x0) * (l.code_v[i] - l.code_v[i - 1]);
        break;
      }
    }
    a.compression_full_scale = 1.0 - (y - l.code_v[0]) / (small * top_frac);
  }
  if (a.transfer_gain_v > 0.0) {
    model.geometry.adc_lsb_mac = lsb_v / a.transfer_gain_v;
  }
}

ComponentEnergy Scalar(const std::string& component,
                       const std::string& action,
                       const calib::ActionEnergy& e) {
  return {.component = component,
          .action = action,
          .points = {{.arguments = {}, .energy_j = e.energy_j}},
          .area_um2 = std::nullopt,
          .area_note = "cimchar characterizes netlists, not layouts: no area"};
}

void EnergiesOf(const calib::Macro& macro, ExportModel& model) {
  const calib::Energies& e = macro.energy;
  const int rows = macro.geometry.rows;
  const std::string no_area = "cimchar characterizes netlists, not layouts: no area";
  const auto points = [&](const std::string& component, const std::string& action,
                          std::vector<EnergyPoint> pts) {
    model.energies.push_back({.component = component,
                              .action = action,
                              .points = std::move(pts),
                              .area_um2 = std::nullopt,
                              .area_note = no_area});
  };
  std::vector<EnergyPoint> tree;
  for (int n : {0, rows / 4, rows / 2, 3 * rows / 4, rows}) {
    tree.push_back({.arguments = {{"ones", n}},
                    .energy_j = e.adder_tree_j[static_cast<std::size_t>(n)]});
  }
  points("adder_tree", "evaluate", std::move(tree));
  points("dmult", "multiply",
         {{.arguments = {{"w", 0}, {"a", 0}}, .energy_j = e.dmult_w0.energy_j},
          {.arguments = {{"w", 0}, {"a", 1}}, .energy_j = e.dmult_w0.energy_j},
          {.arguments = {{"w", 1}, {"a", 0}}, .energy_j = e.dmult_w1_a0.energy_j},
          {.arguments = {{"w", 1}, {"a", 1}}, .energy_j = e.dmult_w1_a1.energy_j}});
  std::vector<EnergyPoint> op;
  for (std::size_t i = 0; i < macro.line.codes.size(); ++i) {
    op.push_back({.arguments = {{"code", macro.line.codes[i]}}, .energy_j = e.op_code_j[i]});
  }
  points("analog_line", "analog_op", std::move(op));
  std::vector<EnergyPoint> dac;
  for (std::size_t c = 0; c < e.dac_row_j.size(); ++c) {
    dac.push_back(
        {.arguments = {{"code", static_cast<std::int64_t>(c)}}, .energy_j = e.dac_row_j[c]});
  }
  points("dac_row", "drive", std::move(dac));
  points("accumulator", "accumulate",
         {{.arguments = {{"toggled_bits", 0}}, .energy_j = e.accumulate.energy_j},
          {.arguments = {{"toggled_bits", e.accumulator_bits}},
           .energy_j = e.accumulate.energy_j + e.accumulator_bits * e.accumulate_toggle_j}});
  model.energies.push_back(Scalar("adc", "convert", e.adc_conversion));
  model.energies.push_back(Scalar("precharge_row", "precharge", e.precharge_row_cycle));
  model.energies.push_back(Scalar("precharge_lblb", "restore", e.precharge_lblb));
  model.energies.push_back(Scalar("dwl_row", "pulse", e.wordline_dwl));
  model.energies.push_back(Scalar("awl_row", "pulse", e.wordline_awl));
  model.energies.push_back(Scalar("din_row", "toggle", e.din_toggle));
  model.energies.push_back(Scalar("leakage_row", "cycle", e.leakage_row_cycle));
  model.energies.push_back(Scalar("leakage_column", "cycle",
                                  {e.leakage_tree_cycle.energy_j +
                                       e.leakage_accumulator_cycle.energy_j,
                                   e.leakage_tree_cycle.how + "; " +
                                       e.leakage_accumulator_cycle.how}));
  model.energies.push_back(Scalar("ose", "evaluate", e.ose_eval));
  model.energies.push_back(Scalar("nq", "normalize", e.nq));
  for (const auto& [what, how] : std::vector<std::pair<std::string, std::string>>{
           {"analog_line.analog_op", e.analog_how},
           {"dac_row.drive", e.dac_how},
           {"adc.convert", e.adc_conversion.how},
           {"adder_tree.evaluate", e.adder_tree_how},
           {"dmult.multiply", e.dmult_w1_a1.how},
           {"accumulator.accumulate", e.accumulate.how},
           {"precharge_row.precharge", e.precharge_row_cycle.how},
           {"precharge_lblb.restore", e.precharge_lblb.how},
           {"dwl_row.pulse", e.wordline_dwl.how},
           {"awl_row.pulse", e.wordline_awl.how},
           {"din_row.toggle", e.din_toggle.how},
           {"leakage_row.cycle", e.leakage_row_cycle.how},
           {"ose.evaluate", e.ose_eval.how},
           {"nq.normalize", e.nq.how}}) {
    model.provenance["energy." + what] = how;
  }
}

}  // namespace

std::map<std::string, std::string> MacroProvenance(const calib::Macro& macro) {
  std::map<std::string, std::string> out;
  out["macro.origin"] = macro.origin;
  for (std::size_t i = 0; i < macro.sources.size(); ++i) {
    const calib::TableSource& src = macro.sources[i];
    const std::string prefix = "lut" + std::to_string(i) + ".";
    out[prefix + "role"] = src.role;
    out[prefix + "file"] = src.file.string();
    out[prefix + "file_sha256"] = src.sha256;
    out[prefix + "recipe"] = src.recipe_text;
    out[prefix + "master_seed"] = std::to_string(src.master_seed);
    out[prefix + "samples_per_point"] = std::to_string(src.samples_per_point);
    out[prefix + "ngspice_version"] = src.ngspice_version;
    out[prefix + "cimchar_version"] = src.cimchar_version;
    out[prefix + "cimchar_commit"] = src.cimchar_commit;
    out[prefix + "created_utc"] = src.created_utc;
  }
  for (std::size_t i = 0; i < macro.notes.size(); ++i) {
    out["note." + std::to_string(i)] = macro.notes[i];
  }
  return out;
}

ExportModel ModelFromMacro(const calib::Macro& macro,
                           const mac::MacShape& shape,
                           const std::string& macro_name) {
  ExportModel model;
  model.provenance = MacroProvenance(macro);
  model.operating_point = macro.point;
  model.geometry = {.name = macro_name,
                    .rows = macro.geometry.rows,
                    .columns = macro.geometry.columns,
                    .columns_per_adc = 1,
                    .activation_bits = shape.activation_bits,
                    .weight_bits = shape.weight_bits,
                    .dac_bits = macro.geometry.dac_bits,
                    .analog_orders = macro.geometry.analog_window,
                    .adc_lsb_mac = 0.0};
  model.adc = AdcOf(macro);
  const std::string end_point =
      "the ADC window is the end-point fit of the characterized transitions, so gain 1 and "
      "offset 0 hold by construction";
  model.not_derived["adc.gain"] = end_point;
  model.not_derived["adc.offset_lsb"] = end_point;
  AnalogOf(macro, model);
  EnergiesOf(macro, model);
  return model;
}

std::map<std::string, std::string> StoreProvenance(const lut::Store& store,
                                                   const std::string& prefix) {
  const lut::Provenance& p = store.provenance();
  std::map<std::string, std::string> out;
  out[prefix + "file"] = store.path().string();
  out[prefix + "complete"] = store.complete() ? "yes" : "no (snapshot of an unfinished run)";
  out[prefix + "recipe"] = p.recipe_text;
  out[prefix + "master_seed"] = std::to_string(p.master_seed);
  out[prefix + "ngspice_version"] = p.ngspice_version;
  out[prefix + "cimchar_version"] = p.cimchar_version;
  out[prefix + "cimchar_commit"] = p.cimchar_commit;
  out[prefix + "created_utc"] = p.created_utc;
  out[prefix + "samples_per_point"] = std::to_string(store.spec().samples_per_point);
  for (const auto& [file, sha] : p.input_sha256) {
    out[prefix + "input_sha256." + file] = sha;
  }
  return out;
}

std::vector<TableView> TableViewsFromStore(const lut::Store& store) {
  std::vector<TableView> views;
  for (const auto& info : store.Quantities()) {
    const lut::Table& table = store.ReadTable(info.quantity, info.statistic);
    TableView view;
    view.quantity = info.quantity + "/" + lut::StatisticName(info.statistic);
    view.units = table.units();
    switch (info.statistic) {
      case lut::Statistic::kMean:
        view.description = "mean over Monte Carlo samples";
        break;
      case lut::Statistic::kStaticSigma:
        view.description = "sample standard deviation across Monte Carlo dies (fixed pattern)";
        break;
      case lut::Statistic::kDynamicSigma:
        view.description = "per-conversion noise sigma (method in the recipe provenance)";
        break;
    }
    for (const auto& axis : table.axes()) {
      view.axes.push_back({.name = axis.name(),
                           .units = axis.units(),
                           .values = axis.values(),
                           .labels = axis.labels()});
    }
    view.data = table.values();
    views.push_back(std::move(view));
  }
  return views;
}

DnlInlPlot LinearityFromTransitions(const std::vector<double>& transitions_v) {
  const std::size_t n = transitions_v.size();
  if (n < 3) {
    throw UsageError("DNL needs at least 3 transitions (a 2-bit ADC); got " + std::to_string(n));
  }
  for (std::size_t k = 1; k < n; ++k) {
    if (!(transitions_v[k] > transitions_v[k - 1])) {
      throw UsageError("transition levels are not increasing at transition " +
                       std::to_string(k + 1));
    }
  }
  const double lsb = (transitions_v.back() - transitions_v.front()) / static_cast<double>(n - 1);
  DnlInlPlot out;
  // Code c (1 .. n-1) spans transitions c and c+1 (transition k is at index k-1).
  for (std::size_t c = 1; c < n; ++c) {
    out.codes.push_back(static_cast<double>(c));
    out.dnl_lsb.push_back((transitions_v[c] - transitions_v[c - 1]) / lsb - 1.0);
    out.inl_lsb.push_back(
        (transitions_v[c - 1] - (transitions_v.front() + static_cast<double>(c - 1) * lsb)) / lsb);
  }
  return out;
}

std::vector<SampleSet> SampleSetsFromStore(const lut::Store& store,
                                           const std::vector<std::string>& columns,
                                           const GridPointRequest& point,
                                           bool centered) {
  const lut::RunSpec& spec = store.spec();
  std::vector<std::size_t> index;
  for (const auto& axis : spec.grid) {
    std::size_t at = 0;
    if (axis.name() == "corner" && point.corner) {
      at = axis.IndexOf(*point.corner);
    } else if ((axis.name() == "vdd" && point.vdd_v) || (axis.name() == "temp" && point.temp_c)) {
      double value = axis.name() == "vdd" ? *point.vdd_v : *point.temp_c;
      if (axis.name() == "temp" && axis.units() == "K") {
        value += kKelvinAtZeroCelsius;
      }
      const auto& values = axis.values();
      const auto it = std::find_if(values.begin(), values.end(),
                                   [&](double v) { return std::abs(v - value) < 1e-9; });
      if (it == values.end()) {
        throw UsageError("histograms are drawn at grid points: " + axis.name() + " = " +
                         Describe(value, axis.units()) + " is not one of " + axis.RangeText() +
                         " in " + store.path().string());
      }
      at = static_cast<std::size_t>(it - values.begin());
    } else if (axis.size() != 1) {
      throw UsageError(store.path().string() + " spans " + axis.name() + " " + axis.RangeText() +
                       ": choose a grid value (--" + axis.name() + ")");
    }
    index.push_back(at);
  }
  const std::uint64_t grid_point = spec.GridPoint(index);
  std::vector<SampleSet> sets;
  for (const auto& name : columns) {
    std::size_t col = spec.columns.size();
    std::string known;
    for (std::size_t c = 0; c < spec.columns.size(); ++c) {
      if (spec.columns[c].name == name) {
        col = c;
      }
      known += (c ? ", " : "") + spec.columns[c].name;
    }
    if (col == spec.columns.size()) {
      throw UsageError("column " + name + " is not recorded in " + store.path().string() +
                       " (columns: " + known + ")");
    }
    SampleSet set{.name = name + " [" + spec.columns[col].units + "]", .samples = {}};
    for (const auto& r : store.records()) {
      if (r.grid_point == grid_point && r.status == lut::SampleStatus::kOk) {
        set.samples.push_back(r.values[col]);
      }
    }
    if (set.samples.empty()) {
      throw UsageError("no successful sample at " + spec.DescribeGridPoint(grid_point) + " in " +
                       store.path().string());
    }
    if (centered) {
      double mean = 0.0;
      for (const double v : set.samples) {
        mean += v;
      }
      mean /= static_cast<double>(set.samples.size());
      for (double& v : set.samples) {
        v -= mean;
      }
    }
    sets.push_back(std::move(set));
  }
  return sets;
}

}  // namespace cimchar::exporters
