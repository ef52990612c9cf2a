#include "exporters/from_store.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string_view>

#include "calib/schema.h"
#include "core/build_info.h"
#include "core/error.h"
#include "exporters/readouts/readouts.h"
#include "lut/axis.h"
#include "lut/table.h"

namespace cimchar::exporters {

namespace {

constexpr double kKelvinAtZeroCelsius = 273.15;

std::string Describe(double value, const std::string& units) {
  return lut::FormatNumber(value) + (units.empty() ? "" : " " + units);
}

constexpr const char* kNoArea =
    "cimchar characterizes netlists, not layouts; ART.yaml lists no area for it, so Timeloop "
    "keeps its own area model (Accelergy reads no ART file)";

// Every Timeloop-facing action of a component whose `read` costs `energy_j`: Timeloop maps its
// storage actions to read/write/update/leak and its arithmetic actions to compute
// (include/model/topology.hpp); the model charges nothing for write, update and leak.
std::vector<PricedAction> TimeloopActions(double energy_j) {
  return {{.action = "read", .code = std::nullopt, .energy_j = energy_j},
          {.action = "compute", .code = std::nullopt, .energy_j = energy_j},
          {.action = "write", .code = std::nullopt, .energy_j = 0.0},
          {.action = "update", .code = std::nullopt, .energy_j = 0.0},
          {.action = "leak", .code = std::nullopt, .energy_j = 0.0}};
}

Component Priced(const std::string& name, const std::string& unit, const calib::ActionEnergy& e) {
  return {.name = name, .unit = unit, .how = e.how, .actions = TimeloopActions(e.energy_j)};
}

// The reference run whose per-action means price the data-dependent components: the one at the
// requested boundary, or (when it has no analog op) the closest boundary that has some.
const ReferenceRun& AnalogReference(const std::vector<ReferenceRun>& runs, int boundary) {
  const ReferenceRun* best = &runs[static_cast<std::size_t>(boundary)];
  int distance = 1 << 30;
  for (const ReferenceRun& r : runs) {
    if (r.counts.analog_ops > 0 && std::abs(r.boundary - boundary) < distance) {
      distance = std::abs(r.boundary - boundary);
      best = &r;
    }
  }
  return *best;
}

std::vector<Component> ComponentsOf(const calib::Macro& macro,
                                    const mac::MacShape& shape,
                                    const std::vector<ReferenceRun>& runs,
                                    int boundary) {
  const calib::Energies& e = macro.energy;
  const double rows = shape.rows;
  std::vector<Component> out;
  // The digital side is priced by its activity, as the model prices it (mac::ComputeEnergy):
  // `read` is the mean over the reference run, the named actions are the measured energies the
  // action counts (AccelergyActionCounts) charge.
  const ReferenceRun& digital_ref = runs[static_cast<std::size_t>(boundary)];
  const std::string digital_text =
      "read: mean over the model's run at HCIM B_D/A = " + std::to_string(digital_ref.boundary) +
      " on " + std::to_string(digital_ref.vectors) + " uniform random input vectors";
  const auto mean = [](double energy_j, double count, double otherwise) {
    return count > 0.0 ? energy_j / count : otherwise;
  };
  const mac::ActionCounts& dc_counts = digital_ref.counts;
  Component dmult{
      .name = "dmult",
      .unit = "one row's D_MULT in one digital 1-bit MAC cycle",
      .how = digital_text + "; w0, w1_a0, w1_a1 (by the row's weight bit W and activation A): " +
             e.dmult_w1_a1.how,
      .actions = TimeloopActions(mean(digital_ref.energy.dmult_j,
                                      static_cast<double>(dc_counts.digital_cycles) * rows,
                                      e.dmult_w0.energy_j))};
  dmult.actions.push_back({.action = "w0", .code = std::nullopt, .energy_j = e.dmult_w0.energy_j});
  dmult.actions.push_back(
      {.action = "w1_a0", .code = std::nullopt, .energy_j = e.dmult_w1_a0.energy_j});
  dmult.actions.push_back(
      {.action = "w1_a1", .code = std::nullopt, .energy_j = e.dmult_w1_a1.energy_j});
  out.push_back(std::move(dmult));
  Component tree{
      .name = "adder_tree",
      .unit = "one column's adder tree (with its output register) in one digital 1-bit MAC cycle",
      .how = digital_text + "; evaluate (code = the tree's inputs at 1): " + e.adder_tree_how,
      .actions = TimeloopActions(mean(digital_ref.energy.adder_tree_j,
                                      static_cast<double>(dc_counts.digital_cycles),
                                      e.adder_tree_j.front()))};
  for (std::size_t n = 0; n < e.adder_tree_j.size(); ++n) {
    tree.actions.push_back(
        {.action = "evaluate", .code = static_cast<int>(n), .energy_j = e.adder_tree_j[n]});
  }
  out.push_back(std::move(tree));
  Component precharge{
      .name = "precharge",
      .unit = "one row's precharge in one array cycle",
      .how = digital_text + "; row_cycle: " + e.precharge_row_cycle.how +
             "; lblb (one LBLB a digital read discharged): " + e.precharge_lblb.how,
      .actions = TimeloopActions(mean(digital_ref.energy.precharge_j,
                                      static_cast<double>(dc_counts.array_cycles) * rows,
                                      e.precharge_row_cycle.energy_j))};
  precharge.actions.push_back(
      {.action = "row_cycle", .code = std::nullopt, .energy_j = e.precharge_row_cycle.energy_j});
  precharge.actions.push_back(
      {.action = "lblb", .code = std::nullopt, .energy_j = e.precharge_lblb.energy_j});
  out.push_back(std::move(precharge));
  Component wordline{
      .name = "wordline",
      .unit = "one row's word-line pulse (DWL in a digital cycle, AWL in an analog op)",
      .how = digital_text + "; dwl: " + e.wordline_dwl.how + "; awl: " + e.wordline_awl.how,
      .actions = TimeloopActions(
          mean(digital_ref.energy.wordline_j,
               static_cast<double>(dc_counts.digital_array_cycles + dc_counts.dac_cycles) * rows,
               e.wordline_dwl.energy_j))};
  wordline.actions.push_back(
      {.action = "dwl", .code = std::nullopt, .energy_j = e.wordline_dwl.energy_j});
  wordline.actions.push_back(
      {.action = "awl", .code = std::nullopt, .energy_j = e.wordline_awl.energy_j});
  out.push_back(std::move(wordline));
  out.push_back(Priced("din", "one toggle of a row's GBLB (digital activation bit)", e.din_toggle));
  Component leakage{
      .name = "leakage",
      .unit = "one array cycle of one array (its rows, adder trees and accumulators)",
      .how = e.leakage_row_cycle.how + "; " + e.leakage_tree_cycle.how + "; " +
             e.leakage_accumulator_cycle.how,
      .actions = TimeloopActions(
          rows * e.leakage_row_cycle.energy_j +
          shape.columns * (e.leakage_tree_cycle.energy_j + e.leakage_accumulator_cycle.energy_j))};
  out.push_back(std::move(leakage));

  const ReferenceRun& ref = AnalogReference(runs, boundary);
  const std::string ref_text = "the model's run at HCIM B_D/A = " + std::to_string(ref.boundary) +
                               " on " + std::to_string(ref.vectors) +
                               " uniform random input vectors";
  const double analog_ops = static_cast<double>(ref.counts.analog_ops);
  Component line{.name = "analog_line",
                 .unit =
                     "one analog op of one column (cells read, A_MULT sampling, charge "
                     "sharing, line reset)",
                 .how = "read: mean over " + ref_text + "; row_off, row_on: " + e.analog_how +
                        " (an op = row_off for each W = 0 row + row_on at its DAC code for each "
                        "W = 1 row)",
                 .actions = {}};
  const double mean_op = analog_ops > 0.0 ? ref.energy.amult_j / analog_ops : e.op_baseline_j;
  line.actions = TimeloopActions(mean_op);
  line.actions.push_back(
      {.action = "row_off", .code = std::nullopt, .energy_j = e.op_baseline_j / rows});
  const int top = (1 << shape.dac_bits) - 1;
  for (int d = 0; d <= top; ++d) {
    line.actions.push_back(
        {.action = "row_on",
         .code = d,
         .energy_j = e.op_baseline_j / rows + e.OpStepJ(macro.line, d, shape.rows)});
  }
  out.push_back(std::move(line));

  double driven = 0.0;
  for (std::int64_t n : ref.counts.dac_code_rows) {
    driven += static_cast<double>(n);
  }
  Component dac{
      .name = "dac",
      .unit = "one row's activation DAC driving its GBL for one analog cycle",
      .how = "read: mean over " + ref_text + "; drive: " + e.dac_how,
      .actions = TimeloopActions(driven > 0.0 ? ref.energy.dac_j / driven : e.dac_row_j.front())};
  for (int d = 0; d <= top; ++d) {
    dac.actions.push_back(
        {.action = "drive", .code = d, .energy_j = e.dac_row_j[static_cast<std::size_t>(d)]});
  }
  out.push_back(std::move(dac));
  out.push_back(Priced("adc", FindReadoutExport(macro.readout).conversion_unit, e.adc_conversion));
  out.push_back(Priced("nq", "one column's N/Q unit for one saliency 1-bit MAC", e.nq));
  out.push_back(
      Priced("ose", "one saliency decision (one per array pass in OSA-HCIM)", e.ose_eval));
  Component accumulator{.name = "accumulator",
                        .unit = "one shift-and-add into a column accumulator",
                        .how = digital_text +
                               "; accumulate (no register bit changing) and toggle (per bit that "
                               "changes): " +
                               e.accumulate.how,
                        .actions = TimeloopActions(mean(
                            digital_ref.energy.accumulate_j,
                            static_cast<double>(dc_counts.accumulations), e.accumulate.energy_j))};
  accumulator.actions.push_back(
      {.action = "accumulate", .code = std::nullopt, .energy_j = e.accumulate.energy_j});
  accumulator.actions.push_back(
      {.action = "toggle", .code = std::nullopt, .energy_j = e.accumulate_toggle_j});
  out.push_back(std::move(accumulator));

  const ReferenceRun& at = runs[static_cast<std::size_t>(boundary)];
  out.push_back({.name = "mac",
                 .unit = "one multi-bit MAC (one row of one column, " +
                         std::to_string(shape.activation_bits) + "b x " +
                         std::to_string(shape.weight_bits) +
                         "b) at HCIM B_D/A = " + std::to_string(boundary),
                 .how = "the model's energy per MAC on " + std::to_string(at.vectors) +
                        " uniform random input vectors (every block above)",
                 .actions = TimeloopActions(at.energy.per_mac_j)});
  for (const ReferenceRun& r : runs) {
    out.push_back({.name = "mac_bda" + std::to_string(r.boundary),
                   .unit = "one multi-bit MAC at HCIM B_D/A = " + std::to_string(r.boundary) +
                           (r.boundary == 0 ? " (every order digital: DCIM)" : ""),
                   .how = "the model's energy per MAC on " + std::to_string(r.vectors) +
                          " uniform random input vectors",
                   .actions = TimeloopActions(r.energy.per_mac_j)});
  }
  return out;
}

}  // namespace

bool IsDirtyCommit(const std::string& commit) {
  constexpr std::string_view kDirty = "-dirty";
  return commit.size() >= kDirty.size() &&
         commit.compare(commit.size() - kDirty.size(), kDirty.size(), kDirty) == 0;
}

const ReferenceRun& ExportModel::Reference() const {
  for (const ReferenceRun& r : reference_runs) {
    if (r.boundary == views.reference_boundary) {
      return r;
    }
  }
  throw Error("internal: no reference run at B_D/A " + std::to_string(views.reference_boundary));
}

Provenance ProvenanceOf(const calib::Macro& macro) {
  return {.cimchar_version = core::kVersion,
          .cimchar_commit = core::kGitCommit,
          .cimchar_dirty = core::kGitDirty,
          .origin = macro.origin,
          .tables = macro.sources,
          .notes = macro.notes};
}

ExportModel ModelFromMacro(const calib::Macro& macro,
                           const mac::MacShape& shape,
                           const ViewOptions& views,
                           const std::string& macro_name) {
  ValidateViewOptions(shape, views);
  ExportModel model;
  model.provenance = ProvenanceOf(macro);
  model.operating_point = macro.point;
  model.macro_name = macro_name;
  model.readout = macro.readout;
  model.shape = shape;
  model.views = views;
  if (FindReadoutExport(macro.readout).shared_thresholds) {
    // The views of the op transfer every column shares; a readout whose values are each
    // column's own has none (the formats that need them refuse it).
    model.op = OpTransferOf(macro, shape);
    model.counts = CountTableOf(macro, shape, views);
    model.op_error = OpErrorOf(macro, shape, views);
    model.noiseless_patterns = NoiselessPatternsOf(macro, shape, views);
  }
  model.reference_runs = ReferenceRunsOf(macro, shape, views);
  model.splits = SplitsOf(macro, shape);
  model.components = ComponentsOf(macro, shape, model.reference_runs, views.reference_boundary);
  for (const Component& c : model.components) {
    model.not_derived["area." + c.name] = kNoArea;
  }
  return model;
}

ExportModel ExportModelFor(const ExportFormat& format,
                           const calib::Macro& macro,
                           const mac::MacShape& shape,
                           const ViewOptions& views,
                           const std::string& macro_name) {
  CheckReadoutFits(format, macro.readout);
  switch (format.input) {
    case ExportInput::kModel:
      return ModelFromMacro(macro, shape, views, macro_name);
    case ExportInput::kTables: {
      ExportModel model;
      model.provenance = ProvenanceOf(macro);
      model.readout = macro.readout;
      model.tables = TablesOfMacro(macro);
      return model;
    }
  }
  throw Error("internal: export format " + format.name + " reads neither the model nor tables");
}

std::string TableUnits(const std::string& name, const std::string& file_units) {
  if (!file_units.empty() && file_units != "1") {
    return file_units;
  }
  const auto ends_with = [&](std::string_view tail) {
    return name.size() >= tail.size() &&
           name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (ends_with("_lsb")) {
    return "LSB";
  }
  if (name == calib::schema::kCodeAxis || name == calib::schema::kInnerCodeAxis) {
    return "code";
  }
  if (name == "activity") {
    return "fraction";
  }
  if (name == calib::schema::kCheckAxis || name == "batch") {
    return "index";
  }
  return "dimensionless";
}

std::vector<TableView> TableViewsFromStore(const lut::Store& store,
                                           const calib::TableSource& source) {
  std::vector<TableView> views;
  for (const auto& info : store.Quantities()) {
    const lut::Table& table = store.ReadTable(info.quantity, info.statistic);
    TableView view;
    view.quantity = info.quantity + "/" + lut::StatisticName(info.statistic);
    view.file_units = table.units();
    view.units = TableUnits(info.quantity, table.units());
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
                           .units = TableUnits(axis.name(), axis.units()),
                           .values = axis.values(),
                           .labels = axis.labels()});
    }
    view.data = table.values();
    view.source = source;
    views.push_back(std::move(view));
  }
  return views;
}

std::vector<TableView> TablesOfMacro(const calib::Macro& macro) {
  std::vector<TableView> out;
  for (const calib::TableSource& source : macro.sources) {
    const lut::Store store = lut::Store::Open(source.file);
    for (auto& view : TableViewsFromStore(store, source)) {
      out.push_back(std::move(view));
    }
  }
  return out;
}

report::DnlInlPlot LinearityFromTransitions(const std::vector<double>& transitions_v) {
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
  report::DnlInlPlot out;
  // Code c (1 .. n-1) spans transitions c and c+1 (transition k is at index k-1).
  for (std::size_t c = 1; c < n; ++c) {
    out.codes.push_back(static_cast<double>(c));
    out.dnl_lsb.push_back((transitions_v[c] - transitions_v[c - 1]) / lsb - 1.0);
    out.inl_lsb.push_back(
        (transitions_v[c - 1] - (transitions_v.front() + static_cast<double>(c - 1) * lsb)) / lsb);
  }
  return out;
}

std::vector<report::SampleSet> SampleSetsFromStore(const lut::Store& store,
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
  std::vector<report::SampleSet> sets;
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
    report::SampleSet set{.name = name + " [" + spec.columns[col].units + "]", .samples = {}};
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
