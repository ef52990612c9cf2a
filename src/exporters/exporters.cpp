#include "exporters/exporters.h"

#include <algorithm>
#include <cstddef>
#include <sstream>

#include "core/error.h"
#include "exporters/formats/formats.h"

namespace cimchar::exporters {

const std::vector<ExportFormat>& ExportFormats() {
  static const std::vector<ExportFormat> kFormats = {
      formats::AccelergyFormat(), formats::NeuroSimFormat(), formats::AihwkitFormat(),
      formats::AsimFormat(),      formats::CrossSimFormat(), formats::CsvFormat(),
      formats::JsonFormat(),
  };
  return kFormats;
}

const ExportFormat& FindExportFormat(const std::string& name) {
  std::string known;
  for (const ExportFormat& f : ExportFormats()) {
    if (name == f.name) {
      return f;
    }
    known += known.empty() ? f.name : ", " + f.name;
  }
  throw UsageError("unknown export format \"" + name + "\"; known formats: " + known);
}

std::string ExportFormatsHelp() {
  std::size_t width = 0;
  for (const ExportFormat& f : ExportFormats()) {
    width = std::max(width, f.name.size());
  }
  const std::string indent(width + 4, ' ');
  std::string out;
  for (const ExportFormat& f : ExportFormats()) {
    std::istringstream lines(f.help);
    std::string line;
    bool first = true;
    while (std::getline(lines, line)) {
      out += first ? "  " + f.name + std::string(width + 2 - f.name.size(), ' ') : indent;
      out += line + "\n";
      first = false;
    }
  }
  return out;
}

std::vector<std::filesystem::path> WriteExport(const ExportFormat& format,
                                               const ExportModel& model,
                                               const std::filesystem::path& out_dir) {
  std::vector<report::PendingFile> files = format.render(model);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec || !std::filesystem::is_directory(out_dir)) {
    throw Error("cannot write the " + format.name + " export to " + out_dir.string() + ": " +
                (ec ? ec.message() : std::string("it exists and is not a folder")));
  }
  std::vector<std::filesystem::path> written;
  for (auto& f : files) {
    f.path = out_dir / f.path;
    written.push_back(f.path);
  }
  report::WriteFilesAtomically(files);
  return written;
}

}  // namespace cimchar::exporters
