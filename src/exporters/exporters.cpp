#include "exporters/exporters.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "core/error.h"
#include "exporters/document.h"

namespace cimchar::exporters {

namespace {

constexpr double kJoulesToPicojoules = 1e12;
constexpr double kPercent = 100.0;

struct FormatEntry {
  ExportFormat format;
  const char* name;
};
constexpr FormatEntry kFormats[] = {
    {ExportFormat::kAccelergy, "accelergy"}, {ExportFormat::kNeuroSim, "neurosim"},
    {ExportFormat::kAihwkit, "aihwkit"},     {ExportFormat::kAsim, "asim"},
    {ExportFormat::kCrossSim, "crosssim"},   {ExportFormat::kCsv, "csv"},
    {ExportFormat::kJson, "json"},
};

[[noreturn]] void Missing(const std::string& format, const std::string& what) {
  throw UsageError("cannot export to " + format + ": the model lacks " + what +
                   " (characterize the missing table, or choose another format)");
}

void RequireFinite(const std::string& format, const std::string& field, double value) {
  if (!std::isfinite(value)) {
    throw UsageError("cannot export to " + format + ": " + field + " is not finite (" +
                     std::to_string(value) + ")");
  }
}

// Checks shared by every format: provenance and operating point.
void CheckCommon(const std::string& format, const ExportModel& model) {
  if (model.provenance.empty()) {
    Missing(format, "the LUT provenance (every export must carry it)");
  }
  // Whole-table exports may leave the point unset (NaN): their tables span every grid point.
  if (format != "csv" && format != "json") {
    RequireFinite(format, "operating_point.vdd_v", model.operating_point.vdd_v);
    RequireFinite(format, "operating_point.temp_c", model.operating_point.temp_c);
  }
}

void CheckAdc(const std::string& format, const ExportModel& model, bool need_codes) {
  const AdcModel& adc = model.adc;
  if (adc.bits <= 0 || adc.bits > 24) {
    Missing(format, "adc.bits in 1..24 (got " + std::to_string(adc.bits) + ")");
  }
  if (!(adc.input_high_v > adc.input_low_v)) {
    Missing(format, "an ADC input window (adc.input_high_v must exceed adc.input_low_v)");
  }
  if (need_codes && adc.codes.empty()) {
    Missing(format, "per-code ADC statistics (adc.codes)");
  }
  for (const auto& c : adc.codes) {
    const std::string where = "adc.codes[code " + std::to_string(c.code) + "]";
    RequireFinite(format, where + ".mean_lsb", c.mean_lsb);
    RequireFinite(format, where + ".static_sigma_lsb", c.static_sigma_lsb);
    RequireFinite(format, where + ".dynamic_sigma_lsb", c.dynamic_sigma_lsb);
  }
}

Document ProvenanceDoc(const ExportModel& model) {
  Document d = Document::MakeObject();
  for (const auto& [key, value] : model.provenance) {
    d.Set(key, value);
  }
  return d;
}

Document OperatingPointDoc(const ExportModel& model) {
  // An unset member (NaN, or an empty corner) is written as null.
  auto real = [](double v) { return std::isnan(v) ? Document() : Document(v); };
  Document d;
  d.Set("corner",
        model.operating_point.corner.empty() ? Document() : Document(model.operating_point.corner));
  d.Set("vdd_v", real(model.operating_point.vdd_v));
  d.Set("temp_c", real(model.operating_point.temp_c));
  return d;
}

// What the model says it could not derive, as the start of a "not_derived" section.
Document NotDerived(const ExportModel& model) {
  Document d = Document::MakeObject();
  for (const auto& [key, why] : model.not_derived) {
    d.Set(key, why);
  }
  return d;
}

// The header every JSON export shares.
Document Header(const ExportModel& model, const std::string& consumer) {
  Document d;
  d.Set("consumer", consumer);
  d.Set("generator", "cimchar");
  d.Set("provenance", ProvenanceDoc(model));
  d.Set("operating_point", OperatingPointDoc(model));
  return d;
}

double Square(double x) { return x * x; }

// RMS over codes of the ADC's own static and dynamic σ, in LSB.
double RmsCodes(const AdcModel& adc, bool dynamic) {
  if (adc.codes.empty()) {
    return 0.0;
  }
  double sum = 0.0;
  for (const auto& c : adc.codes) {
    sum += Square(dynamic ? c.dynamic_sigma_lsb : c.static_sigma_lsb);
  }
  return std::sqrt(sum / static_cast<double>(adc.codes.size()));
}

// Output-referred σ (LSB) of analog path + ADC, per conversion or fixed pattern.
double TotalSigmaLsb(const ExportModel& model, bool dynamic) {
  const double analog = dynamic ? model.analog.dynamic_sigma_lsb : model.analog.static_sigma_lsb;
  return std::sqrt(Square(analog) + Square(RmsCodes(model.adc, dynamic)));
}

// ---------------------------------------------------------------- accelergy

std::vector<PendingFile> RenderAccelergy(const ExportModel& model) {
  const std::string format = "accelergy";
  CheckCommon(format, model);
  if (model.energies.empty()) {
    Missing(format, "per-action energies (model.energies)");
  }
  const std::string prefix = model.geometry.name.empty() ? "macro" : model.geometry.name;

  // Group actions by component, keeping first-seen order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const ComponentEnergy*>> by_component;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& e : model.energies) {
    if (e.component.empty() || e.action.empty()) {
      Missing(format, "a component and action name for every energy entry");
    }
    if (!seen.insert({e.component, e.action}).second) {
      throw UsageError("cannot export to accelergy: action " + e.component + "." + e.action +
                       " is given twice");
    }
    if (e.points.empty()) {
      Missing(format, "at least one energy value for " + e.component + "." + e.action);
    }
    if (by_component.find(e.component) == by_component.end()) {
      order.push_back(e.component);
    }
    by_component[e.component].push_back(&e);
  }

  Document ert_tables = Document::MakeArray();
  Document art_tables = Document::MakeArray();
  Document not_derived = NotDerived(model);
  for (const auto& component : order) {
    const std::string full_name = prefix + "." + component;
    Document actions = Document::MakeArray();
    std::optional<double> area;
    std::string area_note;
    for (const ComponentEnergy* e : by_component[component]) {
      for (const auto& p : e->points) {
        RequireFinite(format, full_name + "." + e->action + " energy_j", p.energy_j);
        if (p.energy_j < 0.0) {
          throw UsageError("cannot export to accelergy: " + full_name + "." + e->action +
                           " has a negative energy (" + std::to_string(p.energy_j) + " J)");
        }
        Document action;
        action.Set("name", e->action);
        if (p.arguments.empty()) {
          action.Set("arguments", nullptr);
        } else {
          Document arguments;
          for (const auto& [name, value] : p.arguments) {
            arguments.Set(name, static_cast<std::int64_t>(value));
          }
          action.Set("arguments", std::move(arguments));
        }
        action.Set("energy", p.energy_j * kJoulesToPicojoules);
        actions.Push(std::move(action));
      }
      if (e->area_um2.has_value()) {
        RequireFinite(format, full_name + " area_um2", *e->area_um2);
        area = e->area_um2;
      } else if (!e->area_note.empty()) {
        area_note = e->area_note;
      }
    }
    Document table;
    table.Set("name", full_name);
    table.Set("actions", std::move(actions));
    ert_tables.Push(std::move(table));
    if (area.has_value()) {
      Document entry;
      entry.Set("name", full_name);
      entry.Set("area", *area);
      art_tables.Push(std::move(entry));
    } else {
      not_derived.Set(full_name + ".area", area_note.empty()
                                               ? "no layout or area table for this block in the LUT"
                                               : area_note);
    }
  }

  auto cimchar_section = [&](const std::string& what) {
    Document d;
    d.Set("content", what);
    d.Set("provenance", ProvenanceDoc(model));
    d.Set("operating_point", OperatingPointDoc(model));
    return d;
  };

  Document ert;
  Document ert_body;
  ert_body.Set("version", 0.4);
  ert_body.Set("tables", std::move(ert_tables));
  ert.Set("ERT", std::move(ert_body));
  Document ert_meta = cimchar_section("Accelergy energy reference table");
  ert_meta.Set("energy_units", "pJ per action");
  ert_meta.Set("not_derived", NotDerived(model));
  ert.Set("cimchar", std::move(ert_meta));

  Document art;
  Document art_body;
  art_body.Set("version", 0.4);
  art_body.Set("tables", std::move(art_tables));
  art.Set("ART", std::move(art_body));
  Document art_meta = cimchar_section("Accelergy area reference table");
  art_meta.Set("area_units", "um^2");
  art_meta.Set("not_derived", std::move(not_derived));
  art.Set("cimchar", std::move(art_meta));

  return {{"ERT.yaml", ert.ToYaml()}, {"ART.yaml", art.ToYaml()}};
}

// ---------------------------------------------------------------- neurosim

std::vector<PendingFile> RenderNeuroSim(const ExportModel& model) {
  const std::string format = "neurosim";
  CheckCommon(format, model);
  CheckAdc(format, model, /*need_codes=*/true);
  std::string csv = "output,mean,std\n";
  for (const auto& c : model.adc.codes) {
    const double sigma = std::sqrt(Square(c.static_sigma_lsb) + Square(c.dynamic_sigma_lsb));
    csv += std::to_string(c.code) + "," + FormatReal(c.mean_lsb) + "," + FormatReal(sigma) + "\n";
  }
  Document meta = Header(model, "NeuroSim (per-ADC-code output noise)");
  meta.Set("file", "neurosim_adc_noise.csv");
  Document columns;
  columns.Set("output", "ideal ADC output code (integer)");
  columns.Set("mean", "mean digital output for that code, LSB");
  columns.Set("std",
              "output sigma, LSB: static (per die) and dynamic (per conversion) in "
              "quadrature");
  meta.Set("columns", std::move(columns));
  Document split = Document::MakeArray();
  for (const auto& c : model.adc.codes) {
    Document row;
    row.Set("output", c.code);
    row.Set("static_sigma_lsb", c.static_sigma_lsb);
    row.Set("dynamic_sigma_lsb", c.dynamic_sigma_lsb);
    split.Push(std::move(row));
  }
  meta.Set("sigma_split", std::move(split));
  meta.Set("adc_bits", model.adc.bits);
  meta.Set("not_derived", NotDerived(model));
  return {{"neurosim_adc_noise.csv", csv}, {"neurosim_adc_noise.meta.json", meta.ToJson()}};
}

// ---------------------------------------------------------------- aihwkit

std::vector<PendingFile> RenderAihwkit(const ExportModel& model) {
  const std::string format = "aihwkit";
  CheckCommon(format, model);
  CheckAdc(format, model, /*need_codes=*/false);
  const MacroGeometry& g = model.geometry;
  if (!(g.adc_lsb_mac > 0.0)) {
    Missing(format, "geometry.adc_lsb_mac (MAC units per ADC LSB)");
  }
  if (g.dac_bits <= 0) {
    Missing(format, "geometry.dac_bits (activation bits per analog op)");
  }
  // aihwkit works in units where one row contributes at most w·x = 1: an analog op applies
  // dac_bits activation bits to 1-bit weights, so one MAC unit is 1/(2^dac_bits - 1).
  const double unit = 1.0 / static_cast<double>((1 << g.dac_bits) - 1);
  const double lsb = g.adc_lsb_mac * unit;
  const int top_code = (1 << model.adc.bits) - 1;
  const double out_bound = static_cast<double>(top_code) * lsb;

  Document io;
  Document not_derived = NotDerived(model);
  Document not_representable = Document::MakeObject();
  io.Set("out_bound", out_bound);
  io.Set("out_res", 1.0 / (2.0 * static_cast<double>(top_code)));
  io.Set("out_noise", TotalSigmaLsb(model, /*dynamic=*/true) * lsb);
  if (model.analog.compression_full_scale.has_value()) {
    const double c = *model.analog.compression_full_scale;
    RequireFinite(format, "analog.compression_full_scale", c);
    if (c < 0.0 || c >= 1.0) {
      not_derived.Set("out_nonlinearity",
                      "the measured full-scale compression (" + FormatReal(c) +
                          ") is outside [0, 1): aihwkit's y/(1+n|y|) cannot express it");
    } else {
      io.Set("out_nonlinearity", c / (1.0 - c));
    }
  } else {
    not_derived.Set("out_nonlinearity",
                    "the LUT has no full-scale compression of the analog transfer");
  }
  io.Set("out_scale", model.adc.gain);
  not_representable.Set("static_offset_sigma",
                        Document()
                            .Set("value", TotalSigmaLsb(model, /*dynamic=*/false) * lsb)
                            .Set("value_lsb", TotalSigmaLsb(model, /*dynamic=*/false))
                            .Set("reason",
                                 "IOParameters has no per-output fixed additive offset; "
                                 "apply it with a custom hook if needed"));
  not_representable.Set("systematic_offset",
                        Document()
                            .Set("value", model.adc.offset_lsb * lsb)
                            .Set("value_lsb", model.adc.offset_lsb)
                            .Set("reason", "IOParameters has no additive output offset"));

  Document d = Header(model, "IBM aihwkit");
  d.Set("IOParameters", std::move(io));
  Document units;
  units.Set("output_unit",
            "sum over rows of w*x with 1-bit weights and the analog activation normalized to 1 "
            "(one MAC unit = 1/(2^dac_bits - 1))");
  units.Set("out_bound", "top of the characterized ADC window, output units");
  units.Set("out_res",
            "1/steps over [-out_bound, out_bound]: one step equals one ADC LSB; the "
            "negative half is unused by this unipolar ADC");
  units.Set("out_noise", "per-conversion sigma (analog path and ADC), output units");
  units.Set("out_nonlinearity", "c/(1-c) from the full-scale compression c of the transfer");
  units.Set("out_scale", "end-point gain of the ADC transfer");
  d.Set("notes", std::move(units));
  d.Set("not_derived", std::move(not_derived));
  d.Set("not_representable", std::move(not_representable));
  return {{"aihwkit.json", d.ToJson()}};
}

// ---------------------------------------------------------------- asim

std::vector<PendingFile> RenderAsim(const ExportModel& model) {
  const std::string format = "asim";
  CheckCommon(format, model);
  CheckAdc(format, model, /*need_codes=*/false);
  const MacroGeometry& g = model.geometry;
  if (g.rows <= 0 || g.weight_bits <= 0 || g.activation_bits <= 0 || g.dac_bits <= 0) {
    Missing(format, "geometry rows, weight_bits, activation_bits and dac_bits (all > 0)");
  }
  if (!(g.adc_lsb_mac > 0.0)) {
    Missing(format, "geometry.adc_lsb_mac (MAC units per ADC LSB)");
  }
  // ASiM normalizes a bit-parallel column MAC by nrow·(2^act_enc - 1) and adds noise in % of
  // that range; its non-linear term scales as 1/sqrt(m·nrow + 1) with m the normalized MAC.
  const double full_range_mac = static_cast<double>(g.rows) * ((1 << g.dac_bits) - 1);
  const double lsb_fraction = g.adc_lsb_mac / full_range_mac;
  const double analog_var =
      Square(model.analog.static_sigma_lsb) + Square(model.analog.dynamic_sigma_lsb);

  Document kwargs;
  kwargs.Set("wbit", g.weight_bits);
  kwargs.Set("xbit", g.activation_bits);
  kwargs.Set("adc_prec", model.adc.bits);
  kwargs.Set("nrow", g.rows);
  kwargs.Set("act_enc", g.dac_bits);
  kwargs.Set("signed_act", false);
  Document not_derived = NotDerived(model);
  Document fit;

  // Least squares of var(code) = a + b / (m·nrow + 1) over codes (fractions of the range).
  std::vector<std::pair<double, double>> samples;  // (1/(m·nrow+1), variance as fraction²)
  for (const auto& c : model.adc.codes) {
    const double m = static_cast<double>(c.code) * lsb_fraction;
    const double var_lsb = Square(c.static_sigma_lsb) + Square(c.dynamic_sigma_lsb) + analog_var;
    samples.emplace_back(1.0 / (m * g.rows + 1.0), var_lsb * Square(lsb_fraction));
  }
  bool fitted = false;
  if (samples.size() >= 2) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto& [x, y] : samples) {
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const double n = static_cast<double>(samples.size());
    const double det = n * sxx - sx * sx;
    if (det > 0.0) {
      double b = (n * sxy - sx * sy) / det;
      double a = (sy - b * sx) / n;
      if (b < 0.0 || a < 0.0) {
        // Constrain to the physical (non-negative) side: refit the one remaining term.
        if (b < 0.0) {
          b = 0.0;
          a = sy / n;
        } else {
          a = 0.0;
          b = sxy / sxx;
        }
      }
      kwargs.Set("rand_noise_sigma", kPercent * std::sqrt(a));
      kwargs.Set("non_linear_sigma", kPercent * std::sqrt(b));
      fit.Set("method", "least squares of per-code variance = a + b/(m*nrow+1), a,b >= 0");
      fit.Set("codes_used", static_cast<std::int64_t>(samples.size()));
      fitted = true;
    }
  }
  if (!fitted) {
    const double sigma =
        std::sqrt(Square(TotalSigmaLsb(model, true)) + Square(TotalSigmaLsb(model, false)));
    kwargs.Set("rand_noise_sigma", kPercent * sigma * lsb_fraction);
    not_derived.Set("non_linear_sigma",
                    "fewer than two distinct ADC codes with statistics: the code-dependent part "
                    "cannot be separated from the random part");
  }

  Document d = Header(model, "ASiM (SRAM analog/hybrid CiM simulator)");
  d.Set("module_kwargs", std::move(kwargs));
  Document notes;
  notes.Set("rand_noise_sigma",
            "sigma in % of the column range nrow*(2^act_enc-1), static and "
            "dynamic parts combined (ASiM redraws it every operation)");
  notes.Set("non_linear_sigma", "% of the column range, scaled by ASiM by 1/sqrt(m*nrow+1)");
  notes.Set("hybrid_levels",
            "ASiM keeps hybrid_levels MSB orders digital: for a boundary B_D/A "
            "use wbit + xbit - 1 - B_D/A (see hybrid_levels_by_b_da)");
  if (!fit.IsNull()) {
    notes.Set("fit", std::move(fit));
  }
  d.Set("notes", std::move(notes));
  Document levels = Document::MakeObject();
  const int max_order = g.weight_bits + g.activation_bits - 1;
  for (int b = 1; b <= max_order; ++b) {
    levels.Set(std::to_string(b), max_order - b);
  }
  d.Set("hybrid_levels_by_b_da", std::move(levels));
  d.Set("not_derived", std::move(not_derived));
  Document discard;
  discard.Set("reason",
              "ASiM computes every order below the boundary in analog; cimchar's "
              "OSA-HCIM discards orders below B_D/A - analog_orders");
  discard.Set("analog_orders", g.analog_orders);
  Document not_representable;
  not_representable.Set("discarded_orders", std::move(discard));
  d.Set("not_representable", std::move(not_representable));
  return {{"asim.json", d.ToJson()}};
}

// ---------------------------------------------------------------- crosssim

std::vector<PendingFile> RenderCrossSim(const ExportModel& model) {
  const std::string format = "crosssim";
  CheckCommon(format, model);
  CheckAdc(format, model, /*need_codes=*/false);
  const AdcModel& adc = model.adc;
  const double window_v = adc.input_high_v - adc.input_low_v;
  RequireFinite(format, "adc.comparator_offset_sigma_v", adc.comparator_offset_sigma_v);
  RequireFinite(format, "adc.gain", adc.gain);

  Document params;
  Document not_derived = NotDerived(model);
  params.Set("model", "SarADC");
  params.Set("bits", adc.bits);
  params.Set("signed", false);
  params.Set("sigma_comparator", adc.comparator_offset_sigma_v / window_v);
  if (adc.unit_cap_sigma_rel.has_value()) {
    RequireFinite(format, "adc.unit_cap_sigma_rel", *adc.unit_cap_sigma_rel);
    params.Set("sigma_capacitor", *adc.unit_cap_sigma_rel);
  } else {
    not_derived.Set("sigma_capacitor", "the LUT has no CDAC unit-capacitor mismatch");
  }
  if (adc.gain > 0.0 && adc.gain < 1.0) {
    // Finite amplifier gain A gives a gain of A/(1+A): the equivalent A of the measured gain.
    params.Set("gain_db", 20.0 * std::log10(adc.gain / (1.0 - adc.gain)));
  } else {
    not_derived.Set("gain_db", "the measured end-point gain (" + FormatReal(adc.gain) +
                                   ") is not below 1, so no finite amplifier gain explains it");
  }
  params.Set("group_size", std::max(1, model.geometry.columns_per_adc));
  not_derived.Set("split_cdac", "the LUT does not describe the CDAC topology");
  not_derived.Set("calibrated_range",
                  "CrossSim's range is in its own weight/input normalization, set by the core "
                  "mapping chosen in CrossSim; cimchar gives the window in MAC units "
                  "(cimchar.adc_window_mac) to convert");

  Document d = Header(model, "CrossSim");
  d.Set("SarADCParameters", std::move(params));
  Document notes;
  notes.Set("sigma_comparator",
            "static comparator offset sigma normalized by the ADC input "
            "window (input_high_v - input_low_v)");
  notes.Set("sigma_capacitor", "sigma(dC/C) of the minimum (unit) CDAC capacitor");
  notes.Set("gain_db", "equivalent open-loop gain A with A/(1+A) = measured end-point gain");
  notes.Set("group_size", "columns sharing one SAR ADC");
  d.Set("notes", std::move(notes));
  Document extra;
  extra.Set("adc_input_low_v", adc.input_low_v);
  extra.Set("adc_input_high_v", adc.input_high_v);
  extra.Set("comparator_offset_sigma_v", adc.comparator_offset_sigma_v);
  extra.Set("comparator_noise_sigma_v", adc.comparator_noise_sigma_v);
  if (model.geometry.adc_lsb_mac > 0.0) {
    Document window = Document::MakeArray();
    window.Push(0.0);
    window.Push(model.geometry.adc_lsb_mac * ((1 << adc.bits) - 1));
    extra.Set("adc_window_mac", std::move(window));
  } else {
    extra.Set("adc_window_mac", nullptr);
  }
  d.Set("cimchar", std::move(extra));
  d.Set("not_derived", std::move(not_derived));
  return {{"crosssim.json", d.ToJson()}};
}

// ---------------------------------------------------------------- tables

std::size_t CheckTable(const std::string& format, const TableView& t) {
  if (t.quantity.empty()) {
    Missing(format, "a quantity name for every table");
  }
  std::size_t size = 1;
  for (const auto& axis : t.axes) {
    if (axis.name.empty()) {
      Missing(format, "a name for every axis of table " + t.quantity);
    }
    if (!axis.values.empty() && !axis.labels.empty()) {
      throw UsageError("cannot export to " + format + ": axis " + axis.name + " of table " +
                       t.quantity + " has both values and labels");
    }
    for (const double v : axis.values) {
      RequireFinite(format, "axis " + axis.name + " of table " + t.quantity, v);
    }
    size *= axis.Size();
  }
  if (t.data.size() != size) {
    throw UsageError("cannot export to " + format + ": table " + t.quantity + " has " +
                     std::to_string(t.data.size()) + " values but its axes give " +
                     std::to_string(size));
  }
  return size;
}

Document AxisDoc(const TableAxis& axis) {
  Document d;
  d.Set("name", axis.name);
  d.Set("units", axis.units);
  if (axis.labels.empty()) {
    d.Set("values", Document::Reals(axis.values));
  } else {
    Document labels = Document::MakeArray();
    for (const auto& l : axis.labels) {
      labels.Push(l);
    }
    d.Set("labels", std::move(labels));
  }
  return d;
}

Document TableDoc(const TableView& t, bool with_data) {
  Document d;
  d.Set("quantity", t.quantity);
  d.Set("units", t.units);
  if (!t.description.empty()) {
    d.Set("description", t.description);
  }
  Document axes = Document::MakeArray();
  Document shape = Document::MakeArray();
  for (const auto& axis : t.axes) {
    axes.Push(AxisDoc(axis));
    shape.Push(static_cast<std::int64_t>(axis.Size()));
  }
  d.Set("axes", std::move(axes));
  d.Set("shape", std::move(shape));
  if (with_data) {
    d.Set("order", "row-major, last axis fastest; null = no value (failed sample)");
    Document data = Document::MakeArray();
    for (const double v : t.data) {
      data.Push(std::isfinite(v) ? Document(v) : Document());
    }
    d.Set("data", std::move(data));
  }
  return d;
}

std::vector<PendingFile> RenderJson(const ExportModel& model) {
  const std::string format = "json";
  CheckCommon(format, model);
  if (model.tables.empty()) {
    Missing(format, "tables (model.tables)");
  }
  Document tables = Document::MakeArray();
  for (const auto& t : model.tables) {
    CheckTable(format, t);
    tables.Push(TableDoc(t, /*with_data=*/true));
  }
  Document d = Header(model, "any JSON reader");
  d.Set("tables", std::move(tables));
  d.Set("not_derived", NotDerived(model));
  return {{"tables.json", d.ToJson()}};
}

std::string Column(const std::string& name, const std::string& units) {
  return units.empty() ? name : name + " [" + units + "]";
}

// A CSV field: quoted when it holds a separator, quote or line break.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    return text;
  }
  std::string out = "\"";
  for (const char c : text) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

std::string SafeFileStem(const std::string& quantity) {
  std::string out;
  for (const char c : quantity) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    out += ok ? c : '_';
  }
  if (out.empty() || out[0] == '.') {
    out = "_" + out;
  }
  return out;
}

std::vector<PendingFile> RenderCsv(const ExportModel& model) {
  const std::string format = "csv";
  CheckCommon(format, model);
  if (model.tables.empty()) {
    Missing(format, "tables (model.tables)");
  }
  std::vector<PendingFile> files;
  std::set<std::string> names;
  Document index = Document::MakeArray();
  for (const auto& t : model.tables) {
    const std::size_t size = CheckTable(format, t);
    const std::string file = SafeFileStem(t.quantity) + ".csv";
    if (!names.insert(file).second) {
      throw UsageError("cannot export to csv: two tables map to the file name " + file);
    }
    std::string csv;
    for (const auto& axis : t.axes) {
      csv += CsvField(Column(axis.name, axis.units)) + ",";
    }
    csv += CsvField(Column(t.quantity, t.units)) + "\n";
    std::vector<std::size_t> index_of(t.axes.size(), 0);
    for (std::size_t flat = 0; flat < size; ++flat) {
      std::size_t rest = flat;
      for (std::size_t a = t.axes.size(); a-- > 0;) {
        index_of[a] = rest % t.axes[a].Size();
        rest /= t.axes[a].Size();
      }
      for (std::size_t a = 0; a < t.axes.size(); ++a) {
        const auto& axis = t.axes[a];
        csv += (axis.labels.empty() ? FormatReal(axis.values[index_of[a]])
                                    : CsvField(axis.labels[index_of[a]])) +
               ",";
      }
      csv += (std::isfinite(t.data[flat]) ? FormatReal(t.data[flat]) : std::string()) + "\n";
    }
    files.push_back({file, csv});
    Document entry = TableDoc(t, /*with_data=*/false);
    entry.Set("file", file);
    index.Push(std::move(entry));
  }
  Document meta = Header(model, "any CSV reader");
  meta.Set("layout",
           "one row per table cell: axis columns then the value; header 'name [units]'; "
           "an empty value means no value (failed sample)");
  meta.Set("tables", std::move(index));
  meta.Set("not_derived", NotDerived(model));
  files.push_back({"tables.meta.json", meta.ToJson()});
  return files;
}

}  // namespace

std::vector<std::string> ExportFormatNames() {
  std::vector<std::string> names;
  for (const auto& f : kFormats) {
    names.emplace_back(f.name);
  }
  return names;
}

std::string ExportFormatName(ExportFormat format) {
  for (const auto& f : kFormats) {
    if (f.format == format) {
      return f.name;
    }
  }
  throw Error("internal: unnamed export format");
}

ExportFormat ParseExportFormat(const std::string& name) {
  std::string known;
  for (const auto& f : kFormats) {
    if (name == f.name) {
      return f.format;
    }
    known += known.empty() ? f.name : std::string(", ") + f.name;
  }
  throw UsageError("unknown export format \"" + name + "\"; known formats: " + known);
}

std::vector<PendingFile> RenderExport(ExportFormat format, const ExportModel& model) {
  switch (format) {
    case ExportFormat::kAccelergy:
      return RenderAccelergy(model);
    case ExportFormat::kNeuroSim:
      return RenderNeuroSim(model);
    case ExportFormat::kAihwkit:
      return RenderAihwkit(model);
    case ExportFormat::kAsim:
      return RenderAsim(model);
    case ExportFormat::kCrossSim:
      return RenderCrossSim(model);
    case ExportFormat::kCsv:
      return RenderCsv(model);
    case ExportFormat::kJson:
      return RenderJson(model);
  }
  throw Error("internal: unhandled export format");
}

std::vector<std::filesystem::path> WriteExport(ExportFormat format,
                                               const ExportModel& model,
                                               const std::filesystem::path& out_dir) {
  std::vector<PendingFile> files = RenderExport(format, model);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec || !std::filesystem::is_directory(out_dir)) {
    throw Error("cannot write the " + ExportFormatName(format) + " export to " + out_dir.string() +
                ": " + (ec ? ec.message() : std::string("it exists and is not a folder")));
  }
  std::vector<std::filesystem::path> written;
  for (auto& f : files) {
    f.path = out_dir / f.path;
    written.push_back(f.path);
  }
  WriteFilesAtomically(files);
  return written;
}

}  // namespace cimchar::exporters
