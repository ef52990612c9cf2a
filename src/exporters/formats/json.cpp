#include "exporters/formats/formats.h"

#include "exporters/document.h"
#include "exporters/formats/tables.h"

namespace cimchar::exporters::formats {

namespace {

std::vector<report::PendingFile> RenderJson(const ExportModel& model) {
  const std::string format = "json";
  CheckTables(format, model);
  Document tables = Document::MakeArray();
  for (const auto& t : model.tables) {
    CheckTable(format, t);
    tables.Push(TableDoc(t, /*with_data=*/true));
  }
  Document d = TablesHeader(model, "any JSON reader");
  d.Set("tables", std::move(tables));
  return {{"tables.json", d.ToJson()}};
}

}  // namespace

ExportFormat JsonFormat() {
  return {.name = "json",
          .help = "tables.json: every table with axes, units, data and its file's provenance.",
          .input = ExportInput::kTables,
          .render = RenderJson};
}

}  // namespace cimchar::exporters::formats
