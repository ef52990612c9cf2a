#pragma once

// The export formats, one file each (exporters.cpp lists them): each returns its entry, the
// command-line name, the files it writes, what it reads and its renderer.

#include <string>
#include <vector>

#include "exporters/exporters.h"

namespace cimchar::exporters::formats {

ExportFormat AccelergyFormat();
ExportFormat NeuroSimFormat();
ExportFormat AihwkitFormat();
ExportFormat AsimFormat();
ExportFormat CrossSimFormat();
ExportFormat CsvFormat();
ExportFormat JsonFormat();

}  // namespace cimchar::exporters::formats
