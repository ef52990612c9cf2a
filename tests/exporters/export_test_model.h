#pragma once

// A synthetic ExportModel (values chosen for the test, not physics) and the values each
// consumer should read back from its export.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exporters/document.h"
#include "exporters/export_model.h"

namespace cimchar::exporters::testing_model {

// ASiM noise the per-code statistics are built from (percent of the column range).
constexpr double kAsimRandPercent = 0.5;
constexpr double kAsimNonlinearPercent = 2.0;

inline double AsimLsbFraction(const ExportModel& m) {
  return m.geometry.adc_lsb_mac / (m.geometry.rows * ((1 << m.geometry.dac_bits) - 1.0));
}

inline ExportModel Model() {
  ExportModel m;
  m.provenance = {{"recipe", "adc.ini (quick)"},
                  {"master_seed", "12345"},
                  {"netlist_sha256", "0123abcd"},
                  {"ngspice_version", "39"},
                  {"note", "quotes \" and colons: kept"}};
  m.operating_point = {.corner = "tt", .vdd_v = 0.9, .temp_c = 25.0};
  m.geometry = {.name = "osa_hcim",
                .rows = 144,
                .columns = 8,
                .columns_per_adc = 1,
                .activation_bits = 8,
                .weight_bits = 8,
                .dac_bits = 4,
                .analog_orders = 4,
                .adc_lsb_mac = 36.0};
  AdcModel& adc = m.adc;
  adc.bits = 3;
  adc.input_low_v = 0.1;
  adc.input_high_v = 0.7;
  m.analog = {.transfer_gain_v = 2.5e-4,
              .transfer_offset_v = 0.1,
              .static_sigma_v = 7.5e-3,
              .dynamic_sigma_v = 3.75e-3,
              .static_sigma_lsb = 0.1,
              .dynamic_sigma_lsb = 0.05,
              .max_nonlinearity_lsb = 0.2,
              .compression_full_scale = 0.04};
  const double f = AsimLsbFraction(m);
  const double a = std::pow(kAsimRandPercent / 100.0, 2);
  const double b = std::pow(kAsimNonlinearPercent / 100.0, 2);
  const double analog_var =
      std::pow(m.analog.static_sigma_lsb, 2) + std::pow(m.analog.dynamic_sigma_lsb, 2);
  for (int code = 0; code < (1 << adc.bits); ++code) {
    const double mac_norm = code * f;
    const double var_lsb = (a + b / (mac_norm * m.geometry.rows + 1.0)) / (f * f) - analog_var;
    const double sigma = std::sqrt(var_lsb / 2.0);
    adc.codes.push_back({.code = code,
                         .mean_lsb = code + 0.01 * code,
                         .static_sigma_lsb = sigma,
                         .dynamic_sigma_lsb = sigma,
                         .mean_v = adc.input_low_v + code * adc.LsbV(),
                         .static_sigma_v = sigma * adc.LsbV(),
                         .dynamic_sigma_v = sigma * adc.LsbV()});
    if (code > 0) {
      adc.transition_mean_v.push_back(adc.input_low_v + (code - 0.5) * adc.LsbV());
      adc.transition_static_sigma_v.push_back(0.004);
    }
    adc.dnl_lsb.push_back(0.02 * (code % 3) - 0.02);
    adc.inl_lsb.push_back(0.01 * code - 0.03);
  }
  adc.comparator_offset_sigma_v = 0.006;
  adc.comparator_noise_sigma_v = 0.0015;
  adc.gain = 0.98;
  adc.offset_lsb = 0.15;
  adc.unit_cap_sigma_rel = 0.012;

  auto energy = [](std::string component, std::string action, std::vector<EnergyPoint> points,
                   std::optional<double> area_um2) {
    ComponentEnergy e;
    e.component = std::move(component);
    e.action = std::move(action);
    e.points = std::move(points);
    e.area_um2 = area_um2;
    return e;
  };
  auto point = [](std::vector<std::pair<std::string, std::int64_t>> arguments, double energy_j) {
    EnergyPoint p;
    p.arguments = std::move(arguments);
    p.energy_j = energy_j;
    return p;
  };
  m.energies = {
      energy("digital_column", "mac_1b_cycle",
             {point({{"active_rows", 0}}, 1.0e-14), point({{"active_rows", 144}}, 2.5e-13)},
             1500.0),
      energy("analog_line", "analog_op", {point({}, 3.2e-14)}, 400.0),
      energy("adc", "convert", {point({}, 6.4e-14)}, 220.0),
      energy("dac", "drive", {point({{"code", 0}}, 1e-15), point({{"code", 15}}, 4e-14)},
             std::nullopt),
      energy("precharge", "precharge", {point({}, 1.1e-14)}, 50.0),
      energy("ose", "evaluate", {point({}, 2.0e-14)}, 90.0),
  };
  m.energies[3].area_note = "the DAC layout is not part of the characterized netlists";

  TableView t;
  t.quantity = "adc_transition_mean";
  t.units = "V";
  t.description = "mean code transition level";
  t.axes = {{.name = "vdd", .units = "V", .values = {0.8, 0.9, 1.0}, .labels = {}},
            {.name = "corner", .units = "", .values = {}, .labels = {"tt", "ff"}},
            {.name = "transition", .units = "", .values = {1, 2}, .labels = {}}};
  for (int i = 0; i < 12; ++i) {
    t.data.push_back(0.1 + 0.01 * i);
  }
  t.data[5] = std::nan("");  // a failed sample
  m.tables.push_back(t);
  TableView e;
  e.quantity = "energy per conversion";
  e.units = "J";
  e.axes = {{.name = "vdd", .units = "V", .values = {0.8, 1.0}, .labels = {}}};
  e.data = {5.0e-14, 7.8e-14};
  m.tables.push_back(e);
  return m;
}

// Quantities cimchar could not derive: the exports must say so.
inline ExportModel ModelWithGaps() {
  ExportModel m = Model();
  m.analog.compression_full_scale.reset();
  m.adc.unit_cap_sigma_rel.reset();
  m.adc.gain = 1.02;
  m.adc.codes.resize(1);
  for (auto& e : m.energies) {
    e.area_um2.reset();
  }
  return m;
}

// What each consumer should read, computed from the definitions in exporters.h.
// With `asim_from_constants` false the ASiM noise values are only checked for sign (a model built
// from a LUT does not follow kAsimRandPercent / kAsimNonlinearPercent).
inline Document Expectations(const ExportModel& m, bool asim_from_constants = true) {
  Document d;
  Document prov = Document::MakeObject();
  for (const auto& [k, v] : m.provenance) {
    prov.Set(k, v);
  }
  d.Set("provenance", std::move(prov));
  d.Set("operating_point", Document()
                               .Set("corner", m.operating_point.corner)
                               .Set("vdd_v", m.operating_point.vdd_v)
                               .Set("temp_c", m.operating_point.temp_c));
  Document energies = Document::MakeArray();
  Document areas = Document::MakeObject();
  for (const auto& e : m.energies) {
    const std::string name = m.geometry.name + "." + e.component;
    for (const auto& p : e.points) {
      Document args = Document::MakeObject();
      for (const auto& [k, v] : p.arguments) {
        args.Set(k, static_cast<std::int64_t>(v));
      }
      energies.Push(Document()
                        .Set("name", name)
                        .Set("action", e.action)
                        .Set("arguments", std::move(args))
                        .Set("energy_j", p.energy_j));
    }
    areas.Set(name, e.area_um2 ? Document(*e.area_um2) : Document());
  }
  d.Set("energies", std::move(energies));
  d.Set("areas", std::move(areas));
  Document codes = Document::MakeArray();
  for (const auto& c : m.adc.codes) {
    codes.Push(Document()
                   .Set("code", c.code)
                   .Set("mean_lsb", c.mean_lsb)
                   .Set("static_sigma_lsb", c.static_sigma_lsb)
                   .Set("dynamic_sigma_lsb", c.dynamic_sigma_lsb));
  }
  d.Set("codes", std::move(codes));

  const int top = (1 << m.adc.bits) - 1;
  const double lsb = m.geometry.adc_lsb_mac / ((1 << m.geometry.dac_bits) - 1.0);
  double dyn_sum = 0.0;
  for (const auto& c : m.adc.codes) {
    dyn_sum += c.dynamic_sigma_lsb * c.dynamic_sigma_lsb;
  }
  const double dyn = std::sqrt(m.analog.dynamic_sigma_lsb * m.analog.dynamic_sigma_lsb +
                               dyn_sum / static_cast<double>(m.adc.codes.size()));
  Document aihwkit;
  aihwkit.Set("out_bound", top * lsb);
  aihwkit.Set("out_res", 1.0 / (2.0 * top));
  aihwkit.Set("out_noise", dyn * lsb);
  aihwkit.Set("out_scale", m.adc.gain);
  if (m.analog.compression_full_scale) {
    const double c = *m.analog.compression_full_scale;
    aihwkit.Set("out_nonlinearity", c / (1.0 - c));
  }
  d.Set("aihwkit", std::move(aihwkit));

  Document asim;
  asim.Set("wbit", m.geometry.weight_bits)
      .Set("xbit", m.geometry.activation_bits)
      .Set("adc_prec", m.adc.bits)
      .Set("nrow", m.geometry.rows)
      .Set("act_enc", m.geometry.dac_bits);
  if (asim_from_constants && m.adc.codes.size() >= 2) {
    asim.Set("rand_noise_sigma", kAsimRandPercent).Set("non_linear_sigma", kAsimNonlinearPercent);
  }
  if (!asim_from_constants) {
    asim.Set("from_lut", true);
  }
  d.Set("asim", std::move(asim));

  Document crosssim;
  crosssim.Set("bits", m.adc.bits)
      .Set("sigma_comparator",
           m.adc.comparator_offset_sigma_v / (m.adc.input_high_v - m.adc.input_low_v));
  if (m.adc.unit_cap_sigma_rel) {
    crosssim.Set("sigma_capacitor", *m.adc.unit_cap_sigma_rel);
  }
  if (m.adc.gain < 1.0) {
    crosssim.Set("gain_db", 20.0 * std::log10(m.adc.gain / (1.0 - m.adc.gain)));
  }
  d.Set("crosssim", std::move(crosssim));

  Document tables = Document::MakeArray();
  for (const auto& t : m.tables) {
    Document axes = Document::MakeArray();
    for (const auto& a : t.axes) {
      Document axis;
      axis.Set("name", a.name).Set("units", a.units);
      if (a.labels.empty()) {
        axis.Set("values", Document::Reals(a.values));
      } else {
        Document labels = Document::MakeArray();
        for (const auto& l : a.labels) {
          labels.Push(l);
        }
        axis.Set("labels", std::move(labels));
      }
      axes.Push(std::move(axis));
    }
    Document data = Document::MakeArray();
    for (const double v : t.data) {
      data.Push(std::isfinite(v) ? Document(v) : Document());
    }
    tables.Push(Document()
                    .Set("quantity", t.quantity)
                    .Set("units", t.units)
                    .Set("axes", std::move(axes))
                    .Set("data", std::move(data)));
  }
  d.Set("tables", std::move(tables));
  return d;
}

}  // namespace cimchar::exporters::testing_model
