#include "exporters/readouts/readouts.h"

#include "core/error.h"
#include "exporters/exporters.h"

namespace cimchar::exporters {

const std::vector<ReadoutExport>& ReadoutExports() {
  static const std::vector<ReadoutExport> kReadouts = {
      readouts::Sar(), readouts::Comparators("ternary", 2), readouts::Comparators("binary", 1)};
  return kReadouts;
}

const ReadoutExport& FindReadoutExport(const std::string& readout) {
  std::string known;
  for (const ReadoutExport& r : ReadoutExports()) {
    if (r.readout == readout) {
      return r;
    }
    known += (known.empty() ? "" : ", ") + r.readout;
  }
  throw UsageError("the exports know no readout '" + readout + "' (known: " + known + ")");
}

void CheckReadoutFits(const ExportFormat& format, const std::string& readout) {
  const ReadoutExport& r = FindReadoutExport(readout);
  if (format.shared_transfer.empty() || r.shared_thresholds) {
    return;
  }
  std::string formats;
  for (const ExportFormat& f : ExportFormats()) {
    if (f.shared_transfer.empty()) {
      formats += (formats.empty() ? "" : ", ") + f.name;
    }
  }
  std::string readouts;
  for (const ReadoutExport& other : ReadoutExports()) {
    if (other.shared_thresholds) {
      readouts += (readouts.empty() ? "" : ", ") + other.readout;
    }
  }
  throw UsageError("cannot export the " + readout + " readout to " + format.name + ": " +
                   format.shared_transfer + ", but " + r.per_column + "; export it as " + formats +
                   ", or choose --readout " + readouts);
}

}  // namespace cimchar::exporters
