#include "mac/lut_calibration.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "core/error.h"
#include "lut/store.h"
#include "lut/table.h"
#include "measure/block_netlists.h"

namespace cimchar::mac {

namespace fs = std::filesystem;

namespace {

std::string Num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

int CeilLog2(long long n) {
  int bits = 0;
  while ((1LL << bits) < n) {
    ++bits;
  }
  return bits;
}

// The grid axes every table starts with (characterization/README.md).
std::vector<lut::AxisExpectation> GridAxes() {
  return {{"corner", ""}, {"vdd", "V"}, {"temp", "degC"}};
}

lut::TableExpectation Expect(const std::string& units,
                             const std::string& bench_axis = "",
                             const std::string& bench_units = "") {
  lut::TableExpectation e{.units = units, .axes = GridAxes()};
  if (!bench_axis.empty()) {
    e.axes.push_back({bench_axis, bench_units});
  }
  return e;
}

bool HasTable(const lut::Store& store, const std::string& quantity, lut::Statistic stat) {
  for (const lut::QuantityInfo& q : store.Quantities()) {
    if (q.quantity == quantity && q.statistic == stat) {
      return true;
    }
  }
  return false;
}

// A table the model needs: its absence is an error naming the file and the quantity.
const lut::Table& Need(const lut::Store& store,
                       const std::string& quantity,
                       lut::Statistic stat,
                       const lut::TableExpectation& expected) {
  if (!HasTable(store, quantity, stat)) {
    throw Error("'" + store.path().string() + "' has no table " + quantity + "/" +
                lut::StatisticName(stat) +
                ", which the behavioral model needs (characterization/README.md lists the "
                "contract); rerun the recipe that writes it");
  }
  return store.ReadTable(quantity, stat, expected);
}

const lut::Table* Optional(const lut::Store& store,
                           const std::string& quantity,
                           lut::Statistic stat,
                           const lut::TableExpectation& expected) {
  return HasTable(store, quantity, stat) ? &store.ReadTable(quantity, stat, expected) : nullptr;
}

lut::OperatingPoint At(const OperatingPoint& p) {
  return {{"corner", p.corner}, {"vdd", p.vdd_v}, {"temp", p.temp_c}};
}

// Table::Lookup, with the file named in a refusal. The table never extrapolates.
double Look(const lut::Store& store, const lut::Table& table, const lut::OperatingPoint& point) {
  try {
    return table.Lookup(point);
  } catch (const UsageError& e) {
    throw UsageError("'" + store.path().string() + "': " + e.what() +
                     " (the model interpolates inside the characterized grid and never "
                     "extrapolates: choose a point inside it or characterize a wider grid)");
  }
}

// One Monte Carlo sample's values of a quantity over the grid axes of `like` (its mean table):
// that die's own table. The quantity's bench axis is a grid axis, its column the quantity's last
// path component; or a trailing column axis spanned by the store's columns in order.
lut::Table DieTable(const lut::Store& store, const lut::Table& like, std::uint64_t sample) {
  const lut::RunSpec& spec = store.spec();
  if (sample >= spec.samples_per_point) {
    throw UsageError("'" + store.path().string() + "' holds Monte Carlo samples 0.." +
                     std::to_string(spec.samples_per_point - 1) + "; sample " +
                     std::to_string(sample) + " is not among them");
  }
  const std::string leaf = like.quantity().substr(like.quantity().rfind('/') + 1);
  std::vector<std::size_t> columns;
  if (like.axes().size() == spec.grid.size()) {
    for (std::size_t c = 0; c < spec.columns.size(); ++c) {
      if (spec.columns[c].name == leaf) {
        columns.push_back(c);
      }
    }
  } else if (like.axes().size() == spec.grid.size() + 1) {
    // Per-code columns "<axis><value>_<unit suffix of the quantity>", e.g. code1_v.
    const lut::Axis& axis = like.axes().back();
    const std::string suffix = leaf.substr(leaf.rfind('_'));
    for (double v : axis.values()) {
      const std::string name = axis.name() + lut::FormatNumber(v) + suffix;
      for (std::size_t c = 0; c < spec.columns.size(); ++c) {
        if (spec.columns[c].name == name) {
          columns.push_back(c);
        }
      }
    }
    if (columns.size() != axis.size()) {
      columns.clear();
    }
  }
  if (columns.empty()) {
    throw Error("'" + store.path().string() + "': cannot find the per-sample columns of " +
                like.quantity() + " (expected a column named '" + leaf +
                "' or one per entry of its last axis, e.g. 'code1_v')");
  }
  std::map<std::uint64_t, const lut::Record*> by_point;
  for (const lut::Record& r : store.records()) {
    if (r.sample == sample) {
      by_point[r.grid_point] = &r;
    }
  }
  std::vector<double> values;
  for (std::uint64_t g = 0; g < spec.GridPointCount(); ++g) {
    const auto it = by_point.find(g);
    for (std::size_t c : columns) {
      const bool ok = it != by_point.end() && it->second->status == lut::SampleStatus::kOk &&
                      c < it->second->values.size();
      values.push_back(ok ? it->second->values[c] : std::nan(""));
    }
  }
  return lut::Table(like.quantity(), like.units(), like.axes(), std::move(values),
                    /*missing_allowed=*/true);
}

// Piecewise-linear y(x) through sorted xs, extrapolating the end segments.
double Lerp(const std::vector<double>& xs, const std::vector<double>& ys, double x) {
  const auto it = std::upper_bound(xs.begin() + 1, xs.end() - 1, x);
  const auto hi = static_cast<std::size_t>(it - xs.begin());
  const std::size_t lo = hi - 1;
  return ys[lo] + (x - xs[lo]) / (xs[hi] - xs[lo]) * (ys[hi] - ys[lo]);
}

// The apath recipe's row count from the store's recipe provenance ("apath.rows = 16").
int RecipeRows(const lut::Store& store) {
  std::istringstream in(store.provenance().recipe_text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    std::string key = line.substr(0, eq);
    key.erase(std::remove(key.begin(), key.end(), ' '), key.end());
    if (key == "apath.rows") {
      try {
        return std::stoi(line.substr(eq + 1));
      } catch (const std::exception&) {
        return 0;
      }
    }
  }
  return 0;
}

void ReadLine(const lut::Store& store,
              const OperatingPoint& op,
              const LutCalibrationOptions& options,
              AnalogCalibration& a,
              std::vector<std::string>& notes) {
  const auto expect = Expect("V", "fraction", "1");
  const lut::Table& mean = Need(store, "apath/line_v", lut::Statistic::kMean, expect);
  const lut::Table& stat = Need(store, "apath/line_v", lut::Statistic::kStaticSigma, expect);
  const lut::Table* dyn = Optional(store, "apath/line_v", lut::Statistic::kDynamicSigma, expect);
  const std::vector<double>& fractions = mean.axis("fraction").values();
  if (fractions.size() < 2 || fractions.front() != 0.0 || fractions.back() != 1.0) {
    throw UsageError("'" + store.path().string() + "': apath/line_v's fraction axis " +
                     mean.axis("fraction").RangeText() +
                     " must run from 0 to 1 (the model maps every line value through it)");
  }
  std::optional<lut::Table> die;
  if (options.die_sample) {
    die.emplace(DieTable(store, mean, *options.die_sample));
    notes.push_back("line transfer: die (Monte Carlo sample " +
                    std::to_string(*options.die_sample) + ") of " + store.path().string() +
                    "; static sigma 0 (the die's deviation is in its transfer)");
  }
  a.line.clear();
  for (double f : fractions) {
    lut::OperatingPoint p = At(op);
    p["fraction"] = f;
    LinePoint lp;
    lp.ideal_frac = f;
    lp.mean_v = Look(store, die ? *die : mean, p);
    lp.static_sigma_v = die ? 0.0 : Look(store, stat, p);
    double d = dyn != nullptr ? dyn->Lookup(p) : 0.0;
    lp.dynamic_sigma_v = std::isfinite(d) ? d : 0.0;
    a.line.push_back(lp);
  }
  a.full_scale_v = a.line.back().mean_v;
  if (dyn == nullptr) {
    notes.push_back("line dynamic noise: not characterized in " + store.path().string() +
                    " (no apath/line_v/dynamic_sigma): 0");
  }
}

void ReadAdc(const lut::Store& store,
             const OperatingPoint& op,
             const LutCalibrationOptions& options,
             AnalogCalibration& a,
             MacShape& shape,
             std::vector<std::string>& notes) {
  const auto expect = Expect("V", "code", "1");
  const lut::Table& mean = Need(store, "adc/transition_v", lut::Statistic::kMean, expect);
  const lut::Table& stat = Need(store, "adc/transition_v", lut::Statistic::kStaticSigma, expect);
  const lut::Table* dyn =
      Optional(store, "adc/transition_v", lut::Statistic::kDynamicSigma, expect);
  const lut::Table& offset_sigma =
      Need(store, "adc/comparator_offset_v", lut::Statistic::kStaticSigma, Expect("V"));
  const std::vector<double>& codes = mean.axis("code").values();
  const std::size_t n = codes.size();
  int bits = 0;
  while ((std::size_t{1} << bits) - 1 < n) {
    ++bits;
  }
  if ((std::size_t{1} << bits) - 1 != n) {
    throw Error("'" + store.path().string() + "': adc/transition_v has " + std::to_string(n) +
                " transitions, which is not 2^b - 1 for any ADC resolution b");
  }
  if (bits != shape.adc_bits) {
    throw UsageError("'" + store.path().string() + "' characterizes a " + std::to_string(bits) +
                     "-bit ADC but the model's shape asks for " + std::to_string(shape.adc_bits) +
                     " bits: use --adc-bits " + std::to_string(bits) +
                     " or an ADC table of that resolution");
  }
  std::optional<lut::Table> die;
  if (options.die_sample) {
    die.emplace(DieTable(store, mean, *options.die_sample));
  }
  std::vector<double> t_v(n), sigma_v(n), noise_v(n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    lut::OperatingPoint p = At(op);
    p["code"] = codes[k];
    t_v[k] = Look(store, die ? *die : mean, p);
    sigma_v[k] = Look(store, stat, p);
    const double d = dyn != nullptr ? dyn->Lookup(p) : 0.0;
    noise_v[k] = std::isfinite(d) ? d : 0.0;
  }
  const double sigma_off = die ? 0.0 : Look(store, offset_sigma, At(op));

  // Least-squares line through the transitions: t_k = v0 + k lsb.
  double sk = 0, st = 0, skk = 0, skt = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const double kk = static_cast<double>(k + 1);
    sk += kk;
    st += t_v[k];
    skk += kk * kk;
    skt += kk * t_v[k];
  }
  const double dn = static_cast<double>(n);
  const double lsb_fit = n > 1 ? (dn * skt - sk * st) / (dn * skk - sk * sk) : 0.0;
  std::vector<double> xs, vs;
  for (const LinePoint& p : a.line) {
    xs.push_back(p.ideal_frac);
    vs.push_back(p.mean_v);
  }
  const int levels = 1 << bits;
  if (options.adopt_adc_range && lsb_fit > 0.0) {
    const double v0 = (st - lsb_fit * sk) / dn;
    const double v_lo = std::max(v0, vs.front());
    const double lo = std::clamp(Lerp(vs, xs, v_lo), 0.0, 1.0);
    const double hi = std::clamp(Lerp(vs, xs, v_lo + levels * lsb_fit), lo, 1.0);
    if (!(hi > lo)) {
      throw UsageError("'" + store.path().string() + "': the characterized ADC range starts at " +
                       Num(v_lo) + " V, above the line's full scale " + Num(vs.back()) +
                       " V; the ADC and the line do not fit together");
    }
    shape.adc_range_lo_frac = lo;
    shape.adc_range_hi_frac = hi;
    notes.push_back("ADC range: adopted from the characterized transitions (LSB " +
                    Num(lsb_fit * 1e3) + " mV, first transition " + Num(t_v.front()) + " V) = [" +
                    Num(lo) + ", " + Num(hi) + "] of line full scale");
  }
  const double v_lo = Lerp(xs, vs, shape.adc_range_lo_frac);
  const double lsb = (Lerp(xs, vs, shape.adc_range_hi_frac) - v_lo) / levels;
  a.adc_bits = bits;
  a.adc_transition_offset_lsb.assign(n, 0.0);
  a.adc_transition_static_sigma_lsb.assign(n, 0.0);
  double noise_sq = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    a.adc_transition_offset_lsb[k] = (t_v[k] - v_lo) / lsb - static_cast<double>(k + 1);
    if (!die) {
      const double extra = sigma_v[k] * sigma_v[k] - sigma_off * sigma_off;
      a.adc_transition_static_sigma_lsb[k] = std::sqrt(std::max(0.0, extra)) / lsb;
    }
    noise_sq += noise_v[k] * noise_v[k];
  }
  a.comparator_offset_sigma_v = sigma_off;
  a.comparator_noise_sigma_v = std::sqrt(noise_sq / dn);
  notes.push_back(
      "ADC static: comparator offset sigma from adc/comparator_offset_v; per-transition sigma = "
      "sqrt(sigma_T^2 - sigma_offset^2) (the offset moves every transition together)" +
      std::string(die ? "; die mode: the die's own transitions, sigmas 0" : ""));
  if (dyn == nullptr) {
    notes.push_back("comparator noise: not characterized in " + store.path().string() +
                    " (no adc/transition_v/dynamic_sigma): 0");
  } else {
    notes.push_back("comparator noise: RMS over codes of adc/transition_v/dynamic_sigma");
  }
}

}  // namespace

int AccumulateFullAdders(const MacShape& shape) {
  return shape.activation_bits + shape.weight_bits + CeilLog2(shape.rows + 1LL);
}

int NqFullAdders(const MacShape& shape) { return CeilLog2(shape.rows + 1LL); }

int OseEvalFullAdders() { return (1 + kOseThresholdCompares) * kOseSaliencyBits; }

CalibrationSources SourcesInFolder(const fs::path& dir) {
  if (!fs::is_directory(dir)) {
    throw UsageError("'" + dir.string() + "' is not a folder of characterization results");
  }
  CalibrationSources s;
  const auto pick = [&](const char* name) {
    const fs::path p = dir / (std::string(name) + ".h5");
    return fs::exists(p) ? p : fs::path();
  };
  s.apath = pick("apath");
  s.adc = pick("adc");
  s.digital = pick("digital");
  s.dac = pick("dac");
  if (s.apath.empty() && s.adc.empty() && s.digital.empty() && s.dac.empty()) {
    throw UsageError("'" + dir.string() +
                     "' holds none of apath.h5, adc.h5, digital.h5, dac.h5 (run cimchar "
                     "characterize with those recipes, or name the files with --apath etc.)");
  }
  return s;
}

LutCalibration CalibrationFromStores(const CalibrationSources& sources,
                                     const OperatingPoint& point,
                                     const MacShape& shape,
                                     const LutCalibrationOptions& options) {
  std::optional<lut::Store> apath, adc, digital, dac;
  if (!sources.apath.empty()) {
    apath.emplace(lut::Store::Open(sources.apath));
  }
  if (!sources.adc.empty()) {
    adc.emplace(lut::Store::Open(sources.adc));
  }
  if (!sources.digital.empty()) {
    digital.emplace(lut::Store::Open(sources.digital));
  }
  if (!sources.dac.empty()) {
    dac.emplace(lut::Store::Open(sources.dac));
  }
  const auto ptr = [](const std::optional<lut::Store>& s) { return s ? &*s : nullptr; };
  return CalibrationFromStores(ptr(apath), ptr(adc), ptr(digital), ptr(dac), point, shape, options);
}

LutCalibration CalibrationFromStores(const lut::Store* apath,
                                     const lut::Store* adc,
                                     const lut::Store* digital,
                                     const lut::Store* dac,
                                     const OperatingPoint& point,
                                     const MacShape& shape,
                                     const LutCalibrationOptions& options) {
  ValidateShape(shape);
  LutCalibration out;
  out.shape = shape;
  out.calibration = DefaultCalibration(shape.adc_bits);
  AnalogCalibration& a = out.calibration.analog;
  EnergyCalibration& e = out.calibration.energy;
  std::vector<std::string>& notes = out.notes;
  notes.push_back("operating point: corner " + point.corner + ", " + Num(point.vdd_v) + " V, " +
                  Num(point.temp_c) + " degC (interpolated; outside the grid is refused)");
  for (const lut::Store* s : {apath, adc, digital, dac}) {
    if (s != nullptr && !s->complete()) {
      throw UsageError("'" + s->path().string() +
                       "' is a snapshot of an unfinished run (no tables yet): resume it with "
                       "cimchar characterize ... --resume");
    }
  }
  if (options.die_sample && (apath == nullptr || adc == nullptr)) {
    throw UsageError("a per-die calibration needs both the apath and the adc store");
  }

  if (apath != nullptr) {
    ReadLine(*apath, point, options, a, notes);
    int rows = RecipeRows(*apath);
    if (rows <= 0) {
      rows = options.apath_rows_fallback > 0 ? options.apath_rows_fallback : shape.rows;
      notes.push_back("apath rows: the recipe provenance does not state apath.rows; assuming " +
                      std::to_string(rows));
    }
    lut::OperatingPoint p = At(point);
    p["fraction"] = options.energy_fraction;
    const double op_j = Look(
        *apath,
        Need(*apath, "apath/energy_op_j", lut::Statistic::kMean, Expect("J", "fraction", "1")), p);
    e.e_amult_row_j = op_j / rows;
    notes.push_back("A_MULT energy: apath/energy_op_j at fraction " + Num(options.energy_fraction) +
                    " / " + std::to_string(rows) + " rows");
  } else {
    notes.push_back(
        "line transfer and A_MULT energy: not characterized (no apath store): "
        "DefaultCalibration placeholder (ideal line, 1 % static sigma)");
  }

  if (adc != nullptr) {
    ReadAdc(*adc, point, options, a, out.shape, notes);
    e.e_adc_conversion_j = Look(
        *adc, Need(*adc, "adc/energy_conversion_j", lut::Statistic::kMean, Expect("J")), At(point));
    notes.push_back("ADC energy: adc/energy_conversion_j (SAR logic excluded, as characterized)");
  } else {
    notes.push_back(
        "ADC transitions, comparator and ADC energy: not characterized (no adc "
        "store): DefaultCalibration placeholder");
  }

  if (digital != nullptr) {
    const auto expect = Expect("J", "activity", "1");
    lut::OperatingPoint p = At(point);
    p["activity"] = options.dmult_activity;
    e.e_dmult_row_j =
        Look(*digital, Need(*digital, "digital/dmult_energy_j", lut::Statistic::kMean, expect), p);
    p["activity"] = options.fa_activity;
    const double fa_j =
        Look(*digital, Need(*digital, "digital/fa_energy_j", lut::Statistic::kMean, expect), p);
    const long long tree = measure::AdderTreeFullAdders(shape.rows);
    e.e_adder_tree_j = static_cast<double>(tree) * fa_j;
    e.e_accumulate_j = AccumulateFullAdders(shape) * fa_j;
    e.e_nq_j = NqFullAdders(shape) * fa_j;
    e.e_ose_eval_j = OseEvalFullAdders() * fa_j;
    notes.push_back("digital: D_MULT at activity " + Num(options.dmult_activity) +
                    "; full adder at activity " + Num(options.fa_activity) + " (" +
                    Num(fa_j * 1e15) + " fJ): adder tree " + std::to_string(tree) +
                    " FA, accumulate " + std::to_string(AccumulateFullAdders(shape)) + " FA, N/Q " +
                    std::to_string(NqFullAdders(shape)) + " FA, OSE decision " +
                    std::to_string(OseEvalFullAdders()) + " FA (composed, not characterized)");
  } else {
    notes.push_back(
        "digital energies (D_MULT, adder tree, accumulate, N/Q, OSE): not "
        "characterized (no digital store): DefaultCalibration placeholders");
  }

  if (dac != nullptr) {
    const lut::Table& dac_j =
        Need(*dac, "dac/energy_j", lut::Statistic::kMean, Expect("J", "code", "1"));
    double sum = 0.0;
    const std::vector<double>& codes = dac_j.axis("code").values();
    for (double c : codes) {
      lut::OperatingPoint p = At(point);
      p["code"] = c;
      sum += Look(*dac, dac_j, p);
    }
    e.e_dac_row_j = sum / static_cast<double>(codes.size());
    e.e_precharge_row_j = Look(
        *dac, Need(*dac, "precharge/energy_row_j", lut::Statistic::kMean, Expect("J")), At(point));
    notes.push_back("DAC energy: mean of dac/energy_j over its " + std::to_string(codes.size()) +
                    " codes (uniform codes); precharge from precharge/energy_row_j");
  } else {
    notes.push_back(
        "DAC and precharge energies: not characterized (no dac store): "
        "DefaultCalibration placeholders");
  }
  if (a.dac_bit_gain_error.empty()) {
    notes.push_back(
        "DAC bit weights: ideal (the contract has no per-bit DAC table; DAC "
        "nonlinearity seen by the line is inside apath/line_v)");
  }
  ValidateCalibration(out.shape, out.calibration);
  return out;
}

}  // namespace cimchar::mac

namespace cimchar::mac {

LutCalibration ResolveCalibration(const CalibrationChoice& choice,
                                  const MacShape& shape,
                                  const LutCalibrationOptions& options) {
  CalibrationSources s;
  if (!choice.lut_dir.empty()) {
    s = SourcesInFolder(choice.lut_dir);
  }
  const CalibrationSources& f = choice.files;
  s.apath = f.apath.empty() ? s.apath : f.apath;
  s.adc = f.adc.empty() ? s.adc : f.adc;
  s.digital = f.digital.empty() ? s.digital : f.digital;
  s.dac = f.dac.empty() ? s.dac : f.dac;
  if (s.apath.empty() && s.adc.empty() && s.digital.empty() && s.dac.empty()) {
    ValidateShape(shape);
    LutCalibration out{.calibration = DefaultCalibration(shape.adc_bits), .shape = shape};
    out.notes.push_back(
        "calibration: DefaultCalibration, the analytic placeholder of "
        "mac/calibration.h (no table given: --lut DIR or --apath/--adc/...)");
    return out;
  }
  return CalibrationFromStores(s, choice.point, shape, options);
}

}  // namespace cimchar::mac
