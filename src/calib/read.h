#pragma once

// The one code that reads the characterization tables' quantities (characterization/README.md is
// the contract; calib/schema.h and calib/readouts/<readout>_schema.h spell the names; read.cpp
// holds the table of roles, calib/readouts/ each readout's reader): it turns the HDF5 stores into
// the characterized macro at one operating point, once, and the model, the exports and validation
// take everything from that macro. (The csv and json exports copy the tables as they are, and the
// histograms draw a run's raw records: neither interprets a quantity.) Never touches SPICE.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calib/macro.h"

namespace cimchar::lut {
class Store;
}

namespace cimchar::calib {

// A kind of table the macro is read from: its role ("apath"), which is also the recipe it is
// made with and its file name in a results folder (<role>.h5), and what it describes.
struct Role {
  std::string name;
  std::string help;
  std::string readout;  // the readout whose tables these are; empty: every readout's
};

// Every role, in the order ReadMacro reads them. Thread-safety: a constant.
const std::vector<Role>& Roles();

// The stores a macro is read from, by role. A role with no file (or an empty path) is "not
// characterized": that part keeps the analytic placeholder's value and the notes say so.
struct Sources {
  std::map<std::string, std::filesystem::path> files;  // role name -> table file

  // The file of `role`, empty when none. Failures: none.
  std::filesystem::path Of(const std::string& role) const;
  // Every role `other` gives a file for takes that file. Failures: none.
  void Override(const Sources& other);
  bool Empty() const;
};

// The stores in a results folder: <dir>/<role>.h5 for every role, the names tools/run writes.
// A file that does not exist leaves its role without a file. Failures: UsageError when `dir` is
// not a folder or holds none of them. Thread-safety: pure.
Sources SourcesInFolder(const std::filesystem::path& dir);

// What the caller asks of the macro besides the operating point. Every geometry field given must
// equal what the tables were measured for (they describe one circuit); with no table it shapes
// the analytic placeholder. The analog window may be narrowed below the DAC's bits.
struct Request {
  OperatingPoint point;
  // The column readout (mac::Readouts()): its tables are read, other readouts' are not.
  std::string readout = "sar";
  std::optional<int> rows;
  std::optional<int> columns;
  std::optional<int> dac_bits;
  std::optional<int> analog_window;
  std::optional<int> adc_bits;
  // The ADC window as fractions of the line's full scale: only for the analytic placeholder (a
  // characterized converter's window is where its transitions are; asking for another one with
  // tables is refused).
  std::optional<double> adc_lo_frac;
  std::optional<double> adc_hi_frac;
};

// A bench parameter a run resolved ("adc.vref", "apath.rows") from its recipe provenance (a
// TableSource's or a store's recipe_text): the "# resolved:" block the runner writes, or the
// recipe's own key; the last one stated wins. nullopt when the text states none. Pure.
std::optional<std::string> ResolvedParameter(std::string_view recipe_text, std::string_view key);

// Reads the macro at `request.point` from `sources` (all empty: the analytic placeholder).
// Failures: UsageError for an operating point outside a table's axes (no extrapolation: names
// the file, the axis, the value and the range) or an unknown corner, a geometry field that
// differs from the tables' (naming the option, both values and the file), a table made for an
// older contract (naming what to rerun), an unfinished run; Error for a missing or unreadable
// file or a missing quantity (naming the file and the quantity). Thread-safety: pure.
Macro ReadMacro(const Sources& sources, const Request& request);

}  // namespace cimchar::calib
