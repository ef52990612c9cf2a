#pragma once

// What the csv and json formats share: the checks of a table and its documents. Internal to
// src/exporters (formats/*.cpp).

#include <cstddef>
#include <string>

#include "exporters/document.h"
#include "exporters/export_model.h"

namespace cimchar::exporters::formats {

// Checks one table (names, finite axes, data size, source); returns its number of values.
// Failures: UsageError naming the table.
std::size_t CheckTable(const std::string& format, const TableView& t);

// A table's meta data, with its values when `with_data`.
Document TableDoc(const TableView& t, bool with_data);

// The header of a tables export: generator, the grid the tables hold, provenance.
Document TablesHeader(const ExportModel& model, const std::string& consumer);

// Checks a tables export: the exporting binary's commit and at least one table.
void CheckTables(const std::string& format, const ExportModel& model);

}  // namespace cimchar::exporters::formats
