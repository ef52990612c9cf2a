// The comparator readouts' part of the exports (binary: one comparator, ternary: two). Their code
// values are a digital scale factor and offset fitted per column of each chip (mac/readouts/
// comparator.cpp), so no transfer is shared by the columns: the formats that hold one refuse
// them; the energy tables take their conversion as measured.

#include "exporters/readouts/readouts.h"

namespace cimchar::exporters::readouts {

ReadoutExport Comparators(const std::string& readout, int comparators) {
  return {.readout = readout,
          .conversion_unit = "one conversion of one column's " + readout + " readout (" +
                             std::to_string(comparators) +
                             " comparator decision(s) and its share of the reference ladder)",
          .macro_fields =
              [readout, comparators](const mac::MacShape&) {
                return std::vector<std::pair<std::string, Document>>{
                    {"readout", readout}, {"readout_levels", comparators + 1}};
              },
          .shared_thresholds = nullptr,
          .per_column = "the " + readout +
                        " readout reads each column back through its own digital scale factor and "
                        "offset, fitted by least squares on that column's calibration conversions "
                        "on every chip, so no one transfer is the model's",
          .crosssim = nullptr};
}

}  // namespace cimchar::exporters::readouts
