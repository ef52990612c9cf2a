#pragma once

// The readout-specific part of the exports, one file per readout (exporters/readouts/*.cpp),
// registered by the readout's name (mac::Readouts(), calib::Macro::readout): whether every column
// of every chip reads its codes back through one shared transfer (and the thresholds that
// transfer is built from), what one conversion is in the energy tables, and the readout's own
// converter in the consumers that model one. A format states what it holds
// (ExportFormat::shared_transfer); a readout whose values are per column is refused by the
// formats that hold one shared transfer, never exported as another readout's.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "calib/macro.h"
#include "exporters/document.h"
#include "mac/options.h"

namespace cimchar::exporters {

struct ExportModel;
struct ExportFormat;

// A readout's decision thresholds on the line and their spreads, volts, as the op transfer
// (model_view.h OpTransfer) reports them in op units.
struct ReadoutThresholds {
  std::vector<double> threshold_v;     // mean, increasing: where the code steps from k-1 to k
  std::vector<double> common_sigma_v;  // static, moves a column's thresholds together
  std::vector<double> own_sigma_v;     // static, each threshold's own deviation beyond that
  double noise_sigma_v = 0.0;          // the readout's input-referred noise per conversion
};

// A consumer's model of the readout's converter (CrossSim's ADC parameters): the parameter
// block, and the entries of the export's meta file that explain and measure it, in order.
struct ConsumerConverter {
  Document parameters;
  std::string file_what;  // what the file holding it is (meta "files")
  std::vector<std::pair<std::string, Document>> settings_explained;
  std::pair<std::string, Document> approximation;
  std::pair<std::string, Document> not_representable;
};

struct ReadoutExport {
  std::string readout;          // mac::Readouts() name
  std::string conversion_unit;  // one `read` of the Accelergy "adc" component
  // What the exports' "macro" block says of the readout (after the analog window), in order.
  std::function<std::vector<std::pair<std::string, Document>>(const mac::MacShape&)> macro_fields;
  // The thresholds of a readout whose code values every column of every chip shares; null when
  // the values are each column's own (then `per_column` says why, for the refusals).
  std::function<ReadoutThresholds(const calib::Macro&)> shared_thresholds;
  std::string per_column;
  // CrossSim's model of this converter (crosssim.json); null when CrossSim has none of it.
  std::function<ConsumerConverter(const ExportModel&)> crosssim;
};

namespace readouts {
// The entries, one file each.
ReadoutExport Sar();
ReadoutExport Comparators(const std::string& readout, int comparators);
}  // namespace readouts

// Every readout's export part, one per mac::Readouts() entry. Thread-safety: a constant.
const std::vector<ReadoutExport>& ReadoutExports();

// The export part of `readout`. Failures: UsageError naming an unknown readout and the known
// ones. Thread-safety: pure.
const ReadoutExport& FindReadoutExport(const std::string& readout);

// Refuses to render `format` from a model whose readout has no shared transfer when the format
// holds one. Failures: UsageError naming the readout, the format and why. Thread-safety: pure.
void CheckReadoutFits(const ExportFormat& format, const std::string& readout);

}  // namespace cimchar::exporters
