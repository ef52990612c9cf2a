#include "mac/readout.h"

#include "core/error.h"
#include "mac/readouts/readouts.h"

namespace cimchar::mac {

std::vector<double> Readout::FitColumn(std::span<const int> /*codes*/,
                                       std::span<const double> /*ideal*/,
                                       std::span<const double> shared) const {
  return {shared.begin(), shared.end()};
}

const std::vector<ReadoutInfo>& Readouts() {
  static const std::vector<ReadoutInfo> kReadouts = {
      {"sar", "column SAR ADC (capacitive DAC, StrongARM comparator, SAR logic): adc table",
       readouts::MakeSar},
      {"ternary",
       "two StrongARM comparators at a reference -/+ a threshold, per-column digital scale "
       "factors: ternary table",
       readouts::MakeComparators},
      {"binary",
       "one StrongARM comparator at a reference, per-column digital scale factors: "
       "binary table",
       readouts::MakeComparators},
  };
  return kReadouts;
}

std::unique_ptr<Readout> MakeReadout(const calib::Macro& macro) {
  std::string known;
  for (const ReadoutInfo& r : Readouts()) {
    if (r.name == macro.readout) {
      return r.make(macro);
    }
    known += (known.empty() ? "" : ", ") + r.name;
  }
  throw UsageError("unknown readout '" + macro.readout + "' (known: " + known + ")");
}

}  // namespace cimchar::mac
