#include "exporters/formats/formats.h"

#include <cmath>
#include <set>

#include "core/error.h"
#include "exporters/document.h"
#include "exporters/formats/tables.h"

namespace cimchar::exporters::formats {

namespace {

std::string Column(const std::string& name, const std::string& units) {
  return name + " [" + units + "]";
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

std::vector<report::PendingFile> RenderCsv(const ExportModel& model) {
  const std::string format = "csv";
  CheckTables(format, model);
  std::vector<report::PendingFile> files;
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
  Document meta = TablesHeader(model, "any CSV reader");
  meta.Set("layout",
           "one row per table cell: axis columns then the value; header 'name [units]'; "
           "an empty value means no value (failed sample)");
  meta.Set("tables", std::move(index));
  files.push_back({"tables.meta.json", meta.ToJson()});
  return files;
}

}  // namespace

ExportFormat CsvFormat() {
  return {
      .name = "csv",
      .help = "<quantity>_<statistic>.csv per table (\"name [units]\" header) + tables.meta.json.",
      .input = ExportInput::kTables,
      .render = RenderCsv};
}

}  // namespace cimchar::exporters::formats
