#include "exporters/formats/tables.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "core/error.h"
#include "exporters/formats/common.h"

namespace cimchar::exporters::formats {

namespace {

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

// The grid points the tables hold: every value of each grid axis over all tables.
Document GridDoc(const std::vector<TableView>& tables) {
  std::set<std::string> corners;
  std::map<std::string, std::set<double>> numeric;
  for (const auto& t : tables) {
    for (const auto& a : t.axes) {
      if (a.name == "corner") {
        corners.insert(a.labels.begin(), a.labels.end());
      } else if (a.name == "vdd" || a.name == "temp") {
        numeric[a.name].insert(a.values.begin(), a.values.end());
      }
    }
  }
  Document d;
  Document c = Document::MakeArray();
  for (const auto& x : corners) {
    c.Push(x);
  }
  d.Set("corner", std::move(c));
  d.Set("vdd_v", Document::Reals({numeric["vdd"].begin(), numeric["vdd"].end()}));
  d.Set("temp_c", Document::Reals({numeric["temp"].begin(), numeric["temp"].end()}));
  d.Set("meaning",
        "the tables hold every characterized grid point (each table's corner, vdd and temp "
        "axes); nothing is interpolated");
  return d;
}

}  // namespace

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
  if (t.source.file.empty() || t.source.sha256.empty()) {
    Missing(format, "the source file and SHA-256 of table " + t.quantity);
  }
  return size;
}

Document TableDoc(const TableView& t, bool with_data) {
  Document d;
  d.Set("quantity", t.quantity);
  d.Set("units", t.units);
  d.Set("units_in_file", t.file_units);
  if (!t.description.empty()) {
    d.Set("description", t.description);
  }
  d.Set("source", SourceDoc(t.source, /*with_recipe=*/false));
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

Document TablesHeader(const ExportModel& model, const std::string& consumer) {
  Document d;
  d.Set("consumer", consumer);
  d.Set("generator", "cimchar export");
  d.Set("grid", GridDoc(model.tables));
  d.Set("provenance", ProvenanceDoc(model.provenance));
  return d;
}

void CheckTables(const std::string& format, const ExportModel& model) {
  if (model.provenance.cimchar_commit.empty()) {
    Missing(format, "the exporting binary's commit");
  }
  if (model.tables.empty()) {
    Missing(format, "tables (model.tables)");
  }
}

}  // namespace cimchar::exporters::formats
