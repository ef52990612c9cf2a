#include "exporters/from_store.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string_view>

#include "core/error.h"
#include "lut/axis.h"
#include "lut/table.h"
#include "mac/lut_calibration.h"
#include "measure/block_netlists.h"

namespace cimchar::exporters {

namespace {

constexpr double kKelvinAtZeroCelsius = 273.15;
constexpr double kPercent = 100.0;
// Quadrature of a standard normal die-to-die deviation: z in [-kZMax, kZMax] in kZSteps steps.
constexpr double kZMax = 8.0;
constexpr int kZSteps = 320;

// The recipe that writes a quantity (characterization/README.md), for error messages.
std::string RecipeOf(std::string_view quantity) {
  const std::string_view block = quantity.substr(0, quantity.find('/'));
  if (block == "precharge") {
    return "characterization/dac.ini";
  }
  return "characterization/" + std::string(block) + ".ini";
}

bool Holds(const lut::Store& store, std::string_view quantity, lut::Statistic statistic) {
  for (const auto& info : store.Quantities()) {
    if (info.quantity == quantity && info.statistic == statistic) {
      return true;
    }
  }
  return false;
}

// The one store holding `quantity` (its mean), or nullptr.
const lut::Store* Find(const std::vector<lut::Store>& stores, std::string_view quantity) {
  const lut::Store* found = nullptr;
  for (const auto& store : stores) {
    if (Holds(store, quantity, lut::Statistic::kMean)) {
      if (found != nullptr) {
        throw UsageError("quantity " + std::string(quantity) + " is in both " +
                         found->path().string() + " and " + store.path().string() +
                         "; pass only one of them");
      }
      found = &store;
    }
  }
  return found;
}

[[noreturn]] void MissingQuantity(const std::string& what_for, std::string_view quantity) {
  throw UsageError(what_for + " needs " + std::string(quantity) +
                   ", which none of the given LUT files holds (run cimchar characterize with " +
                   RecipeOf(quantity) + " and pass its file with --lut)");
}

const lut::Store& Require(const std::vector<lut::Store>& stores,
                          std::string_view quantity,
                          const std::string& what_for) {
  const lut::Store* store = Find(stores, quantity);
  if (store == nullptr) {
    MissingQuantity(what_for, quantity);
  }
  return *store;
}

std::string Describe(double value, const std::string& units) {
  return lut::FormatNumber(value) + (units.empty() ? "" : " " + units);
}

// The coordinate of one grid axis (corner, vdd, temp) at the requested point.
lut::AxisValue GridCoordinate(const lut::Axis& axis,
                              const OperatingPointRequest& point,
                              const std::string& table) {
  auto only_value = [&](const std::string& option) -> lut::AxisValue {
    if (axis.size() != 1) {
      throw UsageError("table " + table + " spans " + axis.name() + " " + axis.RangeText() +
                       ": choose a value with " + option);
    }
    if (axis.numeric()) {
      return axis.values().front();
    }
    return axis.labels().front();
  };
  if (axis.name() == "corner") {
    if (point.corner) {
      return *point.corner;
    }
    return only_value("--corner");
  }
  if (axis.name() == "vdd") {
    if (point.vdd_v) {
      return *point.vdd_v;
    }
    return only_value("--vdd (volts)");
  }
  if (axis.name() == "temp") {
    if (point.temp_c) {
      return axis.units() == "K" ? *point.temp_c + kKelvinAtZeroCelsius : *point.temp_c;
    }
    return only_value("--temp (degrees Celsius)");
  }
  throw Error("table " + table + " has axis " + axis.name() +
              " that is neither a grid axis (corner, vdd, temp) nor the bench axis asked for");
}

// The value of `table` at the operating point, with `bench` giving the bench axes' coordinates.
double At(const lut::Table& table,
          const lut::Store& store,
          const OperatingPointRequest& point,
          const lut::OperatingPoint& bench = {}) {
  lut::OperatingPoint where = bench;
  for (const auto& axis : table.axes()) {
    if (where.find(axis.name()) == where.end()) {
      where[axis.name()] = GridCoordinate(axis, point, table.quantity());
    }
  }
  try {
    return table.Lookup(where);
  } catch (const UsageError& e) {
    throw UsageError("reading " + table.quantity() + " from " + store.path().string() +
                     " at the requested operating point: " + e.what());
  }
}

// One statistic of a quantity at the point, or nullopt when the store lacks that statistic.
std::optional<double> StatAt(const lut::Store& store,
                             std::string_view quantity,
                             lut::Statistic statistic,
                             const OperatingPointRequest& point,
                             const lut::OperatingPoint& bench = {}) {
  if (!Holds(store, quantity, statistic)) {
    return std::nullopt;
  }
  return At(store.ReadTable(quantity, statistic), store, point, bench);
}

// (bench axis value, mean) over the grid values of the one bench axis `axis_name`.
struct CurvePoint {
  double x = 0.0;
  double mean = 0.0;
  std::optional<double> static_sigma;
  std::optional<double> dynamic_sigma;
};
std::vector<CurvePoint> Curve(const lut::Store& store,
                              std::string_view quantity,
                              const std::string& axis_name,
                              const OperatingPointRequest& point) {
  const lut::Table& mean = store.ReadTable(quantity, lut::Statistic::kMean);
  const lut::Axis& axis = mean.axis(axis_name);
  if (!axis.numeric()) {
    throw Error("table " + std::string(quantity) + " in " + store.path().string() + ": axis " +
                axis_name + " should be numeric");
  }
  std::vector<CurvePoint> curve;
  for (const double x : axis.values()) {
    const lut::OperatingPoint bench = {{axis_name, x}};
    curve.push_back(
        {.x = x,
         .mean = At(mean, store, point, bench),
         .static_sigma = StatAt(store, quantity, lut::Statistic::kStaticSigma, point, bench),
         .dynamic_sigma = StatAt(store, quantity, lut::Statistic::kDynamicSigma, point, bench)});
  }
  return curve;
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

struct AdcResult {
  AdcModel adc;
  std::map<std::string, std::string> not_derived;
  std::vector<std::string> sources;  // quantities read
};

AdcResult ReadAdc(const std::vector<lut::Store>& stores,
                  const FromStoreOptions& options,
                  const std::string& what_for) {
  const std::string quantity = "adc/transition_v";
  const lut::Store& store = Require(stores, quantity, what_for);
  const auto& point = options.point;
  const lut::Table& mean_table = store.ReadTable(quantity, lut::Statistic::kMean);
  const lut::Axis& code_axis = mean_table.axis("code");
  const auto n = static_cast<int>(code_axis.size());
  int bits = 0;
  while ((1 << bits) - 1 < n) {
    ++bits;
  }
  if ((1 << bits) - 1 != n || n < 1) {
    throw UsageError("table adc/transition_v in " + store.path().string() + " has " +
                     std::to_string(n) + " transitions; an ADC of b bits has 2^b - 1");
  }
  AdcResult r;
  AdcModel& adc = r.adc;
  adc.bits = bits;
  std::vector<double> t;
  std::vector<double> s;
  std::vector<double> d;
  bool have_static = true;
  bool have_dynamic = true;
  for (const double code : code_axis.values()) {
    const lut::OperatingPoint bench = {{"code", code}};
    t.push_back(At(mean_table, store, point, bench));
    const auto ss = StatAt(store, quantity, lut::Statistic::kStaticSigma, point, bench);
    const auto sd = StatAt(store, quantity, lut::Statistic::kDynamicSigma, point, bench);
    have_static = have_static && ss.has_value();
    have_dynamic = have_dynamic && sd.has_value();
    s.push_back(ss.value_or(0.0));
    d.push_back(sd.value_or(0.0));
  }
  for (std::size_t k = 1; k < t.size(); ++k) {
    if (!(t[k] > t[k - 1])) {
      throw Error("table adc/transition_v in " + store.path().string() +
                  " is not increasing along code at the operating point (transition " +
                  std::to_string(k + 1) + ")");
    }
  }
  if (!have_static) {
    r.not_derived["adc.static_sigma"] =
        "adc/transition_v has no static_sigma table: the per-code static sigma is left at 0";
  }
  if (!have_dynamic) {
    r.not_derived["adc.dynamic_sigma"] =
        "adc/transition_v has no dynamic_sigma table: the per-code dynamic sigma is left at 0";
  }
  r.sources.push_back(quantity);

  // Window: the nominal one when given, else the end-point fit of the transitions, with the
  // transitions of an ideal converter at low + k LSB (as src/mac places them).
  double lsb = 0.0;
  if (options.adc_window_v) {
    const auto [low, high] = *options.adc_window_v;
    if (!(high > low) || !std::isfinite(low) || !std::isfinite(high)) {
      throw UsageError("--adc-window: the high end must exceed the low end (got " +
                       lut::FormatNumber(low) + ", " + lut::FormatNumber(high) + ")");
    }
    adc.input_low_v = low;
    adc.input_high_v = high;
    lsb = adc.LsbV();
    adc.offset_lsb = (t.front() - (low + lsb)) / lsb;
    adc.gain = n >= 2 ? (t.back() - t.front()) / (lsb * (n - 1)) : 1.0;
    if (n < 2) {
      r.not_derived["adc.gain"] = "a 1-bit converter has a single transition: no gain";
    }
  } else {
    if (n < 2) {
      throw UsageError(
          "a 1-bit ADC table has one transition, which does not define a window: "
          "give the nominal window with --adc-window LOW,HIGH (volts)");
    }
    lsb = (t.back() - t.front()) / (n - 1);
    adc.input_low_v = t.front() - lsb;
    adc.input_high_v = adc.input_low_v + (n + 1) * lsb;
    const std::string why =
        "no nominal ADC window given (--adc-window): the window is the end-point fit of the "
        "transitions, so gain 1 and offset 0 hold by construction";
    r.not_derived["adc.gain"] = why;
    r.not_derived["adc.offset_lsb"] = why;
  }
  adc.transition_mean_v = t;
  adc.transition_static_sigma_v = s;
  for (int code = 0; code <= n; ++code) {
    const double v = adc.input_low_v + (code + 0.5) * lsb;
    const CodeMoments m = Moments(v, t, s, d);
    // Input-referred spread of the code: its two bounding transitions (one at the ends).
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

  const std::string offset_q = "adc/comparator_offset_v";
  const lut::Store* offset_store = Find(stores, offset_q);
  double d_rms = 0.0;
  for (const double x : d) {
    d_rms += x * x;
  }
  d_rms = std::sqrt(d_rms / static_cast<double>(d.size()));
  adc.comparator_noise_sigma_v = d_rms;
  if (offset_store != nullptr) {
    r.sources.push_back(offset_q);
    const auto sigma = StatAt(*offset_store, offset_q, lut::Statistic::kStaticSigma, point);
    if (sigma) {
      adc.comparator_offset_sigma_v = *sigma;
    } else {
      r.not_derived["adc.comparator_offset_sigma_v"] =
          offset_q + " has no static_sigma table (one Monte Carlo sample?)";
    }
    if (const auto noise = StatAt(*offset_store, offset_q, lut::Statistic::kDynamicSigma, point)) {
      adc.comparator_noise_sigma_v = *noise;
    }
  } else {
    r.not_derived["adc.comparator_offset_sigma_v"] =
        "no LUT holds " + offset_q + " (characterization/adc.ini writes it)";
  }
  return r;
}

void Merge(std::map<std::string, std::string>& into,
           const std::map<std::string, std::string>& from) {
  into.insert(from.begin(), from.end());
}

// The analog path from apath/line_v over `fraction` (of full scale), in the ADC's LSB.
void ReadAnalog(const lut::Store& store,
                const FromStoreOptions& options,
                const AdcModel* adc,
                ExportModel& model) {
  const std::string quantity = "apath/line_v";
  const auto curve = Curve(store, quantity, "fraction", options.point);
  if (curve.size() < 2) {
    throw UsageError("table " + quantity + " in " + store.path().string() +
                     " has fewer than two fractions: no transfer can be fitted");
  }
  const mac::MacShape& shape = options.shape;
  const double full_mac = static_cast<double>(shape.rows) * ((1 << shape.dac_bits) - 1);
  // Least-squares line over the fractions inside the ADC window (all when fewer than two).
  std::vector<CurvePoint> used;
  for (const auto& p : curve) {
    if (p.x >= shape.adc_range_lo_frac - 1e-12 && p.x <= shape.adc_range_hi_frac + 1e-12) {
      used.push_back(p);
    }
  }
  if (used.size() < 2) {
    used = curve;
  }
  double sx = 0;
  double sy = 0;
  double sxx = 0;
  double sxy = 0;
  for (const auto& p : used) {
    sx += p.x;
    sy += p.mean;
    sxx += p.x * p.x;
    sxy += p.x * p.mean;
  }
  const double n = static_cast<double>(used.size());
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const double intercept = (sy - slope * sx) / n;
  AnalogPathModel& a = model.analog;
  a.transfer_gain_v = slope / full_mac;
  a.transfer_offset_v = intercept;
  double s2 = 0.0;
  double d2 = 0.0;
  double worst = 0.0;
  bool have_static = true;
  bool have_dynamic = true;
  for (const auto& p : used) {
    have_static = have_static && p.static_sigma.has_value();
    have_dynamic = have_dynamic && p.dynamic_sigma.has_value();
    s2 += std::pow(p.static_sigma.value_or(0.0), 2);
    d2 += std::pow(p.dynamic_sigma.value_or(0.0), 2);
    worst = std::max(worst, std::abs(p.mean - (intercept + slope * p.x)));
  }
  a.static_sigma_v = std::sqrt(s2 / n);
  a.dynamic_sigma_v = std::sqrt(d2 / n);
  if (!have_static) {
    model.not_derived["analog.static_sigma"] = quantity + " has no static_sigma table (left 0)";
  }
  if (!have_dynamic) {
    model.not_derived["analog.dynamic_sigma"] = quantity + " has no dynamic_sigma table (left 0)";
  }
  // Full-scale compression against the small-signal slope of the first segment.
  const double small_slope = (curve[1].mean - curve[0].mean) / (curve[1].x - curve[0].x);
  const double top = shape.adc_range_hi_frac;
  if (top > curve.front().x && top <= curve.back().x && small_slope != 0.0) {
    std::size_t k = 1;
    while (k + 1 < curve.size() && curve[k].x < top) {
      ++k;
    }
    const double f = (top - curve[k - 1].x) / (curve[k].x - curve[k - 1].x);
    const double y_top = curve[k - 1].mean + f * (curve[k].mean - curve[k - 1].mean);
    a.compression_full_scale =
        1.0 - (y_top - curve.front().mean) / (small_slope * (top - curve.front().x));
  } else {
    model.not_derived["analog.compression_full_scale"] =
        "the fraction axis of " + quantity + " does not reach the top of the ADC window";
  }
  if (adc != nullptr && adc->bits > 0) {
    const double lsb_v = adc->LsbV();
    a.static_sigma_lsb = a.static_sigma_v / lsb_v;
    a.dynamic_sigma_lsb = a.dynamic_sigma_v / lsb_v;
    a.max_nonlinearity_lsb = worst / lsb_v;
    if (a.transfer_gain_v > 0.0) {
      model.geometry.adc_lsb_mac = lsb_v / a.transfer_gain_v;
    }
  }
}

// One action per point of a bench axis (or one data-independent point).
void AddEnergy(const std::vector<lut::Store>& stores,
               const OperatingPointRequest& point,
               const std::string& quantity,
               const std::string& axis_name,  // "" for a scalar table
               const std::string& argument,   // Accelergy argument name
               double argument_scale,         // axis value -> integer argument
               double factor,                 // energy multiplier (e.g. rows)
               const std::string& component,
               const std::string& action,
               ExportModel& model) {
  const lut::Store* store = Find(stores, quantity);
  if (store == nullptr) {
    model.not_derived[component + "." + action] =
        "no LUT holds " + quantity + " (" + RecipeOf(quantity) + " writes it)";
    return;
  }
  model.provenance["source." + quantity] = store->path().string();
  ComponentEnergy e{.component = component,
                    .action = action,
                    .points = {},
                    .area_um2 = std::nullopt,
                    .area_note = "cimchar characterizes netlists, not layouts: no area"};
  if (axis_name.empty()) {
    const double j = At(store->ReadTable(quantity, lut::Statistic::kMean), *store, point) * factor;
    e.points.push_back({.arguments = {}, .energy_j = j});
  } else {
    for (const auto& p : Curve(*store, quantity, axis_name, point)) {
      e.points.push_back({.arguments = {{argument, std::llround(p.x * argument_scale)}},
                          .energy_j = p.mean * factor});
    }
  }
  model.energies.push_back(std::move(e));
}

// The digital column cycle: rows D_MULTs plus the adder tree's full adders, per activity.
void AddDigitalCycle(const std::vector<lut::Store>& stores,
                     const FromStoreOptions& options,
                     ExportModel& model) {
  const std::string dmult = "digital/dmult_energy_j";
  const std::string fa = "digital/fa_energy_j";
  const lut::Store* dmult_store = Find(stores, dmult);
  const lut::Store* fa_store = Find(stores, fa);
  if (dmult_store == nullptr || fa_store == nullptr) {
    model.not_derived["digital_column.mac_1b_cycle"] =
        "needs both " + dmult + " and " + fa + " (characterization/digital.ini writes them)";
    return;
  }
  model.provenance["source." + dmult] = dmult_store->path().string();
  model.provenance["source." + fa] = fa_store->path().string();
  const auto rows = static_cast<double>(options.shape.rows);
  const auto adders = static_cast<double>(measure::AdderTreeFullAdders(options.shape.rows));
  const auto d = Curve(*dmult_store, dmult, "activity", options.point);
  const lut::Table& fa_table = fa_store->ReadTable(fa, lut::Statistic::kMean);
  ComponentEnergy e{.component = "digital_column",
                    .action = "mac_1b_cycle",
                    .points = {},
                    .area_um2 = std::nullopt,
                    .area_note = "cimchar characterizes netlists, not layouts: no area"};
  for (const auto& p : d) {
    const double fa_j = At(fa_table, *fa_store, options.point, {{"activity", p.x}});
    e.points.push_back({.arguments = {{"activity_pct", std::llround(p.x * kPercent)}},
                        .energy_j = rows * p.mean + adders * fa_j});
  }
  model.energies.push_back(std::move(e));
}

// The saliency evaluator's decision (sum of the quantized terms into S, compare with each
// threshold), composed from full-adder evaluations by the model's own rule
// (mac::OseEvalFullAdders at the full adder's random-data activity 0.5); the N/Q units are
// not in it.
void AddOseEvaluation(const std::vector<lut::Store>& stores,
                      const FromStoreOptions& options,
                      ExportModel& model) {
  const std::string fa = "digital/fa_energy_j";
  const lut::Store* fa_store = Find(stores, fa);
  if (fa_store == nullptr) {
    model.not_derived["ose.evaluate"] =
        "composed from " + fa + ", which no LUT holds (characterization/digital.ini writes it)";
    return;
  }
  const lut::Table& fa_table = fa_store->ReadTable(fa, lut::Statistic::kMean);
  constexpr double kRandomDataActivity = 0.5;
  const double fa_j = At(fa_table, *fa_store, options.point, {{"activity", kRandomDataActivity}});
  model.energies.push_back(
      {.component = "ose",
       .action = "evaluate",
       .points = {{.arguments = {}, .energy_j = mac::OseEvalFullAdders() * fa_j}},
       .area_um2 = std::nullopt,
       .area_note = "cimchar characterizes netlists, not layouts: no area"});
}

// The operating point as resolved on the first table found (for the export header).
OperatingPoint ResolvePoint(const std::vector<lut::Store>& stores,
                            const OperatingPointRequest& request) {
  OperatingPoint resolved{.corner = request.corner.value_or(""),
                          .vdd_v = request.vdd_v.value_or(std::nan("")),
                          .temp_c = request.temp_c.value_or(std::nan(""))};
  for (const auto& store : stores) {
    for (const auto& info : store.Quantities()) {
      const lut::Table& table = store.ReadTable(info.quantity, info.statistic);
      for (const auto& axis : table.axes()) {
        if (axis.size() != 1) {
          continue;
        }
        if (axis.name() == "corner" && resolved.corner.empty()) {
          resolved.corner = axis.labels().front();
        } else if (axis.name() == "vdd" && std::isnan(resolved.vdd_v)) {
          resolved.vdd_v = axis.values().front();
        } else if (axis.name() == "temp" && std::isnan(resolved.temp_c)) {
          resolved.temp_c = axis.units() == "K" ? axis.values().front() - kKelvinAtZeroCelsius
                                                : axis.values().front();
        }
      }
    }
  }
  return resolved;
}

}  // namespace

std::vector<std::string> RequiredQuantities(ExportFormat format) {
  switch (format) {
    case ExportFormat::kNeuroSim:
      return {"adc/transition_v"};
    case ExportFormat::kAihwkit:
    case ExportFormat::kAsim:
      return {"adc/transition_v", "apath/line_v"};
    case ExportFormat::kCrossSim:
      return {"adc/transition_v", "adc/comparator_offset_v"};
    case ExportFormat::kAccelergy:
    case ExportFormat::kCsv:
    case ExportFormat::kJson:
      return {};
  }
  return {};
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

AdcModel AdcFromStores(const std::vector<lut::Store>& stores, const FromStoreOptions& options) {
  return ReadAdc(stores, options, "the ADC model").adc;
}

ExportModel ModelFromStores(ExportFormat format,
                            const std::vector<lut::Store>& stores,
                            const FromStoreOptions& options) {
  if (stores.empty()) {
    throw UsageError("no LUT file given (--lut F.h5)");
  }
  mac::ValidateShape(options.shape);
  const std::string what_for = "the " + ExportFormatName(format) + " export";
  for (const auto& q : RequiredQuantities(format)) {
    Require(stores, q, what_for);
  }
  ExportModel model;
  for (std::size_t i = 0; i < stores.size(); ++i) {
    const auto p = StoreProvenance(stores[i], "lut" + std::to_string(i) + ".");
    model.provenance.insert(p.begin(), p.end());
  }
  const mac::MacShape& shape = options.shape;
  model.geometry = {.name = options.macro_name,
                    .rows = shape.rows,
                    .columns = shape.columns,
                    .columns_per_adc = 1,
                    .activation_bits = shape.activation_bits,
                    .weight_bits = shape.weight_bits,
                    .dac_bits = shape.dac_bits,
                    .analog_orders = shape.analog_window,
                    .adc_lsb_mac = 0.0};
  model.operating_point = ResolvePoint(stores, options.point);

  if (format == ExportFormat::kCsv || format == ExportFormat::kJson) {
    std::set<std::string> names;
    for (const auto& store : stores) {
      for (auto& view : TableViewsFromStore(store)) {
        if (!names.insert(view.quantity).second) {
          throw UsageError("table " + view.quantity +
                           " is in more than one LUT file; pass "
                           "only one of them");
        }
        model.tables.push_back(std::move(view));
      }
    }
    return model;
  }

  const AdcModel* adc = nullptr;
  if (Find(stores, "adc/transition_v") != nullptr) {
    AdcResult r = ReadAdc(stores, options, what_for);
    model.adc = std::move(r.adc);
    Merge(model.not_derived, r.not_derived);
    for (const auto& q : r.sources) {
      model.provenance["source." + q] = Find(stores, q)->path().string();
    }
    adc = &model.adc;
  } else {
    model.not_derived["adc"] = "no LUT holds adc/transition_v (characterization/adc.ini)";
  }
  if (const lut::Store* apath = Find(stores, "apath/line_v")) {
    ReadAnalog(*apath, options, adc, model);
    model.provenance["source.apath/line_v"] = apath->path().string();
  } else {
    model.not_derived["analog"] = "no LUT holds apath/line_v (characterization/apath.ini)";
  }

  const auto& point = options.point;
  AddDigitalCycle(stores, options, model);
  AddEnergy(stores, point, "apath/energy_op_j", "fraction", "fraction_pct", kPercent, 1.0,
            "analog_line", "analog_op", model);
  AddEnergy(stores, point, "adc/energy_conversion_j", "", "", 1.0, 1.0, "adc", "convert", model);
  AddEnergy(stores, point, "dac/energy_j", "code", "code", 1.0, 1.0, "dac_row", "drive", model);
  AddEnergy(stores, point, "precharge/energy_row_j", "", "", 1.0, 1.0, "precharge_row", "precharge",
            model);
  AddOseEvaluation(stores, options, model);
  if (format == ExportFormat::kAccelergy && model.energies.empty()) {
    throw UsageError(what_for +
                     " needs at least one energy table (apath/energy_op_j, "
                     "adc/energy_conversion_j, digital/*, dac/energy_j, precharge/energy_row_j); "
                     "none of the given LUT files holds one");
  }
  for (const double* v : {&model.operating_point.vdd_v, &model.operating_point.temp_c}) {
    if (std::isnan(*v)) {
      throw UsageError("the operating point is incomplete: give --vdd and --temp");
    }
  }
  return model;
}

std::vector<SampleSet> SampleSetsFromStore(const lut::Store& store,
                                           const std::vector<std::string>& columns,
                                           const OperatingPointRequest& point,
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
